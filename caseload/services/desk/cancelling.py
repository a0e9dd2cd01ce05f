"""Cancelling at the desk: an appointment (or the rest of a series, series.py) leaves its week's published plan
(a new version without it, versions.py) and its time is free again, in one transaction under the team's lock."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import AppointmentRequest, Plan, utcnow
from caseload.services import audit
from caseload.services.desk import policy, versions
from caseload.services.desk.asks import (BookingConflict, BookingError, appointment_start, check_booked, check_cancellable,
                                         clean_text)
from caseload.services.team_lock import lock_team


def cancel(request: AppointmentRequest, by, late: bool | None = None, reason: str | None = None) -> Plan | None:
    """Cancel a booked appointment: it leaves the published plan (a new version) and frees the time.

    Whether it is a late cancellation is the service's policy (policy.py): cancelled less than the window
    (24 hours by default) before its start, it is recorded as `cancelled_late` in its attendance; earlier, not.
    `late`, when given, must agree (BookingError naming `late`: someone believed otherwise). Returns the new plan
    version (None if the week is not published). Raises BookingError if it is already cancelled, has been
    attended or has started (check_cancellable), or is a planning request with no time yet (check_booked: such
    a request is withdrawn on the week's requests page, as a booking system cancels bookings, not wishes).
    Who cancelled is kept on the appointment (`cancelled_by_id`) and in the audit log."""
    reason = clean_text(reason, "reason")

    def work(request: AppointmentRequest) -> Plan | None:
        check_booked(request)
        now = utcnow()
        start = appointment_start(request)
        window = policy.late_window()
        is_late = policy.is_late(start, now, window)
        if late is not None and bool(late) != is_late:
            raise BookingError(_late_disagrees(request, start, window, is_late), "late")
        new = versions.without(request, by)
        mark_cancelled(request, by, now)
        if is_late:
            request.attendance, request.attendance_by_id, request.attendance_at = "cancelled_late", getattr(by, "id", None), now
        audit.record("appointment_cancelled", user=by, obj=request, client=request.client_id, late=is_late,
                     reason=reason, plan=new.id if new else None, version=new.published_version if new else None)
        return new

    return under_lock(request, work)


def mark_cancelled(request: AppointmentRequest, by, now) -> None:
    """Record the cancellation on the appointment: when, and who (a user, or None for the system)."""
    request.cancelled_at, request.cancelled_by_id = now, getattr(by, "id", None)


def _late_disagrees(request: AppointmentRequest, start, window, is_late: bool) -> str:
    when = f"{to_local(start, request.team.timezone):%a %d %b %H:%M}"
    if is_late:
        return (f"It starts {when}, less than {policy.window_words(window)} from now: the service records this "
                "cancellation as late. Leave `late` out (or send true).")
    return (f"It starts {when}: cancelling it now is not late (the service's late-cancellation window is "
            f"{policy.window_words(window)} before the start). Leave `late` out.")


def under_lock(request: AppointmentRequest, work: Callable[[AppointmentRequest], object]):
    """Cancel in one transaction under the team's lock: `request` is re-read under the lock and checked
    cancellable, `work(request)` cancels, and it commits; all or nothing. BookingError rolls back and passes
    through; a change to the week's plans at the same moment (or the lock wait timing out) is a BookingConflict."""
    team, request_id = request.team, request.id
    try:
        db.session.commit()  # the lock starts a fresh transaction
        lock_team(team)
        db.session.expire_all()
        request = db.session.get(AppointmentRequest, request_id)
        check_cancellable(request)
        done = work(request)
        db.session.commit()
        return done
    except BookingError:
        db.session.rollback()
        raise
    except (StaleDataError, IntegrityError, OperationalError) as err:
        db.session.rollback()
        raise BookingConflict("The week's plan changed at the same moment: nothing was cancelled. Try again.") from err
