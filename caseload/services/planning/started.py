"""A week that has already started: nothing new is placed before now.

Planning Monday afternoon placed appointments at Monday 09:00, hours already gone (the problem had no notion of
now; only the desk's offers cut their windows). When the team's week has started, `to_problem` builds it with:

- the first slot from now (`cut`, local wall-clock, on the grid) as the earliest start of every appointment
  not held before now, and as the start of every advisor's working time (so protected time is not seated in
  hours already gone either);
- the appointments held before now left where they are: a time the published plan gave, or a pinned desk
  booking, that starts before now is pinned there, and its time stays in the advisor's working time.

The service's minimum notice (services/desk/policy.min_notice, the desk's) holds for a re-plan too, whether or not
the week has started: a time the published plan gave that starts within the notice from now is pinned where it is
(held, as those before now; an absence or closure that breaks it still frees it), and nothing is newly placed
before the first slot from now plus the notice (`notice_cut`: every appointment's windows start there). Without it,
a re-plan at 02:00 with a heavy continuity weight moved Thursday's clients to that day's 09:00, seven hours' notice.
Working time is cut at now only, not at the notice: protected time may still be seated in the hours between.

Times are local naive datetimes in the team's zone (the scheduler's), `now` an aware moment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from caseload.localtime import end_after, wall_clock_after, wall_clock_from

from caseload.models import AppointmentRequest, Plan
from caseload.services.desk.policy import min_notice
from caseload.services.planning.problem import horizon_bounds, local_naive, snap_in
from caseload.timegrid import merge_spans, subtract_spans


@dataclass
class Started:
    """`cut`: the first slot from now (local naive), or None when the week has not started.
    `held`: request id -> (advisor id, start, aware UTC) of each appointment held at a time before now, or (a
    published time) before now plus the minimum notice. `notice_cut`: the first slot from now plus the notice
    (local naive, at most the week's end; never before `cut`), or None when that is before the week: the earliest
    start of anything placed afresh."""

    cut: datetime | None = None
    tz: str = "UTC"
    held: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    notice_cut: datetime | None = None

    @property
    def earliest(self) -> datetime | None:
        """The earliest start of an appointment placed afresh (local naive), or None: the week's start."""
        return self.notice_cut or self.cut

    def held_spans(self, advisor_id: int, requests: dict[int, AppointmentRequest]) -> list[tuple[datetime, datetime]]:
        """The advisor's held appointments as local (start, end) spans (`requests`: the week's, by id)."""
        return [(local_naive(start, self.tz), wall_clock_after(end_after(start, requests[rid].duration_minutes), self.tz))
                for rid, (aid, start) in self.held.items() if aid == advisor_id and rid in requests]


def started(week_start: date, tz: str, now: datetime, published: Plan | None, requests: list[AppointmentRequest],
            days: int, notice: timedelta = timedelta(0)) -> Started:
    """What of the week lies before `now` (and before `now` + `notice`, the service's minimum notice): the cuts and
    the appointments held there (see the module)."""
    cut = week_cut(week_start, tz, now, days)
    notice_cut = week_cut(week_start, tz, now + notice, days)
    if notice_cut is None:
        return Started()
    before = {r.id: r for r in requests}
    held: dict[int, tuple[int, datetime]] = {}
    for item in (published.items if published is not None else []):
        if item.request_id in before and item.advisor_id is not None and item.starts_at is not None \
                and item.starts_at < now + notice:
            held[item.request_id] = (item.advisor_id, item.starts_at)
    # A pin (a desk booking's, a leader's) before now + the notice that no published plan holds: a time the client was
    # given stays where it is as a published one does (the windows of everything else start at the notice).
    for request in requests:
        if request.id not in held and request.pinned_advisor_id and request.pinned_start is not None \
                and request.pinned_start < now + notice:
            held[request.id] = (request.pinned_advisor_id, request.pinned_start)
    return Started(cut, tz, held, notice_cut)


def week_cut(week_start: date, tz: str, now: datetime, days: int) -> datetime | None:
    """The first slot from `now` (aware) as local naive wall-clock time, at most the week's end; None when the
    week (of `days` days from `week_start`, in zone `tz`) has not started."""
    lo, hi = horizon_bounds(week_start, days)
    here = wall_clock_from(now, tz)  # now in a repeated hour's second run: its first run has passed too
    return None if here <= lo else min(snap_in(here, here)[0], hi)


def working_from(spans: list[tuple[datetime, datetime]], cut: datetime, lo: datetime,
                 keep: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Working time `spans` with the hours before `cut` taken out, except the `keep` spans (held appointments)."""
    gone = subtract_spans([(lo, cut)], keep)
    return merge_spans(subtract_spans(spans, gone))


def started_note(week_start: date, tz: str, now: datetime, days: int = 5, notice: timedelta | None = None) -> str | None:
    """The sentence a leader reads above "Plan the week" when the week has started (None before it). `notice`: the
    service's minimum notice, which holds for planning too (the module; None: the policy's)."""
    lo, hi = horizon_bounds(week_start, days)
    here = wall_clock_from(now, tz)  # now in a repeated hour's second run: its first run has passed too
    if here <= lo:
        return None
    cut = snap_in(here, here)[0]
    if cut >= hi:
        return "This week is over: planning it places no appointment (times before now are not used)."
    first = week_cut(week_start, tz, now + (min_notice() if notice is None else notice), days)
    if first is None or first <= cut:
        return (f"This week has started: times before now are not used. Planning places appointments from "
                f"{cut:%a %d %b %H:%M} on; those the published plan or a desk booking holds earlier stay where they "
                f"are.")
    return (f"This week has started: times before now are not used, nor those within the service's minimum notice. "
            f"Planning places appointments from {first:%a %d %b %H:%M} on; those the published plan or a desk "
            f"booking holds earlier stay where they are.")
