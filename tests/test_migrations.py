"""Migrations: upgrade from empty, no drift against the models, downgrade to base."""
from __future__ import annotations

import os

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
