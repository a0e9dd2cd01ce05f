"""Stored name keys: the column that makes look-alike names unique in the database itself.

Client references (per team), team names and usernames must be unique by values.name_key (stripped, without
ZWNJ/ZWJ, folded over all of Unicode): "S1" and "s1", or "علی‌رضا" with its ZWNJ and "علیرضا" without, look the
same. A check before writing cannot stop two saves at the same moment, so the key is stored beside the name
(clients.reference_key, teams.name_key, users.username_key) under a UNIQUE constraint, computed in Python so
SQLite and PostgreSQL agree whatever their lower() folds. NULL is allowed: migrations 0021 and 0022 leave it unset
on a look-alike stored before (UNIQUE admits many NULLs on both databases), until the name is retyped
(`flask check-names` lists them).

Every write path fills it: an INSERT of any kind (ORM, ORM bulk, Core) through the column's default, which reads
the row's name as inserted; an ORM UPDATE that changes the name through a before_update event. (A Core UPDATE of
the name would not: there is none; use the ORM.)
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import attributes

from caseload.values import name_key


def key_of(source: str):
    """A column default (context-sensitive): the name_key of the row's `source` column as inserted, None when the
    row has none."""
    def default(context):
        value = context.get_current_parameters().get(source)
        return None if value is None else name_key(value)
    return default


def keep_key(model, source: str, key: str) -> None:
    """Recompute `model`.`key` from `source` on every ORM update that changes `source` (a rename). An update that
    leaves the name alone leaves the key alone: a look-alike stored before keeps its NULL key, so an unrelated
    edit of that row is not refused."""
    @event.listens_for(model, "before_update")
    def _renamed(_mapper, _connection, target):
        if attributes.get_history(target, source).has_changes():
            value = getattr(target, source)
            setattr(target, key, None if value is None else name_key(value))
