"""Migrations: upgrade from empty, no drift against the models, downgrade to base."""
from __future__ import annotations

import os

import pytest

from sqlalchemy import create_engine, inspect

from caseload import migrate
from caseload.database import Base


def _url(tmp_path):
    return os.environ.get("CASELOAD_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'migrations.db'}"


def test_upgrade_check_and_downgrade(tmp_path):
    import caseload.models  # noqa: F401

    url = _url(tmp_path)
    engine = create_engine(url)
    with engine.begin() as conn:  # start from empty, whatever an earlier test left
        Base.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate.upgrade(url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    migrate.check(url)  # raises if the models drifted from the migrations
    migrate.downgrade(url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(tmp_path):
    from caseload.database import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    engine.dispose()


def test_name_keys_migration_fills_keys_and_leaves_old_look_alikes_unset(tmp_path):
    """0021 fills clients.reference_key and teams.name_key in Python (values.name_key: case over all of Unicode,
    ZWNJ/ZWJ ignored); rows stored before that already look alike never fail the upgrade: the first (lowest id)
    gets the key, the later ones keep NULL (UNIQUE admits many), and the constraint then refuses a new twin."""
    import caseload.models  # noqa: F401
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    url = _url(tmp_path)
    engine = create_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate.upgrade(url, "0020_plan_made_by")
    teams = [(1, "North"), (2, "NORTH"), (3, "تیم\u200cشمال"), (4, "تیمشمال"), (5, "Équipe")]
    clients = [(1, 1, "S1"), (2, 1, "s1"), (3, 1, "علی\u200cرضا"), (4, 1, "علیرضا"), (5, 1, "ÉLISE"), (6, 1, "élise"),
               (7, 2, "S1"), (8, 1, "S2")]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teams (id, name, timezone, edit_version) VALUES (:id, :name, 'UTC', 1)"),
                     [{"id": i, "name": n} for i, n in teams])
        conn.execute(text("INSERT INTO clients (id, team_id, reference, name, complexity, version_id) "
                          "VALUES (:id, :team, :ref, 'x', 1, 1)"),
                     [{"id": i, "team": t, "ref": r} for i, t, r in clients])
    migrate.upgrade(url)
    with engine.connect() as conn:
        team_keys = dict(conn.execute(text("SELECT id, name_key FROM teams")).all())
        client_keys = dict(conn.execute(text("SELECT id, reference_key FROM clients")).all())
    assert team_keys == {1: "north", 2: None, 3: "تیمشمال", 4: None, 5: "équipe"}
    assert client_keys == {1: "s1", 2: None, 3: "علیرضا", 4: None, 5: "élise", 6: None, 7: "s1", 8: "s2"}
    with engine.connect() as conn:  # the database now refuses a look-alike itself
        with pytest.raises(IntegrityError):
            conn.execute(text("INSERT INTO clients (id, team_id, reference, reference_key, name, complexity, "
                              "version_id) VALUES (9, 1, 'S-1', 's2', 'x', 1, 1)"))
        conn.rollback()
    migrate.downgrade(url, "0020_plan_made_by")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM clients")).scalar() == 8
        assert "reference_key" not in {c["name"] for c in inspect(conn).get_columns("clients")}
    with engine.begin() as conn:  # (older downgrades do not keep rows: leave nothing behind)
        Base.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()
