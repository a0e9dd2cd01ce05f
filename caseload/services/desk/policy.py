"""The service's booking policy, set by an administrator (/admin/policy): the late-cancellation window.

A cancellation made less than `late_cancel_hours` before the appointment's start is recorded as a late
cancellation (its attendance `cancelled_late`); one made earlier is not; an appointment that has started cannot
be cancelled at all (its attendance is recorded instead: attended, did not attend or cancelled late). Stored
like the continuity weights: one row (ServicePolicy), created with the defaults on first use, versioned, each
change audited with the old and new values.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.models import DEFAULT_LATE_CANCEL_HOURS, ServicePolicy, hold_version, utcnow
from caseload.services import audit
from caseload.services.first_row import get_or_create

MAX_LATE_CANCEL_HOURS = 24 * 14  # two weeks: a longer window would make nearly every cancellation late
POLICY_ID = 1  # the one policy row's id (a database made before this had its first row by id: still found first)


class PolicyRejected(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class PolicyConflict(RuntimeError):
    """Someone else saved the policy since the page was opened; nothing was saved."""


def _stored_policy() -> ServicePolicy | None:
    """The policy row (the first by id), or None before anyone has read or saved one."""
    return db.session.scalar(select(ServicePolicy).order_by(ServicePolicy.id))


def current_policy() -> ServicePolicy:
    """The policy in force; created (and committed) with the defaults if there is none yet. The first row is
    always id POLICY_ID, so two first reads at once make one row: the second insert breaks the primary key and
    reads the first's (first_row.get_or_create)."""
    return get_or_create(_stored_policy, lambda: ServicePolicy(id=POLICY_ID, late_cancel_hours=DEFAULT_LATE_CANCEL_HOURS))


def late_window() -> timedelta:
    """How long before an appointment's start a cancellation counts as late (timedelta; 0: never)."""
    policy = _stored_policy()
    return timedelta(hours=policy.late_cancel_hours if policy is not None else DEFAULT_LATE_CANCEL_HOURS)


def window_words(window: timedelta | None = None) -> str:
    """The window as the pages say it: "24 hours", "1 hour"; "no late-cancellation window" for 0."""
    hours = int((window if window is not None else late_window()).total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else "no late-cancellation window"


def is_late(start: datetime, now: datetime | None = None, window: timedelta | None = None) -> bool:
    """Whether cancelling at `now` an appointment starting at `start` (aware) is a late cancellation."""
    now = now or utcnow()
    window = late_window() if window is None else window
    return start - now < window


def save_policy(policy: ServicePolicy, late_cancel_hours, expected_version: int | None, by) -> ServicePolicy:
    """Change the policy; audited (`policy_changed`) with the old and new values. PolicyRejected names the
    field; PolicyConflict when someone else saved it since `expected_version`."""
    if (not isinstance(late_cancel_hours, int) or isinstance(late_cancel_hours, bool)
            or not 0 <= late_cancel_hours <= MAX_LATE_CANCEL_HOURS):
        raise PolicyRejected(f"Give whole hours from 0 to {MAX_LATE_CANCEL_HOURS} (two weeks).", "late_cancel_hours")
    if expected_version is not None and policy.version_id != expected_version:
        raise PolicyConflict("Someone else changed the service policy since you opened this page. Nothing was "
                             "saved; reload and check their change first.")
    old = policy.late_cancel_hours
    if old == late_cancel_hours:
        return policy
    try:
        if policy.id is not None and not hold_version(db.session, policy, policy.version_id if expected_version is None
                                                      else expected_version):
            raise StaleDataError("the policy moved on")
        policy.late_cancel_hours = late_cancel_hours
        policy.updated_at, policy.updated_by_id = utcnow(), getattr(by, "id", None)
        audit.record("policy_changed", user=by, obj=policy, old={"late_cancel_hours": old},
                     new={"late_cancel_hours": late_cancel_hours})
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise PolicyConflict("Someone else saved the service policy at the same moment. Nothing was saved; "
                             "reload.") from err
    return policy
