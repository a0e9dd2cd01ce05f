"""Booking at the desk: one appointment, chosen from its offers, saved under the team's lock.

Booking a published week adds the appointment to a new published version of the plan (services/desk/
versions.py). Booking a week not yet published saves a pinned request, which the planner keeps.

No double booking: a booking (or cancellation) first locks the team's row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite the UPDATE takes the database's write lock), then re-reads the week and asks the
Desk again, under that lock, whether the chosen advisor and time are still free for that client. Two
desks booking at once are serialised by the database; the second finds the time taken and gets a
BookingConflict carrying fresh offers. `under_lock` is that transaction, shared with series.py.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.localtime import end_after
from caseload.models import Advisor, AppointmentRequest, AppointmentType, Client, Plan, PlanItem, RequestWindow, Team, utcnow
from caseload.services import audit
from caseload.services.desk import versions
from caseload.services.desk.notice_override import check_notice_override, record_override
from caseload.services.desk.asks import (
    Ask, Booked, BookingConflict, BookingError, Offer, check_ask, check_fulfillable, check_not_removed, check_rebookable,
    check_start, local_span,
)
from caseload.services.desk.desk_week import desk_week, request_doc
from caseload.services.desk.kept_apart import check_support_kept_apart
from caseload.services.desk.offers import offers, plain_reasons, replaced_id
from caseload.services.planning.plans import published_plan
from caseload.services.team_lock import lock_team
from caseload.services.planning.problem import advisor_sid, request_sid, utc_of_local
from scheduler.model import TIME_FORMAT


def _conflict(team: Team, ask: Ask, message: str) -> BookingConflict:
    """Release the lock first, then find fresh offers (outside the lock, so the next desk is not kept waiting)."""
    db.session.rollback()
    try:
        fresh = offers(team, ask)
    except BookingError:
        fresh = []
    db.session.rollback()
    return BookingConflict(message, fresh)


def _taken(team: Team, week_start: date, advisor_id: int, client_id: int, start: datetime, end: datetime,
           without: int | None = None) -> bool:
    """Whether the advisor or the client already has an appointment overlapping [start, end) in the week's
    published plan or its pinned requests: the quick refusal under the lock (the Desk checks every rule after)."""
    plan = published_plan(team, week_start)
    if plan is not None:
        rows = db.session.execute(select(PlanItem.starts_at, PlanItem.ends_at).join(
            AppointmentRequest, PlanItem.request_id == AppointmentRequest.id).where(
            PlanItem.plan_id == plan.id, PlanItem.starts_at < end, PlanItem.ends_at > start,
            PlanItem.request_id != (without or 0),
            (PlanItem.advisor_id == advisor_id) | (AppointmentRequest.client_id == client_id))).all()
        if rows:
            return True
    pinned = db.session.execute(select(AppointmentRequest.pinned_start, AppointmentRequest.duration_minutes).where(
        AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == week_start,
        AppointmentRequest.cancelled_at.is_(None), AppointmentRequest.pinned_start < end,
        AppointmentRequest.id != (without or 0),
        (AppointmentRequest.pinned_advisor_id == advisor_id) | (AppointmentRequest.client_id == client_id))).all()
    return any(s + timedelta(minutes=m) > start for s, m in pinned)


def _request_row(team: Team, ask: Ask, advisor: Advisor, start_utc: datetime, by) -> AppointmentRequest:
    tz = team.timezone
    windows = []
    for window in ask.windows:
        start, end = local_span(window)
        windows.append(RequestWindow(starts_at=utc_of_local(start, tz), ends_at=utc_of_local(end, tz)))
    return AppointmentRequest(team=team, week_start=ask.week_start, client=ask.client, type=ask.type,
                              duration_minutes=ask.duration, purpose=ask.purpose or ask.type.name,
                              pinned_advisor=advisor, pinned_start=start_utc, windows=windows,
                              booked_by_id=getattr(by, "id", None), booked_at=utcnow())


def taken_message(advisor: Advisor, local_start: datetime) -> str:
    return (f"{advisor.name} at {local_start:%a %d %b %H:%M} was just taken (or the client is booked then): "
            "nothing was booked. Choose one of these.")


class Taken(Exception):
    """Under the lock: the advisor's time (or the client) is no longer free at the chosen start."""


def place(team: Team, ask: Ask, advisor: Advisor, local_start: datetime, by, old_id: int | None = None,
          series=None, series_index: int | None = None) -> tuple[AppointmentRequest, Plan | None, Offer]:
    """Under the team's lock (the caller holds it and commits): save one appointment of `ask` with `advisor`
    at `local_start` (naive local), pinned, and in a published week a new plan version holding it (without
    `old_id`, the appointment a rebooking replaces, when it is in the same week).

    Raises Taken when the advisor or client is no longer free then (the Desk re-checks every hard rule)."""
    tz = team.timezone
    local_end = local_start + timedelta(minutes=ask.duration)  # the planner's wall-clock window (problem-format.md)
    start_utc = utc_of_local(local_start, tz)
    end_utc = end_after(start_utc, ask.duration)  # real time: right across a clock change
    if _taken(team, ask.week_start, advisor.id, ask.client.id, start_utc, end_utc, old_id):
        raise Taken()
    week = desk_week(team, ask.week_start, ask.client, old_id)
    exact = [{"start": local_start.strftime(TIME_FORMAT), "end": local_end.strftime(TIME_FORMAT)}]
    chosen = [o for o in week.desk.offers(request_doc(ask, windows=exact), count=200)["offers"]
              if o["advisor"] == advisor_sid(advisor.id)]
    if not chosen:
        raise Taken()
    doc = chosen[0]
    request = _request_row(team, ask, advisor, start_utc, by)
    request.series, request.series_index = series, series_index
    db.session.add(request)
    db.session.flush()
    plan = None
    if week.plan is not None:
        rid = request_sid(request.id)
        appointment = {**request_doc(ask, rid), "pinned": {"advisor": doc["advisor"], "start": doc["start"]}}
        plan = versions.with_booking(week.plan, by, appointment,
                                     {"appointment": rid, "advisor": doc["advisor"], "start": doc["start"]},
                                     doc["protected"], doc["reseated"], week.problem, drop=old_id)
    offer = Offer(advisor, start_utc, end_utc, doc["start"], doc["score_delta"], plain_reasons(week, ask, doc, advisor), doc)
    allocated = give_named_advisor(ask, advisor)
    audit.record("appointment_booked", user=by, obj=request, client=ask.client.id, advisor=advisor.id,
                 start=doc["start"], week=ask.week_start.isoformat(), type=ask.type.code,
                 plan=plan.id if plan else None, version=plan.published_version if plan else None,
                 named_advisor_set=allocated, series=getattr(series, "id", None), instance=series_index)
    return request, plan, offer


def give_named_advisor(ask: Ask, advisor: Advisor) -> bool:
    """A client with no named advisor gets the booked one (support appointments); True when set."""
    if ask.client.named_advisor_id is None and ask.type.kind == "support":
        ask.client.named_advisor_id = advisor.id
        return True
    return False


def relock(team: Team, ask: Ask) -> None:
    """End any read transaction, take the team's lock, and re-read the ask's client and type under it."""
    client_id, type_id = ask.client.id, ask.type.id
    db.session.commit()  # the lock starts a fresh transaction
    lock_team(team)
    db.session.expire_all()
    ask.client, ask.type = db.session.get(Client, client_id), db.session.get(AppointmentType, type_id)
    if ask.client is None or ask.client.erased_at is not None:
        raise BookingError("That client is not in this team.", "client")


def under_lock(team: Team, ask: Ask, work: Callable[[], object], lost: Callable[[], BookingConflict],
               before_commit: Callable[[object], None] | None = None, replay: Callable[[], object] | None = None):
    """Book in one transaction under the team's lock: all of `work()`'s rows or none.

    relock; `replay()` may return an earlier answer to give instead (idempotent retries; nothing is saved);
    else `work()` saves and returns the booking, `before_commit(booking)` adds rows to the same transaction,
    and it commits. BookingError and BookingConflict roll back and pass through; another change to the week's
    plans getting in first (a publish) or the lock wait timing out rolls back and raises `lost()`."""
    try:
        relock(team, ask)
        if replay is not None and (earlier := replay()) is not None:
            db.session.rollback()
            return earlier
        booked = work()
        if before_commit is not None:
            before_commit(booked)
        db.session.commit()
        return booked
    except (BookingError, BookingConflict):
        db.session.rollback()
        raise
    except (StaleDataError, IntegrityError, OperationalError) as err:
        db.session.rollback()
        raise lost() from err


def _still_unplaced(ask: Ask, wanted_id: int | None) -> AppointmentRequest | None:
    """Under the lock: the request `ask` books in place of (`wanted_id`, read before the lock: a request deleted
    meanwhile cannot be asked its id), re-read; BookingConflict (nothing booked) when another desk booked it, the
    planner placed it, or it was removed from the week's requests, first."""
    if wanted_id is None:
        return None
    wanted = db.session.get(AppointmentRequest, wanted_id)
    try:
        if wanted is None:
            check_not_removed(wanted_id, ask.client)
        check_fulfillable(wanted, ask.client, ask.type)
    except BookingError as err:
        raise BookingConflict(f"Not booked: {err}") from None
    ask.fulfils = wanted
    return wanted


def book(team: Team, ask: Ask, advisor_id: int, start: str, by,
         before_commit: Callable[[Booked], None] | None = None,
         replay: Callable[[], object] | None = None) -> Booked | object:
    """Book `ask` with advisor `advisor_id` at local `start` (YYYY-MM-DDTHH:MM), one of its offers.

    Under the team's lock: re-reads the week, checks the advisor and time are still free for the client,
    saves the pinned request and (published week) a new plan version, gives a client with no named advisor
    this one (support appointments), audits, commits. `replay` (called under the lock) may return an
    earlier answer to give instead (idempotent retries); `before_commit` adds rows to the same transaction.
    Raises BookingError (field named; kept_apart.SupportKeptApart when an advisor books themselves support for a
    client whose notes they may not read) or BookingConflict (with fresh offers); nothing is half-booked."""
    check_ask(team, ask)
    check_notice_override(ask, by)  # a leader's rebooking inside the minimum notice: allowed, reason given
    local_start, advisor = check_start(team, ask, advisor_id, start)
    check_support_kept_apart(ask, advisor.id, by)  # early 403, before waiting for the lock; decided again under it
    advisor_pk = advisor.id
    old_id = replaced_id(ask)
    wanted_id = ask.fulfils.id if ask.fulfils is not None else None

    def work() -> Booked:
        old = None
        if old_id is not None:  # first: the appointment moved may be what gave the cover checked next
            old = db.session.get(AppointmentRequest, old_id)
            check_rebookable(old)  # cancelled (or recorded) since: a 409 saying so, not the kept-apart 403
            if old.client_id != ask.client.id:
                raise BookingError("A rebooking is for the same client.", "client")
        # Under the lock, on the state as it is now: the cover that let the advisor book may have ended since the
        # check above (a leader cancelled their live support appointment with the client, an absence broke it).
        check_support_kept_apart(ask, advisor_pk, by)
        advisor = db.session.get(Advisor, advisor_pk)
        wanted = _still_unplaced(ask, wanted_id)
        try:
            request, plan, offer = place(team, ask, advisor, local_start, by, old_id,
                                         *((old.series, old.series_index) if old is not None else (None, None)))
        except Taken:
            raise _conflict(team, ask, taken_message(advisor, local_start)) from None
        if wanted is not None:  # "Book this request": the request is withdrawn, pointing at its booking
            wanted.cancelled_at, wanted.cancelled_by_id = utcnow(), getattr(by, "id", None)
            wanted.booked_as_id = request.id
            audit.record("request_booked_at_desk", user=by, obj=wanted, client=wanted.client_id, to=request.id,
                         week=wanted.week_start.isoformat())
        if old is not None:
            if old.week_start != ask.week_start or plan is None:
                versions.without(old, by)  # its own week's plan lets its time go
            old.cancelled_at, old.cancelled_by_id = utcnow(), getattr(by, "id", None)  # as cancelling.mark_cancelled
            audit.record("appointment_rebooked", user=by, obj=old, client=old.client_id, to=request.id)
            if ask.notice_override:
                record_override(ask, old, request, by, start)
        return Booked(request, plan, offer)

    # Another change to the week's plans got in first (a publish), or the lock wait timed out.
    return under_lock(team, ask, work, lambda: _conflict(team, ask, "The week's plan changed while booking: nothing "
                                                                   "was booked. Choose one of these fresh offers."),
                      before_commit, replay)
