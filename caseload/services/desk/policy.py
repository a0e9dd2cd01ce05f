"""The service's booking policy, set by an administrator (/admin/policy): the late-cancellation window and the
minimum notice.

The desk (pages, API, series, rebooking) offers and books no time starting less than `min_notice_hours` after now
(earliest_start), so a new client is not offered the slot that has just begun.

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
from caseload.models import DEFAULT_LATE_CANCEL_HOURS, DEFAULT_MIN_NOTICE_HOURS, ServicePolicy, hold_version, utcnow
from caseload.services import audit
from caseload.services.first_row import get_or_create

MAX_LATE_CANCEL_HOURS = 24 * 14  # two weeks: a longer window would make nearly every cancellation late
MAX_MIN_NOTICE_HOURS = 24 * 14  # two weeks: a longer notice would leave nothing to offer in the coming weeks
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
    return get_or_create(_stored_policy, lambda: ServicePolicy(id=POLICY_ID, late_cancel_hours=DEFAULT_LATE_CANCEL_HOURS,
                                                               min_notice_hours=DEFAULT_MIN_NOTICE_HOURS))


def never_changed(policy: ServicePolicy) -> bool:
    """Whether no one has changed the policy since it was made with the defaults: the first read makes the row
    (current_policy), so its updated_at is when someone first opened a page, not a change. Every saved change
    moves the row's version on (save_policy); saving the same values changes nothing and keeps it at 1."""
    return policy.version_id == 1


def late_window() -> timedelta:
    """How long before an appointment's start a cancellation counts as late (timedelta; 0: never)."""
    policy = _stored_policy()
    return timedelta(hours=policy.late_cancel_hours if policy is not None else DEFAULT_LATE_CANCEL_HOURS)


def min_notice() -> timedelta:
    """The booking desk's minimum notice (timedelta; 0: none): no offer or booking starts sooner after now."""
    policy = _stored_policy()
    return timedelta(hours=policy.min_notice_hours if policy is not None else DEFAULT_MIN_NOTICE_HOURS)


def earliest_start(now: datetime | None = None, notice: timedelta | None = None) -> datetime:
    """The earliest start (aware UTC) the desk offers or books at `now` (default: the clock): now plus the
    minimum notice (`notice` when the caller has read it already, else read here)."""
    return (now or utcnow()) + (min_notice() if notice is None else notice)


def notice_words(notice: timedelta | None = None) -> str:
    """The minimum notice as the pages say it: "2 hours", "1 hour"; "no minimum notice" for 0."""
    hours = int((notice if notice is not None else min_notice()).total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else "no minimum notice"


def window_words(window: timedelta | None = None) -> str:
    """The window as the pages say it: "24 hours", "1 hour"; "no late-cancellation window" for 0."""
    hours = int((window if window is not None else late_window()).total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else "no late-cancellation window"


def is_late(start: datetime, now: datetime | None = None, window: timedelta | None = None) -> bool:
    """Whether cancelling at `now` an appointment starting at `start` (aware) is a late cancellation."""
    now = now or utcnow()
    window = late_window() if window is None else window
    return start - now < window


def _whole_hours(value, most: int, field: str, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most:
        raise PolicyRejected(f"Give whole hours from 0 to {most} (two weeks) for the {what}.", field)


def save_policy(policy: ServicePolicy, late_cancel_hours, expected_version: int | None, by,
                min_notice_hours=None) -> ServicePolicy:
    """Change the policy (`min_notice_hours` None: kept as it is); audited (`policy_changed`) with the old and
    new values of what changed. PolicyRejected names the field; PolicyConflict when someone else saved it since
    `expected_version`."""
    if (not isinstance(late_cancel_hours, int) or isinstance(late_cancel_hours, bool)
            or not 0 <= late_cancel_hours <= MAX_LATE_CANCEL_HOURS):
        raise PolicyRejected(f"Give whole hours from 0 to {MAX_LATE_CANCEL_HOURS} (two weeks).", "late_cancel_hours")
    if min_notice_hours is None:
        min_notice_hours = policy.min_notice_hours
    _whole_hours(min_notice_hours, MAX_MIN_NOTICE_HOURS, "min_notice_hours", "minimum notice")
    if expected_version is not None and policy.version_id != expected_version:
        raise PolicyConflict("Someone else changed the service policy since you opened this page. Nothing was "
                             "saved; reload and check their change first.")
    wanted = {"late_cancel_hours": late_cancel_hours, "min_notice_hours": min_notice_hours}
    old = {k: getattr(policy, k) for k, v in wanted.items() if getattr(policy, k) != v}
    if not old:
        return policy
    try:
        if policy.id is not None and not hold_version(db.session, policy, policy.version_id if expected_version is None
                                                      else expected_version):
            raise StaleDataError("the policy moved on")
        for key in old:
            setattr(policy, key, wanted[key])
        policy.updated_at, policy.updated_by_id = utcnow(), getattr(by, "id", None)
        audit.record("policy_changed", user=by, obj=policy, old=old, new={k: wanted[k] for k in old})
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise PolicyConflict("Someone else saved the service policy at the same moment. Nothing was saved; "
                             "reload.") from err
    return policy
