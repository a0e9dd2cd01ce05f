"""A save racing another at the same moment, for real: the other row reaches the database between the save's own
duplicate check and its write, so only the database's UNIQUE key can refuse it.

On PostgreSQL the other save is real: a second connection commits the twin at the moment this request writes (the
session's flush, or an import's bulk INSERT), after its check has passed. SQLite lets one connection write at a
time and the request may already hold the write lock then (its form token, its edit claim), so a second connection
would wait for it, not race: there the twin is written on the request's own connection at that moment, in its
transaction, and is undone with it. Either way the check has passed and the constraint alone refuses."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, insert, update
from sqlalchemy.orm import Session

from caseload.extensions import db


def kept() -> bool:
    """Whether the racing twin outlives the refused request: committed apart on PostgreSQL, in the request's own
    transaction on SQLite (module docstring)."""
    return db.engine.dialect.name != "sqlite"


@contextmanager
def committed_when_writing(model, *, bulk: bool = False, statements: bool = False, updating: int | None = None,
                           **values):
    """While inside: the first time a session writes a `model` row (a flush holding a new or changed one, with
    bulk an ORM INSERT statement, with statements an UPDATE statement of its table: a check-and-write in one
    statement), another connection first commits a row of `values` to its table; with `updating` (a row id) it
    changes that row to `values` instead, its version moved on as a save's would. Yields the list the committed
    row's id is appended to."""
    done: list[int] = []

    def statement_of():
        if updating is None:
            return insert(model).values(**values).returning(model.id)
        changes = dict(values)
        if "version_id" in model.__table__.c:
            changes["version_id"] = model.__table__.c.version_id + 1
        return update(model).where(model.id == updating).values(**changes).returning(model.id)

    def commit_twin(session):
        if kept():
            with db.engine.begin() as other:
                done.append(other.execute(statement_of()).scalar_one())
        else:
            done.append(session.connection().execute(statement_of()).scalar_one())

    def before_flush(session, _context, _instances):
        if not done and any(isinstance(o, model) for o in list(session.new) + list(session.dirty)):
            commit_twin(session)

    def do_orm_execute(state):
        if done or getattr(state.statement, "table", None) is None or state.statement.table.name != model.__tablename__:
            return
        if (bulk and state.is_insert) or (statements and state.is_update):
            commit_twin(state.session)

    event.listen(Session, "before_flush", before_flush)
    event.listen(Session, "do_orm_execute", do_orm_execute)
    try:
        yield done
    finally:
        event.remove(Session, "before_flush", before_flush)
        event.remove(Session, "do_orm_execute", do_orm_execute)
