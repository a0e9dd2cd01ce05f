"""Telling a UNIQUE key's refusal from the database's other integrity rules, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError


def unique_clash(err: IntegrityError) -> bool:
    """Whether `err` is a UNIQUE key refusing a write (PostgreSQL SQLSTATE 23505, SQLite "UNIQUE constraint
    failed"), not another integrity rule (a foreign key to a row removed since it was read, a NOT NULL): only the
    first may be answered as "already taken"."""
    original = err.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return state == "23505" or "UNIQUE constraint failed" in str(original)
