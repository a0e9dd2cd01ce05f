"""Cancelling at the desk: an appointment (or the rest of a series, series.py) leaves its week's published plan
(a new version without it, versions.py) and its time is free again, in one transaction under the team's lock."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.models import AppointmentRequest, Plan, utcnow
from caseload.services import audit
from caseload.services.desk import versions
from caseload.services.desk.asks import BookingConflict, BookingError, clean_text
from caseload.services.desk.booking import check_cancellable, lock_team


def cancel(request: AppointmentRequest, by, late: bool = False, reason: str | None = None) -> Plan | None:
    """Cancel a booked appointment: it leaves the published plan (a new version) and frees the time.

    `late`: the client cancelled late, recorded as its attendance. Returns the new plan version (None if
    the week is not published). Raises BookingError if it is already cancelled or has been attended."""
    reason = clean_text(reason, "reason")

    def work(request: AppointmentRequest) -> Plan | None:
        new = versions.without(request, by)
        request.cancelled_at = utcnow()
        if late:
            request.attendance, request.attendance_by_id, request.attendance_at = "cancelled_late", getattr(by, "id", None), utcnow()
        audit.record("appointment_cancelled", user=by, obj=request, client=request.client_id, late=late,
                     reason=reason, plan=new.id if new else None, version=new.published_version if new else None)
        return new

    return under_lock(request, work)


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
