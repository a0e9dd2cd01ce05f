"""The database answers the frequent filtered or sorted queries from an index, not a whole-table scan.

Run on the migrated schema (SQLite, or PostgreSQL with CASELOAD_TEST_POSTGRES=1). PostgreSQL would
scan the empty tables anyway, so sequential scans are priced out (enable_seqscan off): the plan then
shows whether an index exists that answers the query.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, func, inspect, or_, select

from caseload import migrate
from caseload.database import Base
from caseload.models import Contact, HandoverNote

NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)
# name -> (query as the service runs it, the indexes its plan must use)
QUERIES = {
    # reports.py: contacts in a period
    "contacts in a period": (select(Contact.id, Contact.advisor_id)
                             .where(Contact.occurred_at >= NOW.replace(day=1), Contact.occurred_at < NOW),
                             ["ix_contacts_occurred_at"]),
    # clients/caseload.py: last contact per client on the caseload page
    "last contact per client": (select(Contact.client_id, func.max(Contact.occurred_at))
                                .where(Contact.client_id.in_([1, 2, 3]), Contact.occurred_at < NOW)
                                .group_by(Contact.client_id), ["ix_contacts_client_id_occurred_at"]),
    # clients/notes.py: notes handed to an advisor and back from their cover
    "handover notes of an advisor": (select(HandoverNote.id).where(
        or_(HandoverNote.to_advisor_id == 1, HandoverNote.from_advisor_id == 1)),
        ["ix_handover_notes_to_advisor_id", "ix_handover_notes_from_advisor_id"]),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    import caseload.models  # noqa: F401

    url = os.environ.get("CASELOAD_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('ix') / 'ix.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate.upgrade(url)
    yield engine
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()


def _plan(engine, statement) -> str:
    with engine.begin() as conn:
        compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = conn.exec_driver_sql(f"EXPLAIN {compiled}").all()
        else:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("name", QUERIES)
def test_frequent_queries_use_an_index(engine, name):
    statement, indexes = QUERIES[name]
    plan = _plan(engine, statement)
    assert all(index in plan for index in indexes), plan


def _leading_columns(inspector, table: str) -> set[str]:
    """First columns of the table's indexes, primary key and unique constraints (each can answer an equality
    lookup on that column)."""
    leads = set()
    keyed = [ix["column_names"] for ix in inspector.get_indexes(table)]
    keyed.append(inspector.get_pk_constraint(table)["constrained_columns"])
    keyed += [uq["column_names"] for uq in inspector.get_unique_constraints(table)]
    for columns in keyed:
        if columns and columns[0]:
            leads.add(columns[0])
    return leads


def test_every_foreign_key_column_has_an_index(engine):
    """Deleting a parent row (an advisor, a user, a plan) makes the database find the rows that point at it:
    ON DELETE SET NULL / CASCADE updates or deletes them, a plain foreign key checks there are none. Without
    an index on the foreign key column each deleted row scans the whole referencing table. Read from the
    migrated database, so a model column or a migration that forgets the index fails here."""
    inspector = inspect(engine)
    missing, checked = [], 0
    for table in inspector.get_table_names():
        leads = _leading_columns(inspector, table)
        for fk in inspector.get_foreign_keys(table):
            checked += 1
            if fk["constrained_columns"][0] not in leads:
                missing.append(f"{table}.{fk['constrained_columns'][0]} -> {fk['referred_table']} "
                               f"(ondelete {fk.get('options', {}).get('ondelete')})")
    assert checked > 30, checked  # the introspection found the schema's foreign keys
    assert not missing, "foreign key columns without an index:\n" + "\n".join(missing)


def test_deleting_an_advisor_uses_the_contacts_index(engine):
    """The example that was reported: contacts.advisor_id (ON DELETE SET NULL) is found by index."""
    plan = _plan(engine, select(Contact.id).where(Contact.advisor_id == 1))
    assert "ix_contacts_advisor_id" in plan, plan
