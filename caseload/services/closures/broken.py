"""What an office closure breaks: the booked appointments on a closed day, to rebook at the desk.

Apart from `closures` itself because it reads the desk's bookings (desk.attendance), which sits above planning;
planning/problem needs only `closures.closed_days`, so the desk must not be imported there.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local, week_start_of
from caseload.models import ClosureDay, Team
from caseload.services.closures import closed_days
from caseload.services.desk.attendance import booked_spans, broken_by_absences, row_of


@dataclass
class Broken:
    """A closure's hit on a booked appointment (what desk/broken.html shows in its "Why" column)."""

    id: int
    reason: str


def affected_teams(closure: ClosureDay) -> list[Team]:
    if closure.team_id is not None:
        return [closure.team]
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def broken_by_closures(team: Team, week_start: date) -> list[tuple]:
    """The week's booked appointments (published plan's, or desk bookings of a week not yet published) on a day
    the team's office is closed, each with a Broken naming the closure: like broken_by_absences, to rebook."""
    closed = closed_days(team.id, week_start, week_start + timedelta(days=6))
    if not closed:
        return []
    spans, items = booked_spans(team, week_start)
    out = []
    for request, _advisor, start, _end in spans:
        day = to_local(start, team.timezone).date()
        if day in closed:
            out.append((row_of(request, items[request.id]), Broken(0, f"Office closed: {closed[day]}")))
    return out


def closure_breaks(closure: ClosureDay) -> list[tuple[Team, date, int]]:
    """(team, week start, how many booked appointments the closure's day holds) for each affected team with any."""
    week = week_start_of(closure.day)
    out = []
    for team in affected_teams(closure):
        count = sum(1 for row, _ in broken_by_closures(team, week) if row.start.date() == closure.day)
        if count:
            out.append((team, week, count))
    return out


def broken_reason(request) -> str | None:
    """Why the booked appointment `request` (an AppointmentRequest) is broken, as the desk's broken list says
    it (the absence's reason, or "Office closed: <reason>"), or None when neither an absence nor a closure
    falls on it."""
    for row, why in broken_by_absences(request.team, request.week_start) + broken_by_closures(request.team,
                                                                                             request.week_start):
        if row.request.id == request.id:
            return why.reason or "absent"
    return None
