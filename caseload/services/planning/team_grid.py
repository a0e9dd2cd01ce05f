"""The review page's team view: advisors as columns, quarter-hours down the side, one day at a time,
plus a week overview (days × advisors). Server-rendered table cells; no inline styles (strict CSP).

Each appointment cell names the client and the appointment type and carries flags as words
(`Flag.text`) and a badge class (`Flag.key`): covering for the named advisor, policing with the named
advisor, moved by the last re-plan, pinned, booked at the desk, broken by an absence or an office closure (to rebook
at the desk; a broken cover is not counted as covering and asks for no handover note). Absences are their own cells ("absent · leave"), not
"not working".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from caseload.extensions import db
from caseload.models import AppointmentRequest, Plan, PlanItem
from caseload.services.clients import name_search
from caseload.services.planning.handovers import broken_item_ids, is_cover, noted_item_ids
from caseload.services.planning.problem import (
    SLOT_MINUTES, asked_protected, local_naive, pattern_clock, protected_targets, week_absences,
)
from caseload.timegrid import at

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS = ("support", "policing")
FLAGS = {"covering": "covering for the named advisor", "policing_named": "policing with the named advisor",
         "moved": "moved by the last re-plan", "pinned": "pinned", "no_handover": "covering, no handover note",
         "booked": "booked at the desk", "broken": "broken by an absence or closure, to rebook"}


@dataclass(frozen=True)
class Filters:
    """What the leader asked to see: advisor id, client text (reference or name), kind, flag key; None = all."""

    advisor: int | None = None
    client: str | None = None
    kind: str | None = None
    flag: str | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.advisor, self.client, self.kind, self.flag))


@dataclass
class Flag:
    key: str   # css badge suffix and filter value
    text: str  # what the badge says


@dataclass
class Appointment:
    """One placed appointment as the grid shows it (local wall-clock times)."""

    item: PlanItem
    advisor_id: int
    start: datetime
    end: datetime
    client: str
    reference: str
    type_name: str
    kind: str
    flags: list[Flag] = field(default_factory=list)

    @property
    def flag_keys(self) -> set[str]:
        return {f.key for f in self.flags}


@dataclass
class Cell:
    kind: str  # "appointment", "hidden" (filtered out), "protected", "absent", "open" or "off"
    span: int = 1
    appointment: Appointment | None = None
    label: str = ""
    offers: list = field(default_factory=list)  # planner offers (move_offers.MoveOffer) starting in this cell
    moving: bool = False  # the appointment chosen to move


@dataclass
class TeamDay:
    day: date
    advisors: list
    times: list[str]
    rows: list  # rows[slot][column] = Cell, or None where a cell above spans it


@dataclass
class WeekCell:
    appointments: int = 0
    flagged: dict = field(default_factory=dict)  # flag key -> count
    absent: str | None = None  # the absence reason when absent some of the day
    working: bool = False


@dataclass
class Load:
    """One advisor's week in numbers: appointments (all and per day), contact and protected minutes."""

    advisor: object
    appointments: int = 0
    per_day: list = field(default_factory=list)
    minutes: int = 0
    protected_minutes: int = 0
    target: int = 0  # the week's protected-time target, pro rata to the working time left (problem.protected_target)
    set_target: int = 0  # the target a leader set (that week's override, else the standing one)


def load_items(plan: Plan) -> list[PlanItem]:
    """The plan's items with request, client and type loaded in bulk (not three queries per item); they also
    fill `plan.items`, so the rest of the page reads them without loading them again."""
    items = list(db.session.scalars(
        select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.starts_at, PlanItem.id).options(
            selectinload(PlanItem.request).selectinload(AppointmentRequest.client),
            selectinload(PlanItem.request).selectinload(AppointmentRequest.type))))
    set_committed_value(plan, "items", items)
    return items


def week_load(plan: Plan, advisors: list, days: list[date], placed: list[Appointment]) -> list[Load]:
    """Per advisor: appointments in the week and per day, contact minutes, protected minutes kept and the
    week's protected-time target (minutes: that week's override, else the advisor's standing target, pro rata to
    the working time the week's office closures and absences leave, as the planner was asked: no false shortfall).
    The target asked is read from the plan's own problem where it has the advisor, so the row agrees with the plan's
    protected figure: a plan made after its week started was asked only for the time still ahead
    (problem.protected_target's `cut`), and its blocks are only there."""
    targets = protected_targets(advisors, plan.week_start, plan.team.timezone, len(days))
    asked = asked_protected(plan)
    rows = {a.id: Load(a, per_day=[0 for _ in days], target=asked.get(a.id, targets[a.id].minutes),
                       set_target=targets[a.id].set)
            for a in advisors}
    for appointment in placed:
        row = rows.get(appointment.advisor_id)
        if row is None:
            continue
        row.appointments += 1
        row.minutes += int((appointment.end - appointment.start).total_seconds() // 60)
        offset = (appointment.start.date() - days[0]).days
        if 0 <= offset < len(days):
            row.per_day[offset] += 1
    for block in plan.protected_blocks:
        if block.advisor_id in rows:
            rows[block.advisor_id].protected_minutes += int((block.ends_at - block.starts_at).total_seconds() // 60)
    return list(rows.values())


def handover_item_ids(plan: Plan) -> set[int]:
    """The plan's covering items that have a handover note (handovers.noted_item_ids: a note for the same request
    in an earlier version counts, as does the named advisor's recent note to the covering advisor)."""
    return noted_item_ids(list(plan.items))


def _flags(item: PlanItem, names: dict[int, str], moved: set[int], handed_over: set[int],
           broken: dict[int, str]) -> list[Flag]:
    client, kind = item.request.client, item.request.type.kind
    named = client.named_advisor_id
    flags = []
    if item.id in broken:  # to rebook at the desk: not cover waiting for a note to someone who will not be there
        flags.append(Flag("broken", f"broken, {broken[item.id]}: rebook"))
    # Cover (handovers.is_cover) is support by someone other than the named advisor; policing by someone else is
    # the separation the plan aims for, not cover, and needs no handover note.
    elif is_cover(item):
        flags.append(Flag("covering", f"covering for {names.get(named, 'another team')}"))
        if item.id not in handed_over:
            flags.append(Flag("no_handover", "no handover note"))
    if kind == "policing" and named is not None and named == item.advisor_id:
        flags.append(Flag("policing_named", f"policing with named advisor {names.get(named, '')}".strip()))
    if item.id in moved:
        flags.append(Flag("moved", "moved by the last re-plan"))
    if item.pinned:
        flags.append(Flag("pinned", "pinned"))
    if item.request.booked_at is not None:
        flags.append(Flag("booked", "booked at the desk"))
    return flags


def appointments(plan: Plan, items: list[PlanItem], advisors: list, moved: set[int],
                 handed_over: set[int]) -> list[Appointment]:
    """Placed items as grid appointments in the team's local time (a deleted request still holds its time)."""
    tz, names = plan.team.timezone, {a.id: a.name for a in advisors}
    broken = broken_item_ids([i for i in items if i.request is not None])
    result = []
    for item in items:
        if item.advisor_id is None or item.starts_at is None:
            continue
        if item.request is None:  # deleted after planning
            result.append(Appointment(item, item.advisor_id, local_naive(item.starts_at, tz),
                                      local_naive(item.ends_at, tz), "(request removed)", "", "", "support"))
            continue
        client = item.request.client
        result.append(Appointment(item, item.advisor_id, local_naive(item.starts_at, tz), local_naive(item.ends_at, tz),
                                  client.reference if client.erased_at else client.name, client.reference,
                                  item.request.type.name, item.request.type.kind,
                                  _flags(item, names, moved, handed_over, broken)))
    return result


def matches(appointment: Appointment, filters: Filters) -> bool:
    if filters.kind and appointment.kind != filters.kind:
        return False
    if filters.flag and filters.flag not in appointment.flag_keys:
        return False
    if filters.client:  # case and ZWNJ/ZWJ ignored, as every client search (name_search)
        if not (name_search.text_matches(appointment.client, filters.client)
                or name_search.text_matches(appointment.reference, filters.client)):
            return False
    return True


def _pattern(advisor, day: date) -> list[tuple[datetime, datetime]]:
    spans = (advisor.work_pattern or {}).get(WEEKDAYS[day.weekday()], [])
    # "24:00" ends at midnight (issue 12, kind 2): strptime cannot read it.
    return [(at(day, pattern_clock(s)), at(day, pattern_clock(e, end=True))) for s, e in spans]


def _absences(advisor, day: date, tz: str) -> list[tuple[datetime, datetime, str]]:
    return [(local_naive(a.starts_at, tz), local_naive(a.ends_at, tz), a.reason or "absent")
            for a in week_absences(advisor, day, tz, 1)]


def _day_range(advisors) -> tuple[int, int]:
    """First and last minute shown: the team's earliest pattern start to latest end, 08:00-18:00 at least."""
    starts, ends = [8 * 60], [18 * 60]
    for advisor in advisors:
        for spans in (advisor.work_pattern or {}).values():
            for start, end in spans:
                starts.append(int(start[:2]) * 60 + int(start[3:5]))
                ends.append(int(end[:2]) * 60 + int(end[3:5]) if end > start else 24 * 60)
    return min(starts), max(ends)


def _slot(moment: datetime, day: date, first: int) -> int:
    minutes = (moment - datetime.combine(day, datetime.min.time())).total_seconds() // 60
    return int((minutes - first) // SLOT_MINUTES)


def _column(advisor, day: date, tz: str, first: int, slots: int, placed: list[Appointment], filters: Filters,
            blocks: list) -> list[Cell | None]:
    column: list[Cell | None] = [Cell("off") for _ in range(slots)]
    for start, end in _pattern(advisor, day):
        for s in range(max(0, _slot(start, day, first)), min(slots, _slot(end, day, first))):
            column[s] = Cell("open")
    for start, end, reason in _absences(advisor, day, tz):
        for s in range(max(0, _slot(start, day, first)), min(slots, _slot(end, day, first))):
            if column[s].kind == "open":  # absent from working time; outside it they were not working anyway
                column[s] = Cell("absent", label=f"absent · {reason}")
    things = [(b[0], b[1], Cell("protected", label=f"{b[0]:%H:%M}–{b[1]:%H:%M} protected")) for b in blocks]
    things += [(a.start, a.end, Cell("appointment" if matches(a, filters) else "hidden", appointment=a))
               for a in placed]
    for start, end, cell in things:
        top, bottom = max(0, _slot(start, day, first)), min(slots, _slot(end, day, first))
        if top >= bottom:
            continue
        cell.span = bottom - top
        column[top] = cell
        for s in range(top + 1, bottom):
            column[s] = None
    _merge_absences(column)
    return column


def _merge_absences(column: list[Cell | None]) -> None:
    """One absence cell per stretch, spanning its rows, so the reason is read once."""
    s = 0
    while s < len(column):
        cell = column[s]
        if cell is not None and cell.kind == "absent":
            e = s + 1
            while e < len(column) and column[e] is not None and column[e].kind == "absent" and column[e].label == cell.label:
                column[e] = None
                e += 1
            cell.span = e - s
            s = e
        else:
            s += 1


def _mark_offers(columns: list, shown: list, day: date, first: int, moving) -> None:
    """Highlight the chosen appointment and the planner's offers starting this day (in the cell they start in)."""
    index = {a.id: i for i, a in enumerate(shown)}
    for column in columns:
        for cell in column:
            if cell is not None and cell.appointment is not None and cell.appointment.item is moving.item:
                cell.moving = True
    for offer in moving.offers:
        column = index.get(offer.advisor.id)
        slot = _slot(offer.start, day, first)
        if column is None or offer.start.date() != day or not 0 <= slot < len(columns[column]):
            continue
        while columns[column][slot] is None:  # inside a cell spanning several rows: mark that cell
            slot -= 1
        columns[column][slot].offers.append(offer)


def team_day(plan: Plan, advisors: list, day: date, placed: list[Appointment], filters: Filters,
             moving=None) -> TeamDay:
    """The day's grid: one column per advisor (only the filtered advisor when one is chosen). moving: the
    move_offers.MoveChoices of an appointment chosen to move, whose offers are marked in their cells."""
    tz = plan.team.timezone
    first, last = _day_range(advisors)
    slots = (last - first) // SLOT_MINUTES
    times = [f"{(first + i * SLOT_MINUTES) // 60:02d}:{(first + i * SLOT_MINUTES) % 60:02d}" for i in range(slots)]
    shown = [a for a in advisors if filters.advisor in (None, a.id)]
    today: dict[int, list[Appointment]] = {}
    for appointment in placed:
        if appointment.start.date() == day:
            today.setdefault(appointment.advisor_id, []).append(appointment)
    columns = []
    for advisor in shown:
        mine = today.get(advisor.id, [])
        blocks = [(local_naive(b.starts_at, tz), local_naive(b.ends_at, tz)) for b in plan.protected_blocks
                  if b.advisor_id == advisor.id]
        columns.append(_column(advisor, day, tz, first, slots, mine, filters,
                               [b for b in blocks if b[0].date() == day]))
    if moving is not None:
        _mark_offers(columns, shown, day, first, moving)
    rows = [[column[s] for column in columns] for s in range(slots)]
    return TeamDay(day, shown, times, rows)


def week_overview(plan: Plan, advisors: list, days: list[date], placed: list[Appointment],
                  filters: Filters) -> list[tuple[date, list[WeekCell]]]:
    """Per day, per advisor shown: appointments matching the filters, flag counts, absence and working."""
    tz = plan.team.timezone
    shown = [a for a in advisors if filters.advisor in (None, a.id)]
    index = {a.id: i for i, a in enumerate(shown)}
    table = {d: [WeekCell() for _ in shown] for d in days}
    for appointment in placed:
        column = index.get(appointment.advisor_id)
        row = table.get(appointment.start.date())
        if column is None or row is None or not matches(appointment, filters):
            continue
        row[column].appointments += 1
        for flag in appointment.flags:
            row[column].flagged[flag.key] = row[column].flagged.get(flag.key, 0) + 1
    for advisor, i in ((a, index[a.id]) for a in shown):
        for d in days:
            table[d][i].working = bool(_pattern(advisor, d))
            reasons = [r for _, _, r in _absences(advisor, d, tz)]
            table[d][i].absent = ", ".join(sorted(set(reasons))) or None
    return [(d, table[d]) for d in days]


def choose_day(days: list[date], wanted: str | None, placed: list[Appointment] = (), now: datetime | None = None) -> date:
    """The day asked for (ISO date inside the week); else the first day from now with appointments still to come
    (today if any start from `now`, local naive, else the next day with any), so the view does not open on a day
    that is over (Monday 19:00 opened on Monday's empty evening); else today inside the week, else its first day."""
    for d in days:
        if wanted == d.isoformat():
            return d
    if now is None:
        return days[0]
    coming = sorted(a.start.date() for a in placed if a.end > now and days[0] <= a.start.date() <= days[-1])
    if coming:
        return coming[0]
    return now.date() if days[0] <= now.date() <= days[-1] else days[0]
