"""What every administrator's save shares (people.user_admin, team_admin, code_admin, advisor_admin).

Every change is checked in those modules (so the CLI and API get the same rules as the forms), audited with the
old and new values in the same transaction, and committed. A refused change raises AdminError naming the form
field at fault; nothing is saved.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseload.extensions import db
from caseload.models import Advisor, Role, Skill, Team, User, claim_edit
from caseload.services.clients import name_search
from caseload.services.unique_keys import unique_clash


CHANGED = ("This advisor was changed since you opened the form (by another user, or by you in another window). "
           "Nothing was saved: reload to see the change, then make yours again.")


def claim(obj, expected_version: int | None, what: str) -> None:
    """AdminError naming `version` when `obj` (a user, team, skill or appointment type) was saved from its form
    since this form was opened at `expected_version`; else its edit version moves on, the row locked until the
    commit (models.versioning.claim_edit). None: a caller without a form (scripts), not checked."""
    if obj is None or expected_version is None:
        return
    if obj.edit_version != expected_version or not claim_edit(db.session, obj, expected_version):
        db.session.rollback()
        raise AdminError(CHANGED.replace("This advisor", what), "version")


class AdminError(ValueError):
    """A change that cannot be made; `field` names the form field at fault. `conflict`: refused because another
    save came first (the page answers 409, not 400)."""

    def __init__(self, message: str, field: str | None = None, conflict: bool = False):
        super().__init__(message)
        self.field = field
        self.conflict = conflict


def apply_changes(obj, values: dict) -> dict:
    """Set `values` on `obj`; return {name: [old, new]} for the ones that changed (for the audit log)."""
    changed = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
            setattr(obj, name, new)
    return changed


def _plain(value):
    if isinstance(value, (Role,)):
        return value.value
    if isinstance(value, (Team, User, Skill, Advisor)):
        return value.id
    return value


def flush_unique(field: str, refusal: Callable[[], str]) -> None:
    """Flush this save's writes. When a UNIQUE key refuses them (another administrator saved the same value since
    this save's duplicate check passed: both checks saw it free), roll back everything this save did and raise
    AdminError(refusal(), field): the same field error as the check, so the form is shown again as typed, nothing
    saved. `refusal` runs after the rollback, so it can read the winner's row (None on SQLite, where the twin of a
    test goes with the rollback). Any other IntegrityError is raised as it is (errors.write_race: 409)."""
    try:
        db.session.flush()
    except IntegrityError as err:
        db.session.rollback()
        if not unique_clash(err):
            raise
        raise AdminError(refusal(), field) from err


def stored_look_alike(model, column, value, exclude_id=None, key_column=None) -> str | None:
    """The value of `column` on another row of `model` that is `value` but for case and ZWNJ/ZWJ (two that look
    the same), as stored; None when there is none. Compared on the stored `key_column` where the model has one
    (name_search.key_equals: Python's strip and fold, as its UNIQUE index), else name_search.column_equals."""
    same = (name_search.key_equals(column, key_column, value) if key_column is not None
            else name_search.column_equals(column, value))
    query = select(column).where(same)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query.limit(1))
