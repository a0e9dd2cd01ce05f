"""An advisor's week and caseload, read from the published plans and the contact history.

Only published plans count: a draft is the team leader's working copy and may still change. A week not yet
published shows the desk bookings already made in it (a booked time, pinned to its advisor), marked as booked
and not yet planned: the advisor who booked a follow-up saw "not published yet" and "Next appointment —".
Continuity indices come from scheduler.metrics.continuity_indices (one place for the maths).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import end_after, to_local, week_days
from caseload.services.clients.calendar_grid import build_grids
from caseload.services.clients import notes
from caseload.services.clients.lost_cover import lost_cover
from caseload.services.planning.handovers import covers
from caseload.models import (
    Advisor, AppointmentRequest, Client, ClientNote, Contact, HandoverNote, Plan, PlanItem, utcnow,
)
from scheduler.metrics import continuity_indices as indices

NOT_SEEN_WEEKS = 6
RECENT_VISITS = 3  # "falling" compares the indices over the last few visits with the visits before


def published_plan(advisor: Advisor, week_start: date) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.team_id == advisor.team_id, Plan.week_start == week_start,
                                                Plan.status == "published"))


def last_note(client_id: int) -> ClientNote | None:
    return db.session.scalar(select(ClientNote).where(ClientNote.client_id == client_id)
                             .order_by(ClientNote.created_at.desc(), ClientNote.id.desc()).limit(1))


def last_handover(client_id: int) -> HandoverNote | None:
    return db.session.scalar(select(HandoverNote).where(HandoverNote.client_id == client_id)
                             .order_by(HandoverNote.created_at.desc(), HandoverNote.id.desc()).limit(1))


@dataclass
class Appointment:
    item: PlanItem
    start: datetime  # local
    end: datetime
    client: Client
    purpose: str
    kind: str
    covering: bool  # the client's named advisor is someone else
    note: ClientNote | None
    handover: HandoverNote | None
    notes_apart: bool = False  # a compliance review only: the client's support notes are not shown
    cover_ended: str | None = None  # why the support notes are closed: the advisor's cover ended (lost_cover)


@dataclass
class Booked:
    """A desk booking in a week not yet published: its time holds, the rest of the week is not planned yet."""

    request: AppointmentRequest
    start: datetime  # local
    end: datetime
    client: Client
    purpose: str
    kind: str


@dataclass
class Week:
    advisor: Advisor
    week_start: date
    days: list[date]
    plan: Plan | None
    appointments: list[Appointment] = field(default_factory=list)
    blocks: list[tuple[datetime, datetime]] = field(default_factory=list)  # local
    times: list[str] = field(default_factory=list)  # grid rows
    grid: object = None  # calendar_grid.AdvisorGrid: the team leader's calendar grid, for one advisor
    booked: list[Booked] = field(default_factory=list)  # desk bookings, while the week is not published


def booked_requests(advisor: Advisor, week_start: date) -> list[AppointmentRequest]:
    """The desk bookings pinned to `advisor` in the week (not cancelled), in time order."""
    return list(db.session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.pinned_advisor_id == advisor.id, AppointmentRequest.week_start == week_start,
        AppointmentRequest.pinned_start.is_not(None), AppointmentRequest.cancelled_at.is_(None))
        .order_by(AppointmentRequest.pinned_start, AppointmentRequest.id)))


def my_week(advisor: Advisor, week_start: date) -> Week:
    """The advisor's appointments and protected blocks from the week's published plan; before it is published,
    the desk bookings pinned to them (`booked`)."""
    tz = advisor.team.timezone
    plan = published_plan(advisor, week_start)
    week = Week(advisor, week_start, week_days(week_start), plan)
    if plan is None:
        week.booked = [Booked(r, to_local(r.pinned_start, tz), to_local(end_after(r.pinned_start, r.duration_minutes), tz),
                              r.client, r.purpose or r.type.name, r.kind) for r in booked_requests(advisor, week_start)]
        return week
    reading: dict[int, bool] = {}
    ended: dict[int, str | None] = {}
    for item in plan.items:
        if item.advisor_id != advisor.id or item.starts_at is None or item.request is None:
            continue
        request: AppointmentRequest = item.request
        # A compliance review alone, or cover broken by an absence or closure, does not open the client's
        # support notes (notes.may_read_notes); asked once per client, and why (cover ended, or policing).
        if request.client_id not in reading:
            reading[request.client_id] = notes.may_read_notes(advisor, request.client)
        reads = reading[request.client_id]
        if not reads and request.client_id not in ended:
            ended[request.client_id] = lost_cover(advisor, request.client)
        gone = None if reads else ended[request.client_id]
        week.appointments.append(Appointment(
            item, to_local(item.starts_at, tz), to_local(item.ends_at, tz), request.client,
            request.purpose or request.type.name, request.kind,
            covers(request, advisor.id),  # handovers' one rule: policing elsewhere is no cover
            last_note(request.client_id) if reads else None, last_handover(request.client_id) if reads else None,
            notes_apart=not reads and gone is None and request.kind != "support", cover_ended=gone))
    week.blocks = [(to_local(b.starts_at, tz), to_local(b.ends_at, tz))
                   for b in plan.protected_blocks if b.advisor_id == advisor.id]
    week.times, grids = build_grids(plan, [advisor], week.days)
    week.grid = grids[0]
    return week


# --- caseload -------------------------------------------------------------------------------------

def continuity_indices(visits: list) -> dict | None:
    """UPC, COC, SECON (and MMCI) for a client's visits in time order (scheduler.metrics.continuity_indices);
    None for fewer than two visits."""
    if len(visits) < 2:
        return None  # one visit says nothing about continuity
    return indices(visits)


def client_visits(client: Client, now: datetime | None = None) -> list[tuple[datetime, int]]:
    """The client's contacts before `now` (history and appointments marked attended): (when, advisor id), in
    time order. Only attended appointments are contacts: a DNA, a late cancellation or an appointment still
    to come is no visit (services/desk/attendance.py)."""
    now = now or utcnow()
    return [(c.occurred_at, c.advisor_id) for c in db.session.scalars(
        select(Contact).where(Contact.client_id == client.id, Contact.advisor_id.is_not(None),
                              Contact.occurred_at < now).order_by(Contact.occurred_at))]


def next_appointment(client: Client, now: datetime | None = None) -> tuple[datetime, int, bool] | None:
    """The client's next appointment: (start, advisor id, booked) from a published plan (booked False), or a
    desk booking in a week not yet published (booked True: booked, not yet planned); the earlier; None if none."""
    now = now or utcnow()
    row = db.session.execute(
        select(PlanItem.starts_at, PlanItem.advisor_id).join(Plan).join(AppointmentRequest, PlanItem.request_id == AppointmentRequest.id)
        .where(AppointmentRequest.client_id == client.id, Plan.status == "published", PlanItem.advisor_id.is_not(None),
               AppointmentRequest.cancelled_at.is_(None), PlanItem.starts_at >= now)
        .order_by(PlanItem.starts_at).limit(1)).first()
    published_weeks = select(Plan.id).where(Plan.team_id == AppointmentRequest.team_id,
                                            Plan.week_start == AppointmentRequest.week_start, Plan.status == "published")
    booked = db.session.execute(
        select(AppointmentRequest.pinned_start, AppointmentRequest.pinned_advisor_id).where(
            AppointmentRequest.client_id == client.id, AppointmentRequest.cancelled_at.is_(None),
            AppointmentRequest.pinned_advisor_id.is_not(None), AppointmentRequest.pinned_start >= now,
            ~published_weeks.exists())
        .order_by(AppointmentRequest.pinned_start).limit(1)).first()
    found = [(r[0], r[1], flag) for r, flag in ((row, False), (booked, True)) if r is not None]
    return min(found, key=lambda f: f[0]) if found else None


def _falling(advisors: list[int]) -> bool:
    """Continuity over the last few visits is lower than over the visits before them."""
    if len(advisors) < RECENT_VISITS + 2:
        return False
    before = continuity_indices(advisors[:-RECENT_VISITS])
    recent = continuity_indices(advisors[-RECENT_VISITS:])
    if not before or not recent:
        return False
    return recent["upc"] < before["upc"] or recent["secon"] < before["secon"]


@dataclass
class CaseloadRow:
    client: Client
    last_contact: datetime | None  # local
    next_appointment: datetime | None  # local
    next_advisor: Advisor | None
    next_booked: bool  # the next appointment is a desk booking in a week not yet published
    indices: dict | None
    visits: int
    falling: bool
    not_seen: bool  # an attended contact once, none for NOT_SEEN_WEEKS or more
    dna: int = 0  # appointments marked "did not attend"
    weeks_since: int | None = None  # whole weeks since the last attended contact; None: no contact yet

    @property
    def never_seen(self) -> bool:
        return self.last_contact is None

    @property
    def attention(self) -> bool:
        # A client never seen needs attention until a first appointment is booked.
        return self.falling or self.not_seen or (self.never_seen and self.next_appointment is None)


def dna_counts(client_ids: list[int]) -> dict[int, int]:
    """Client id -> how many of their appointments were marked "did not attend" (services/desk/attendance.py)."""
    if not client_ids:
        return {}
    return dict(db.session.execute(select(AppointmentRequest.client_id, func.count(AppointmentRequest.id)).where(
        AppointmentRequest.client_id.in_(client_ids), AppointmentRequest.attendance == "dna")
        .group_by(AppointmentRequest.client_id)).all())


def my_caseload(advisor: Advisor, now: datetime | None = None) -> list[CaseloadRow]:
    """The advisor's clients (named advisor = them), clients needing attention first."""
    now = now or utcnow()
    tz = advisor.team.timezone
    clients = list(db.session.scalars(select(Client).where(Client.named_advisor_id == advisor.id, Client.erased_at.is_(None))
                                      .order_by(Client.reference)))
    ids = [c.id for c in clients]
    last = dict(db.session.execute(select(Contact.client_id, func.max(Contact.occurred_at)).where(
        Contact.client_id.in_(ids), Contact.occurred_at < now).group_by(Contact.client_id)).all())
    dna = dna_counts(ids)
    rows = []
    for client in clients:
        visits = client_visits(client, now)
        advisors = [a for _, a in visits]
        coming = next_appointment(client, now)
        upcoming = [coming] if coming else []
        seen = last.get(client.id)
        if seen is not None and seen.tzinfo is None:  # SQLite's max() bypasses the column type
            seen = seen.replace(tzinfo=now.tzinfo)
        rows.append(CaseloadRow(
            client, to_local(seen, tz) if seen else None,
            to_local(upcoming[0][0], tz) if upcoming else None,
            db.session.get(Advisor, upcoming[0][1]) if upcoming else None, bool(upcoming and upcoming[0][2]),
            continuity_indices(advisors), len(advisors), _falling(advisors),
            seen is not None and now - seen >= timedelta(weeks=NOT_SEEN_WEEKS), dna.get(client.id, 0),
            (now - seen).days // 7 if seen is not None else None))
    rows.sort(key=lambda r: (not r.attention, r.client.reference))
    return rows
