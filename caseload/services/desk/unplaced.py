"""Planning requests the planner has not placed, as the booking desk sees them.

A request without a time is one of three things:
- waiting: its week is not published yet and some of its times are still ahead: the planner will place it;
- not placed: the published plan left it unplaced, or all its times have passed: nobody will place it unless it is
  booked at the desk ("Book this request": the offers for it, in its week or a later one);
- met: a desk booking has taken its place, either booked for it (`booked_as_id`, set by booking.book) or a
  booking of the same client and type made after it, in its week or later (the leader booked the client at
  the desk without the link); each booking meets one request at most (services/planning/met_requests: the
  planner leaves such a request out too, so a met request is never waiting, even in a week not yet published).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from caseload.localtime import this_week_start, to_local, wall_clock
from caseload.models import AppointmentRequest, Team, utcnow
from caseload.services.desk import policy
from caseload.services.desk.attendance import Row
from caseload.services.planning.met_requests import met_by_matching
from caseload.services.planning.plans import published_plan
from caseload.services.rota.requests import parse_windows
from caseload.services.desk.asks import local_span

WEEKS_AHEAD = 8  # the weeks the desk books and follow-ups are asked for: this week and the next 7
DAYS = ("mon", "tue", "wed", "thu", "fri")


@dataclass
class Unplaced:
    """The client's requests without a time, sorted out (rows in week order)."""

    waiting: list[Row]
    not_placed: list[Row]
    met: list[tuple[Row, Row]]  # (the request, the booking that took its place)


def _times_passed(request: AppointmentRequest, now: datetime) -> bool:
    return bool(request.windows) and all(w.ends_at <= now for w in request.windows)


def sort_out(without_time: list[Row], booked: list[Row], now: datetime | None = None) -> Unplaced:
    """`without_time`: rows of the client's uncancelled requests with no time, and of those withdrawn because a
    booking took their place (booked_as_id); `booked`: rows of the client's uncancelled appointments with a time.
    See the module doc for the three kinds; which requests a booking meets is services/planning/met_requests'
    rule, the one the planner follows too (a met request is not planned), so a met request never waits."""
    now = now or utcnow()
    out = Unplaced([], [], [])
    by_id = {row.request.id: row for row in booked}
    matched = met_by_matching({row.request.client_id for row in without_time})
    published: dict[tuple[int, date], bool] = {}
    for row in sorted(without_time, key=lambda r: (r.request.week_start, r.request.id)):
        request = row.request
        if request.booked_as_id is not None:
            if request.booked_as_id in by_id:
                out.met.append((row, by_id[request.booked_as_id]))
            continue  # its booking was cancelled or moved since: said with that booking, not here
        if matched.get(request.id) in by_id:
            out.met.append((row, by_id[matched[request.id]]))
            continue
        key = (request.team_id, request.week_start)
        if key not in published:
            published[key] = published_plan(request.team, request.week_start) is not None
        if not published[key] and not _times_passed(request, now):
            out.waiting.append(row)
        else:
            out.not_placed.append(row)
    return out


def window_lines(request: AppointmentRequest) -> list[str]:
    """The request's windows as the desk's weekday lines ("wed 09:00-17:00"), so they fit any week: one line per
    weekday a window touches (a window over several days: to midnight, whole days, from midnight)."""
    tz = request.team.timezone
    lines = []
    for window in request.windows:
        # Wall-clock times as the forms take them: a window to a midnight the clocks skip (Africa/Cairo into Fri 30
        # Apr 2027) ends at 24:00, not at Friday's first moment read as 01:00 (which added a "fri 00:00-01:00" line).
        start, end = wall_clock(window.starts_at, tz), wall_clock(window.ends_at, tz)
        day = start.date()
        while datetime.combine(day, datetime.min.time()) < end:
            lo = max(start, datetime.combine(day, datetime.min.time()))
            hi = min(end, datetime.combine(day + timedelta(days=1), datetime.min.time()))
            if day.weekday() < 5 and hi > lo:
                text = f"{DAYS[day.weekday()]} {lo:%H:%M}-{'24:00' if hi.date() > day else hi.strftime('%H:%M')}"
                if text not in lines:
                    lines.append(text)
            day += timedelta(days=1)
    return lines


def book_args(request: AppointmentRequest, now: datetime | None = None) -> dict:
    """The desk's offers query for booking `request` ("Book this request"): its type, the client's times as weekday
    lines, and the first week (its own or later, from the desk's first week) with any of them still ahead by the
    minimum notice; in that week only the lines still ahead. `fulfils` links the booking to the request."""
    team: Team = request.team
    now = now or utcnow()
    ahead = to_local(policy.earliest_start(now), team.timezone).replace(tzinfo=None)
    lines = window_lines(request) or [f"{d} 09:00-17:00" for d in DAYS]
    week = max(request.week_start, this_week_start(team.timezone, now))
    chosen, kept = week, lines
    for k in range(WEEKS_AHEAD):
        candidate = week + timedelta(weeks=k)
        left = [line for line in lines if local_span(parse_windows(line, candidate)[0])[1] > ahead]
        if left:
            chosen, kept = candidate, left
            break
    args = {"type": request.type_id, "week": chosen.isoformat(), "windows": "\n".join(kept), "fulfils": request.id}
    if request.purpose and request.purpose != request.type.name:
        args["purpose"] = request.purpose
    return args


def passed_words(request: AppointmentRequest, now: datetime | None = None) -> str | None:
    """"Its times in the week of 30 Nov have passed ..." when every time of `request` has passed, else None: why
    the planner could not place it, and what to do (book it at the desk in a later week)."""
    if not _times_passed(request, now or utcnow()):
        return None
    return (f"Its times in the week of {request.week_start:%d %b} have passed, so the planner cannot place it: book it "
            "at the desk in a later week")
