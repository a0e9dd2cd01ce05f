"""Attendance: after its start an appointment is marked attended, did not attend (DNA) or cancelled late.

Only attended appointments are contacts: marking one attended adds the client's Contact (linked to the
appointment, one at most), any other outcome removes it. Continuity indices, "last contact" and the
planner's history read contacts only (services/clients/caseload.py, services/planning/problem.py), so a DNA never counts
as a visit. Marking is for the appointment's advisor and the team's leader (or an administrator).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from caseload.extensions import db
from caseload.localtime import end_after, to_local, week_start_of
from caseload.models import (
    Absence, Advisor, AppointmentRequest, BookingSeries, Client, Contact, Plan, PlanItem, Role, utcnow,
)
from caseload.services import audit
from caseload.services.clients.caseload import client_visits, continuity_indices
from caseload.services.desk.asks import cancelled_words, recorded_words
from caseload.services.planning.plans import published_plan

OUTCOMES = {"attended": "attended", "dna": "did not attend (DNA)", "cancelled_late": "cancelled late"}


class AttendanceError(ValueError):
    """Attendance cannot be recorded (not started, not placed, not yours); names the reason."""


class AttendanceMoved(AttendanceError):
    """The appointment moved on since the form was shown: cancelled, or its attendance recorded (by someone else,
    or in another tab) as something other than the form saw. A race lost: 409, nothing saved (asks.StateMoved)."""


@dataclass
class Row:
    """One of the client's appointments as the desk shows it (times local to the team)."""

    request: AppointmentRequest
    advisor: Advisor | None
    start: datetime | None
    end: datetime | None
    published: bool  # placed by the week's published plan (else pinned in a week not yet published)

    @property
    def attendance(self) -> str | None:
        return OUTCOMES.get(self.request.attendance) if self.request.attendance else None


@dataclass
class Visit:
    """One line of the client's past: a past appointment (`row`, its attendance recordable), or a contact on the
    client's record with no appointment behind it (`row` None: history brought in with the client, or recorded
    before the booking desk), which counts as attended like every contact."""

    start: datetime  # local to the team
    advisor: Advisor | None
    what: str  # the appointment's type, or "Support contact (client history)"
    attendance: str | None  # as OUTCOMES says it; None: not recorded yet
    row: Row | None = None


@dataclass
class ClientView:
    upcoming: list[Row] = field(default_factory=list)
    past: list[Row] = field(default_factory=list)
    # Requested, not placed (yet), and those a desk booking took the place of (services/desk/unplaced.sort_out).
    waiting: list[Row] = field(default_factory=list)
    cancelled: list[Row] = field(default_factory=list)
    dna: int = 0
    attended: int = 0
    last_contact: datetime | None = None
    continuity: str = "No attended contact yet, so no continuity to show."
    visits: list[Visit] = field(default_factory=list)  # past appointments and history contacts, newest first


def placements(request_ids: list[int]) -> dict[int, PlanItem]:
    """Request id -> its placed item in the published plan of its week."""
    if not request_ids:
        return {}
    items = db.session.scalars(select(PlanItem).join(Plan).where(
        Plan.status == "published", PlanItem.request_id.in_(request_ids), PlanItem.advisor_id.is_not(None)))
    return {i.request_id: i for i in items}


def row_of(request: AppointmentRequest, item: PlanItem | None = None) -> Row:
    tz = request.team.timezone
    if item is not None:
        return Row(request, item.advisor, to_local(item.starts_at, tz), to_local(item.ends_at, tz), True)
    if request.pinned_start is not None and request.pinned_advisor is not None:
        start = to_local(request.pinned_start, tz)
        return Row(request, request.pinned_advisor, start, end_after(start, request.duration_minutes), False)
    return Row(request, None, None, None, False)


def client_view(client: Client, now: datetime | None = None) -> ClientView:
    """The client's appointments: upcoming, past (with attendance), waiting to be placed, cancelled."""
    now = now or utcnow()
    requests = list(db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.client_id == client.id)
                                       .order_by(AppointmentRequest.week_start, AppointmentRequest.id)))
    placed = placements([r.id for r in requests])
    view = ClientView()
    for request in requests:
        row = row_of(request, placed.get(request.id))
        if request.booked_as_id is not None or (request.cancelled_at is None and row.start is None):
            view.waiting.append(row)  # booked at the desk in its place: services/desk/unplaced.py says so
        elif request.cancelled_at is not None:
            view.cancelled.append(row)
        elif row.start > to_local(now, request.team.timezone):
            view.upcoming.append(row)
        else:
            view.past.append(row)
    view.upcoming.sort(key=lambda r: r.start)
    view.past.sort(key=lambda r: r.start, reverse=True)
    view.dna = sum(1 for r in requests if r.attendance == "dna")
    view.attended = db.session.scalar(select(func.count(Contact.id)).where(
        Contact.client_id == client.id, Contact.occurred_at < now)) or 0
    view.continuity = continuity_words(client, now)
    view.visits = past_visits(client, view.past, now)
    last = db.session.scalar(select(func.max(Contact.occurred_at)).where(Contact.client_id == client.id,
                                                                         Contact.occurred_at < now))
    if last is not None:
        last = last if last.tzinfo else last.replace(tzinfo=now.tzinfo)  # SQLite's max() bypasses the column type
        view.last_contact = to_local(last, client.team.timezone)
    return view


def past_visits(client: Client, past: list[Row], now: datetime) -> list[Visit]:
    """The visits behind the client's "attended" count and continuity, newest first: the past appointments
    (`past`, with their attendance: attended, DNA, cancelled late or not recorded yet) and the contacts before
    `now` that no appointment records (the client's history), each with its advisor."""
    tz = client.team.timezone
    visits = [Visit(row.start, row.advisor, row.request.type.name, row.attendance, row) for row in past]
    history = db.session.scalars(select(Contact).options(selectinload(Contact.advisor)).where(
        Contact.client_id == client.id, Contact.request_id.is_(None), Contact.occurred_at < now))
    visits += [Visit(to_local(c.occurred_at, tz), c.advisor, f"{c.kind.capitalize()} contact (client history)",
                     OUTCOMES["attended"]) for c in history]
    return sorted(visits, key=lambda v: v.start, reverse=True)


@dataclass
class SeriesView:
    """One series of the client's: how often, with whom, and each instance's row and where it stands."""

    series: object  # BookingSeries
    rows: list[tuple[Row, str]]  # (row, "upcoming" | "attended" | … | "cancelled" | "past, not recorded")

    @property
    def words(self) -> str:
        every = {1: "Every week", 2: "Every 2 weeks", 4: "Every 4 weeks"}.get(self.series.every_weeks, "")
        advisor = db.session.get(Advisor, self.series.advisor_id) if self.series.advisor_id else None
        return f"{every}, {self.series.count} times" + (f", with {advisor.name}" if advisor else "")


def client_series(client: Client, now: datetime | None = None) -> list[SeriesView]:
    """The client's series (newest first), each instance with its status; a rebooked instance shows its new time."""
    now = now or utcnow()
    out = []
    for one in db.session.scalars(select(BookingSeries).where(BookingSeries.client_id == client.id)
                                  .order_by(BookingSeries.id.desc())):
        requests = list(db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.series_id == one.id)
                                           .order_by(AppointmentRequest.series_index, AppointmentRequest.id)))
        placed = placements([r.id for r in requests])
        rows = []
        for request in requests:
            row = row_of(request, placed.get(request.id))
            if request.cancelled_at is not None:
                later = any(r.series_index == request.series_index and r.id > request.id for r in requests)
                if later:
                    continue  # rebooked: its replacement stands for it
                status = "cancelled" + (" late" if request.attendance == "cancelled_late" else "")
            elif request.attendance:
                status = OUTCOMES[request.attendance]
            elif row.start is not None and row.start <= to_local(now, request.team.timezone):
                status = "past, attendance not recorded"
            else:
                status = "upcoming"
            rows.append((row, status))
        out.append(SeriesView(one, rows))
    return out


def may_mark(user, row: Row, now: datetime | None = None) -> bool:
    """The appointment has started and `user` is its advisor, or manages its team."""
    if row.start is None or row.request.cancelled_at is not None:
        return False
    if row.start > to_local(now or utcnow(), row.request.team.timezone):
        return False
    if user.role == Role.ADVISOR:
        return user.advisor is not None and row.advisor is not None and row.advisor.id == user.advisor.id
    return user.role == Role.ADMIN or (user.role == Role.LEADER and row.request.team.leader_id == user.id)


def mark(request: AppointmentRequest, outcome: str, by, now: datetime | None = None,
         seen: str | None = None) -> AppointmentRequest:
    """Record the outcome of a started appointment; attended adds its contact, anything else removes it.

    `seen`: the attendance the form showed ("" for none yet; None: not known, as an API call without `was`). The
    write is conditional on the attendance still being what was read (or `seen`), so two recorders at once never
    silently overwrite each other. Raises AttendanceError naming why it cannot be recorded; AttendanceMoved (a
    409) when it was cancelled, or recorded as something else since it was shown. Sending what is already
    recorded (a second press, another tab saying the same) saves nothing and is not refused."""
    if outcome not in OUTCOMES:
        raise AttendanceError(f"Attendance: choose one of {', '.join(OUTCOMES.values())}.")
    now = now or utcnow()
    row = row_of(request, placements([request.id]).get(request.id))
    if request.cancelled_at is not None:
        raise AttendanceMoved(f"This appointment was cancelled ({cancelled_words(request)}): there is no attendance "
                              "to record. Nothing was saved.")
    if row.start is None:
        raise AttendanceError("This appointment has not been placed, so nobody could attend it.")
    if not may_mark(by, row, now):
        if row.start > to_local(now, request.team.timezone):
            raise AttendanceError(f"Attendance can be recorded from the appointment's start ({row.start:%a %d %b %H:%M}).")
        raise AttendanceError("Only the appointment's advisor or the team leader can record its attendance.")
    before = request.attendance
    if before == outcome:  # already so: the same press twice, or another tab recording the same
        return request
    if seen is not None and (before or "") != seen:
        raise _moved(request, seen)
    # Only if it is still what was read: another recorder committing in between is a 409, not a lost write.
    still = AppointmentRequest.attendance.is_(None) if before is None else AppointmentRequest.attendance == before
    claimed = db.session.execute(update(AppointmentRequest).where(
        AppointmentRequest.id == request.id, AppointmentRequest.cancelled_at.is_(None), still).values(
        attendance=outcome, attendance_by_id=getattr(by, "id", None), attendance_at=now)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        db.session.refresh(request)
        if request.cancelled_at is not None:
            raise AttendanceMoved(f"This appointment was cancelled ({cancelled_words(request)}) at the same moment. "
                                  "Nothing was saved.")
        raise _moved(request, before or "")
    db.session.expire(request, ["attendance", "attendance_by_id", "attendance_at"])
    db.session.execute(delete(Contact).where(Contact.request_id == request.id))
    if outcome == "attended":
        db.session.add(Contact(client_id=request.client_id, advisor_id=row.advisor.id, kind=request.kind,
                               occurred_at=row.start.astimezone(now.tzinfo), request_id=request.id))
    audit.record("attendance_marked", user=by, obj=request, client=request.client_id, outcome=outcome, before=before)
    db.session.commit()
    return request


def _moved(request: AppointmentRequest, seen: str) -> AttendanceMoved:
    """The attendance as it is now, who recorded it and when, against what the form showed (`seen`)."""
    now_is = OUTCOMES.get(request.attendance, "not recorded") if request.attendance else "not recorded (cleared)"
    was = OUTCOMES.get(seen, seen) if seen else "not recorded"
    return AttendanceMoved(f"Attendance was recorded as {now_is}{recorded_words(request)} since this page was shown "
                           f"(it showed {was}). Nothing was saved: check it, and record yours again if it is "
                           "still right.")


def broken_by_absences(team, week_start) -> list[tuple[Row, object]]:
    """The week's booked appointments whose advisor is now absent at their time, each with the absence: what an
    absence breaks, for the desk to rebook one by one. A published week: its plan's appointments. A week not yet
    published: its desk bookings (pinned requests booked at the desk, not cancelled), which are in no plan yet but
    were promised to the client all the same."""
    spans, items = booked_spans(team, week_start)
    advisors = {advisor for _, advisor, _, _ in spans}
    absences = list(db.session.scalars(select(Absence).where(Absence.advisor_id.in_(advisors)))) if advisors else []
    out = []
    for request, advisor, start, end in spans:
        hit = next((a for a in absences if a.advisor_id == advisor and a.starts_at < end and start < a.ends_at), None)
        if hit is not None:
            out.append((row_of(request, items[request.id]), hit))
    return out


def booked_spans(team, week_start) -> tuple[list, dict]:
    """The week's booked appointments as (request, advisor id, start, end) in time order (aware UTC), and request
    id -> its plan item (None for a desk booking in a week not yet published): see broken_by_absences."""
    plan = published_plan(team, week_start)
    if plan is not None:
        # The items' requests in one query: before, one lazy load per item, about 95 per call on the demo's week (a
        # rebooking's offers page made 190).
        ids = [i.request_id for i in plan.items if i.request_id is not None]
        requests = {r.id: r for r in db.session.scalars(select(AppointmentRequest).where(
            AppointmentRequest.id.in_(ids)))} if ids else {}
        booked = [(requests[i.request_id], i) for i in plan.items if i.advisor_id is not None and i.starts_at is not None
                  and i.request_id in requests and requests[i.request_id].cancelled_at is None]
        spans = [(request, item.advisor_id, item.starts_at, item.ends_at) for request, item in booked]
    else:
        booked = [(r, None) for r in db.session.scalars(select(AppointmentRequest).where(
            AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == week_start,
            AppointmentRequest.booked_at.is_not(None), AppointmentRequest.cancelled_at.is_(None),
            AppointmentRequest.pinned_advisor_id.is_not(None), AppointmentRequest.pinned_start.is_not(None)))]
        spans = [(r, r.pinned_advisor_id, r.pinned_start, end_after(r.pinned_start, r.duration_minutes))
                 for r, _ in booked]
    items = dict((r.id, item) for r, item in booked)
    return sorted(spans, key=lambda span: (span[2], span[0].id)), items


def absence_weeks(absence, tz: str) -> list:
    """The Mondays of the weeks an absence touches (local time), first to last."""
    first = week_start_of(to_local(absence.starts_at, tz).date())
    last = week_start_of(to_local(absence.ends_at - timedelta(microseconds=1), tz).date())
    return [first + timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]


def continuity_words(client: Client, now: datetime | None = None) -> str:
    """The client's continuity from attended contacts, as a sentence: who they see most and how often."""
    advisors = [a for _, a in client_visits(client, now)]
    if not advisors:
        return "No attended contact yet, so no continuity to show."
    (most, times), = Counter(advisors).most_common(1)
    name = db.session.get(Advisor, most).name if db.session.get(Advisor, most) else "one advisor"
    text = f"{times} of {len(advisors)} attended contact{'s' if len(advisors) > 1 else ''} with {name}"
    indices = continuity_indices(advisors)
    if indices and indices.get("secon") is not None:
        # Plain words first, the standard term in brackets: reception read "UPC 50%" as jargon (walkthrough).
        text += (f": the same advisor for {indices['upc']:.0%} of visits (UPC); {indices['secon']:.0%} of visits"
                 " with the same advisor as the visit before")
    return text + "."
