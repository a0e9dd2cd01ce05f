"""Migration 0022: users.username_key filled for existing accounts, look-alikes stored before left unset."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from caseload import migrate
from caseload.database import Base


def _url(tmp_path):
    return os.environ.get("CASELOAD_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'migrations.db'}"


def _empty(engine) -> None:
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def test_username_key_migration_fills_keys_and_leaves_old_look_alikes_unset(tmp_path):
    """0022 fills users.username_key in Python (values.name_key: case over all of Unicode, ZWNJ/ZWJ ignored, "ß"
    not "ss"); accounts stored before that already look alike never fail the upgrade: the first (lowest id) gets
    the key, the later ones keep NULL (UNIQUE admits many), and the database then refuses a new twin."""
    import caseload.models  # noqa: F401

    url = _url(tmp_path)
    engine = create_engine(url)
    _empty(engine)
    migrate.upgrade(url, "0021_name_keys")
    users = [(1, "alice"), (2, "Alice"), (3, "ÉLISE"), (4, "élise"), (5, "ka\u200cte"), (6, "kate"), (7, "\u212aATE"),
             (8, "straße"), (9, "STRASSE"), (10, "bob")]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, username, display_name, role, password_hash, active, "
                          "session_version, created_at, edit_version) VALUES (:id, :name, :name, 'advisor', 'x', "
                          ":active, 1, '2026-01-01 00:00:00', 1)"),
                     [{"id": i, "name": n, "active": True} for i, n in users])
    migrate.upgrade(url)
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, username_key FROM users")).all())
    assert keys == {1: "alice", 2: None, 3: "élise", 4: None, 5: "kate", 6: None, 7: None, 8: "straße",
                    9: "strasse", 10: "bob"}
    with engine.connect() as conn:  # the database now refuses a look-alike itself
        with pytest.raises(IntegrityError):
            conn.execute(text("INSERT INTO users (id, username, username_key, display_name, role, password_hash, "
                              "active, session_version, created_at, edit_version) VALUES (11, 'BOB', 'bob', 'x', "
                              "'advisor', 'x', :active, 1, '2026-01-01 00:00:00', 1)"), {"active": True})
        conn.rollback()
    migrate.downgrade(url, "0021_name_keys")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == len(users)
        assert "username_key" not in {c["name"] for c in inspect(conn).get_columns("users")}
        assert "uq_users_username_key" not in {i["name"] for i in inspect(conn).get_indexes("users")}
    _empty(engine)  # (older downgrades do not keep rows: leave nothing behind)
    engine.dispose()
