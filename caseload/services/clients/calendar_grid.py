"""The review page's week grid: per advisor, day columns and quarter-hour rows, as table cells.

Appointments and protected blocks span rows with `rowspan`, so the grid needs no inline styles
(the Content-Security-Policy forbids them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from caseload.models import Plan
from caseload.services.planning.problem import SLOT_MINUTES, availability, local_naive
from scheduler.model import TIME_FORMAT


@dataclass
class Cell:
    kind: str  # "appointment", "protected", "open" (bookable, free) or "off"
    span: int = 1
    item: object = None
    label: str = ""
    css: str = ""


@dataclass
class AdvisorGrid:
    advisor: object
    rows: list  # rows[slot] = list per day of Cell or None (covered by a cell above)
    appointments: int = 0
    minutes: int = 0
    protected_minutes: int = 0
    per_day: list = field(default_factory=list)


def _label(kind: str, thing, start: datetime, end: datetime) -> str:
    if kind == "protected":
        return f"{start:%H:%M}–{end:%H:%M} protected"
    if thing.request is None:  # the request was deleted after planning
        return f"{start:%H:%M} (request removed)"
    return f"{start:%H:%M} {thing.request.client.reference} · {thing.request.type.name}"


def _css(kind: str, thing) -> str:
    if kind == "protected":
        return "protected"
    kind_of = thing.request.kind if thing.request is not None else "support"
    return f"appt kind-{kind_of}" + (" pinned" if thing.pinned else "")


def _slot_of(moment: datetime, first: int) -> int:
    return (moment.hour * 60 + moment.minute - first) // SLOT_MINUTES


def day_range(plan: Plan) -> tuple[int, int]:
    """First and last minute of the day shown: the team's earliest start to latest end (08:00-18:00 at least)."""
    starts, ends = [8 * 60], [18 * 60]
    for advisor in (plan.problem or {}).get("advisors", []):
        for span in advisor["availability"]:
            s, e = datetime.strptime(span["start"], TIME_FORMAT), datetime.strptime(span["end"], TIME_FORMAT)
            starts.append(s.hour * 60 + s.minute)
            ends.append(e.hour * 60 + e.minute if e.date() == s.date() else 24 * 60)
    return min(starts), max(ends)


def build_grids(plan: Plan, advisors: list, days: list[date]) -> tuple[list[str], list[AdvisorGrid]]:
    tz = plan.team.timezone
    first, last = day_range(plan)
    slots = (last - first) // SLOT_MINUTES
    times = [f"{(first + i * SLOT_MINUTES) // 60:02d}:{(first + i * SLOT_MINUTES) % 60:02d}" for i in range(slots)]
    grids = []
    for advisor in advisors:
        rows = [[Cell("off") for _ in days] for _ in range(slots)]
        for start, end in availability(advisor, days[0], tz, len(days)):
            d = (start.date() - days[0]).days
            for s in range(max(0, _slot_of(start, first)), min(slots, _slot_of(end, first))):
                rows[s][d] = Cell("open")
        grid = AdvisorGrid(advisor, rows, per_day=[0 for _ in days])
        placed = [(local_naive(i.starts_at, tz), local_naive(i.ends_at, tz), "appointment", i)
                  for i in plan.items if i.advisor_id == advisor.id and i.starts_at]
        blocks = [(local_naive(b.starts_at, tz), local_naive(b.ends_at, tz), "protected", b)
                  for b in plan.protected_blocks if b.advisor_id == advisor.id]
        for start, end, kind, thing in placed + blocks:
            d = (start.date() - days[0]).days
            minutes = int((end - start).total_seconds() // 60)
            if kind == "appointment":
                grid.appointments += 1
                grid.minutes += minutes
                if 0 <= d < len(days):
                    grid.per_day[d] += 1
            else:
                grid.protected_minutes += minutes
            top, bottom = max(0, _slot_of(start, first)), min(slots, _slot_of(end, first))
            if not (0 <= d < len(days)) or top >= bottom:
                continue
            rows[top][d] = Cell(kind, bottom - top, thing, _label(kind, thing, start, end), _css(kind, thing))
            for s in range(top + 1, bottom):
                rows[s][d] = None
        grids.append(grid)
    return times, grids
