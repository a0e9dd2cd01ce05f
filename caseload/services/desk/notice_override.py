"""A team leader's override of the service's minimum notice for one rebooking (services/desk/policy.py).

The minimum notice keeps every offer and booking some hours from now, so a client is not offered the slot that
has just begun. When an absence or an office closure breaks an appointment today, that same rule would stop the
rebooking that day: a team leader (or an administrator) may set it aside for that one rebooking, giving a reason.
Advisors and the desk's other users may not; nothing can be booked in the past either way. The booking records
the override in the audit log (`min_notice_overridden`) with the reason.
"""
from __future__ import annotations

from datetime import timedelta

from caseload.models import Role
from caseload.services import audit
from caseload.services.closures.broken import broken_reason
from caseload.services.desk import policy
from caseload.services.desk.asks import Ask, BookingError

REASON_MAX = 200
MAY_OVERRIDE = (Role.LEADER, Role.ADMIN)


class OverrideNotAllowed(BookingError):
    """The override asked for by someone whose role may not set the notice aside (only MAY_OVERRIDE may): the desk
    page answers 400 naming the field like any refused input, the API 403 (the token's user may not do this)."""


def may_override(ask: Ask, by, notice: timedelta | None = None, broken_of=None) -> bool:
    """Whether `by` may be offered the override for `ask`: a team leader or administrator rebooking an
    appointment an absence or closure breaks, while the service sets a minimum notice (`notice` when the request
    has read it already, else read here). `broken_of`: how the request works out why an appointment is broken
    (DeskWeeks.broken, once per request; default: closures.broken.broken_reason)."""
    return (getattr(by, "role", None) in MAY_OVERRIDE and ask.replacing is not None
            and bool(policy.min_notice() if notice is None else notice)
            and (broken_of or broken_reason)(ask.replacing) is not None)


def check_notice_override(ask: Ask, by, broken_of=None) -> None:
    """Check `ask.notice_override` (the reason; None: no override, nothing to check) and keep it trimmed.
    Raises BookingError naming `notice_override`: not a rebooking, no or too long a reason, or the appointment
    replaced is not broken by an absence or an office closure; OverrideNotAllowed (a BookingError) when `by` is not
    a team leader or administrator. The desk's pages and the API's rebook both call it. `broken_of`: as may_override."""
    if ask.notice_override is None:
        return
    reason = ask.notice_override.strip()
    if ask.replacing is None:
        raise BookingError("Only a rebooking may start inside the minimum notice.", "notice_override")
    if getattr(by, "role", None) not in MAY_OVERRIDE:
        raise OverrideNotAllowed("Only a team leader may rebook inside the service's minimum notice.",
                                 "notice_override")
    if not reason:
        raise BookingError("Say why this rebooking cannot wait the minimum notice.", "notice_override")
    if len(reason) > REASON_MAX:
        raise BookingError(f"At most {REASON_MAX} characters.", "notice_override")
    if (broken_of or broken_reason)(ask.replacing) is None:
        raise BookingError("The minimum notice can be set aside only to rebook an appointment an absence or an "
                           "office closure breaks.", "notice_override")
    ask.notice_override = reason


def record_override(ask: Ask, old, new, by, start: str) -> None:
    """Audit a rebooking made inside the minimum notice: who, which appointment (old -> new), when, why."""
    audit.record("min_notice_overridden", user=by, obj=old, client=old.client_id, to=new.id, start=start,
                 notice=policy.notice_words(), reason=ask.notice_override)
