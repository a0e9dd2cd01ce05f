"""Optimistic versions that also cover child rows, and a row lock that checks a version.

A versioned row (`version_id_col`: clients, appointment requests, plans, weight profiles) gets a new
version whenever the ORM updates it. SQLAlchemy only updates the row when one of its own columns
changed, so a change to a child collection alone (a request's windows, a plan's items) would keep the
version and let a second writer overwrite the first unseen. Child classes therefore name their
versioned parent (`__versioned_parent__ = "request"`) and parents their owned collections
(`__versioned_children__ = ("windows",)`); before each flush, a parent whose owned children were
added, changed or removed is marked changed, so its version moves with them.
"""
from __future__ import annotations

from itertools import chain

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value


def _touch(parent) -> None:
    """Make the ORM update `parent` (and so bump its version) though none of its own columns changed."""
    mapper = inspect(parent).mapper
    keep = {c.key for c in mapper.primary_key} | {mapper.version_id_col.key}
    column = next(p.key for p in mapper.column_attrs if p.key not in keep)
    flag_modified(parent, column)


def _changed_parents(session: Session, new, deleted, dirty):
    for obj in dirty:
        names = getattr(type(obj), "__versioned_children__", ())
        state = inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in names):
            yield obj
    for obj in chain(new, deleted, dirty):
        name = getattr(type(obj), "__versioned_parent__", None)
        if name is None or (obj in dirty and not session.is_modified(obj)):
            continue
        history = inspect(obj).attrs[name].history
        yield from (p for p in chain(history.unchanged or (), history.added or (), history.deleted or ()) if p is not None)


@event.listens_for(Session, "before_flush")
def _bump_parents_of_changed_children(session: Session, _context, _instances) -> None:
    # session.new/.deleted/.dirty build a new set on every access: read them once, or a flush of n new
    # rows (a CSV import) costs n^2 (76,000 requests took minutes).
    new, deleted, dirty = session.new, session.deleted, session.dirty
    for parent in set(_changed_parents(session, new, deleted, dirty)):
        if parent not in new and parent not in deleted and inspect(parent).persistent:
            _touch(parent)


def hold_version(session: Session, obj, expected: int) -> bool:
    """Lock `obj`'s row for this transaction if it still has version `expected`; False if it has moved on.

    One UPDATE (setting the version to itself) checks and locks at once: on PostgreSQL a second writer
    waits on the row lock and then finds the new version; on SQLite it waits for the write lock
    (busy_timeout). Call it before changing any attribute (so no autoflush runs first); the ORM's own
    UPDATE later bumps the version under this lock.
    """
    if getattr(obj, "version_id", None) != expected:
        return False
    mapper = inspect(obj).mapper
    version = mapper.version_id_col
    (key,) = mapper.primary_key
    result = session.execute(update(mapper.local_table).where(key == inspect(obj).identity[0], version == expected)
                             .values({version.name: version}))
    return result.rowcount == 1


def claim_edit(session: Session, obj, expected: int) -> bool:
    """For rows whose `edit_version` counts only their edit forms' saves (users, teams, skills, appointment
    types: a sign-in or a token change must not make an administrator's open form stale): move it from
    `expected` to the next in one UPDATE, which also locks the row for this transaction. False if someone saved
    since (the form was opened at an older version); then nothing is changed."""
    table = inspect(obj).mapper.local_table
    result = session.execute(update(table).where(table.c.id == obj.id, table.c.edit_version == expected)
                             .values(edit_version=expected + 1))
    if result.rowcount != 1:
        return False
    set_committed_value(obj, "edit_version", expected + 1)
    return True
