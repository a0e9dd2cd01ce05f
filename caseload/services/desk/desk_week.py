"""The week as the booking desk sees it: the team's week now as a planning problem (services/planning/
boundary.to_problem) and its plan in the planner's warm offers engine (`scheduler.booking.Desk`).

The plan is the week's published plan (its rows, as they still fit the week now: an absence added since,
or a cancelled request, drops a placement, and the time the plan still holds for it is not offered:
_hold_dropped) or, for a week not yet published, the pinned appointments (earlier bookings) with protected time
seated around them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from caseload.extensions import db
from caseload.localtime import wall_clock_after
from caseload.models import Advisor, AppointmentRequest, Client, Plan, PlanItem, Team
from caseload.services.closures import closed_days
from caseload.services.closures.broken import broken_reason
from caseload.services.desk import policy
from caseload.services.desk.asks import Ask, BookingError, local_span
from caseload.services.planning.boundary import to_problem
from caseload.services.planning.plans import published_plan
from caseload.services.planning.rule_text import humanise
from caseload.services.planning.problem import (HORIZON_DAYS, advisor_sid, client_doc, client_sid, held_block_span,
                                                local_naive, request_sid, snap_in, team_advisors)
from caseload.timegrid import subtract_spans
from scheduler import baselines
from scheduler.booking import Desk
from scheduler.model import ProblemError, TIME_FORMAT
from scheduler.parse import parse_problem


@dataclass
class DeskWeek:
    team: Team
    week_start: date
    plan: Plan | None
    problem: dict
    desk: Desk
    notice: timedelta  # the service's minimum notice the week was built with (policy.min_notice)
    advisors: dict[int, Advisor]  # the problem's advisors (the team's active ones) by id, as the week read them

    def advisor(self, advisor_id: int) -> Advisor | None:
        """The advisor of an offer (database id): the one the week read, else looked up."""
        found = self.advisors.get(advisor_id)
        return found if found is not None else db.session.get(Advisor, advisor_id)


def _inside(start: str, end: str, spans: list[dict]) -> bool:
    return any(s["start"] <= start and end <= s["end"] for s in spans)


def _published_doc(problem: dict, plan: Plan, tz: str) -> dict:
    """The published plan as a solution of `problem` (the week as it is now): its placements that still
    fit (an absence added since, or a cancelled request, drops them), its protected blocks that still fit."""
    advisors = {a["id"]: a for a in problem["advisors"]}
    appointments = {a["id"]: a for a in problem["appointments"]}
    assignments = []
    for item in plan.items:
        if item.request_id is None or item.advisor_id is None or item.starts_at is None:
            continue
        appt, advisor = appointments.get(request_sid(item.request_id)), advisors.get(advisor_sid(item.advisor_id))
        if appt is None or advisor is None:
            continue
        start = local_naive(item.starts_at, tz)
        text, end = start.strftime(TIME_FORMAT), (start + timedelta(minutes=appt["duration_minutes"])).strftime(TIME_FORMAT)
        pin = appt.get("pinned")
        if pin and (pin["advisor"], pin["start"]) != (advisor["id"], text):
            continue
        if _inside(text, end, advisor["availability"]) and _inside(text, end, appt["windows"]):
            assignments.append({"appointment": appt["id"], "advisor": advisor["id"], "start": text})
    placed = {a["appointment"] for a in assignments}
    # A pinned appointment the published plan lacks (a booking's pin is always in its plan) stays unplaced.
    protected = []
    for block in plan.protected_blocks:
        advisor = advisors.get(advisor_sid(block.advisor_id))
        start, end = (t.strftime(TIME_FORMAT) for t in held_block_span(block.starts_at, block.ends_at, tz))
        if advisor is not None and _inside(start, end, advisor["availability"]):
            protected.append({"advisor": advisor["id"], "start": start, "end": end})
    return {"format": "caseload-solution/1", "status": "feasible", "assignments": assignments,
            "unassigned": [{"appointment": a, "reason": "not in the published plan"}
                           for a in appointments if a not in placed],
            "allocations": [], "protected": protected}


def _hold_dropped(problem: dict, plan: Plan, published: dict, tz: str, without: int | None) -> None:
    """The time the published plan still holds for an advisor in placements its desk solution (`published`) drops
    taken out of their availability in `problem` (changed in place), so it is not offered: an appointment an
    absence over part of it broke stays in the plan (the desk lists it to rebook, and the week's new versions keep
    it), so its time left inside the working time is still taken, and booking it was refused (booking._taken: 'was
    just taken'; the new version's checker: an overlap). `without`: the appointment being rebooked, whose time is
    free."""
    # Left alone: the placements the desk solution keeps, and those whose request's pin now contradicts them
    # (cutting one out could leave the pin outside the working time, and the week unbookable). One set for the week.
    kept = {a["appointment"] for a in published["assignments"]} | {a["id"] for a in problem["appointments"]
                                                                     if a.get("pinned")}
    held: dict[str, list[tuple[datetime, datetime]]] = {}
    for item in plan.items:
        if item.request_id is None or item.request_id == without or item.advisor_id is None \
                or item.starts_at is None or request_sid(item.request_id) in kept:
            continue
        held.setdefault(advisor_sid(item.advisor_id), []).append(
            (local_naive(item.starts_at, tz), wall_clock_after(item.ends_at, tz)))  # never an end before its start
    for advisor in problem["advisors"]:
        if advisor["id"] in held:
            spans = [(datetime.strptime(a["start"], TIME_FORMAT), datetime.strptime(a["end"], TIME_FORMAT))
                     for a in advisor["availability"]]
            advisor["availability"] = [{"start": s.strftime(TIME_FORMAT), "end": e.strftime(TIME_FORMAT)}
                                       for s, e in subtract_spans(spans, held[advisor["id"]]) if e > s]


def _pinned_doc(parsed) -> dict:
    """A week not yet published: its pinned appointments where pinned, protected time seated around them.
    Its open requests hold no time yet (the planner has not placed them): they are listed as unassigned,
    as the checker wants every appointment in one of the two."""
    h = parsed.horizon
    assignments = {a.id: a.pinned for a in parsed.appointments if a.pinned is not None}
    diary = baselines.Diary.holding(parsed, assignments)
    protected = [(a.id, s, e) for a in parsed.advisors for s, e in baselines.seat_advisor(parsed, a, diary.advisor_busy[a.id])]
    return {"format": "caseload-solution/1", "status": "feasible",
            "assignments": [{"appointment": k, "advisor": p.advisor, "start": h.to_text(p.start)} for k, p in assignments.items()],
            "unassigned": [{"appointment": a.id, "reason": "not planned yet"} for a in parsed.appointments
                           if a.id not in assignments],
            "allocations": [],
            "protected": [{"advisor": v, "start": h.to_text(s), "end": h.to_text(e)} for v, s, e in protected]}


def unfit_words(err: ProblemError, published: bool) -> str:
    """Why the desk cannot book into a week whose own plan breaks a rule (`err`: the planner's check), in words
    true for the week: its published plan, or (`published` False) the desk bookings of a week not yet published,
    which has no plan to publish again (before, it was told to re-publish "this week's published plan")."""
    said = "; ".join(humanise(e) for e in err.errors[:2])
    if published:
        return (f"This week's published plan no longer fits the rota: {said}. "
                "Plan the week again and publish it before booking into it.")
    return (f"This week is not published yet, and its desk bookings no longer fit the rota: {said}. "
            "Move or cancel the booking named before booking into this week.")


def desk_week(team: Team, week_start: date, client: Client, without: int | None = None,
              notice: timedelta | None = None, closed: dict[date, str] | None = None,
              advisors: list[Advisor] | None = None) -> DeskWeek:
    """The week now, ready for offers: problem (with `client` in it) and its plan in a warm Desk.
    `without`: a request left out (the appointment being rebooked), so its time is free. `notice` (the service's
    minimum notice), `closed` (the team's closed days, day -> reason, covering the week) and `advisors`
    (team_advisors(team)): when already read (DeskWeeks), else read here.

    Raises BookingError when the week's own plan breaks a rule (e.g. two pins overlapping): its published plan's,
    or, in a week not yet published, its desk bookings' (unfit_words)."""
    tz = team.timezone
    notice = policy.min_notice() if notice is None else notice
    advisors = team_advisors(team) if advisors is None else advisors
    problem, maps = to_problem(team, week_start, notice=notice, closed=closed, advisors=advisors)
    if without is not None:
        gone = request_sid(without)
        problem["appointments"] = [a for a in problem["appointments"] if a["id"] != gone]
        if "previous" in problem:
            problem["previous"] = [p for p in problem["previous"] if p["appointment"] != gone]
    if client_sid(client.id) not in {c["id"] for c in problem["clients"]}:
        problem["clients"].append(client_doc(client, set(maps.advisors.values()), week_start, tz))
    plan = published_plan(team, week_start)
    try:
        published = _published_doc(problem, plan, tz) if plan is not None else None
        if published is not None:
            _hold_dropped(problem, plan, published, tz, without)
        parsed = parse_problem(problem)
        solution = published if published is not None else _pinned_doc(parsed)
        desk = Desk(parsed, solution)
    except ProblemError as err:
        raise BookingError(unfit_words(err, published=plan is not None)) from None
    return DeskWeek(team, week_start, plan, problem, desk, notice, {a.id: a for a in advisors})


class DeskWeeks:
    """One request's desk weeks: each (team, week, client, without) built by desk_week on first use and reused after,
    so an offers request that ranks, says why none, and says why the named advisor is not offered builds its week
    once (each build is a problem build and a plan check, most of the request's time). Also what every step of the
    request reads again otherwise, read once: the service's minimum notice (`notice`), a team's closed days
    (`closed`: before, an offers page read the policy 7 times and the closures 8 times), a team's advisors
    (`advisors`: the ask's check, its second check when there is no offer, and every week's problem) and why a
    rebooked appointment is broken (`broken`: the override question and the page's words).

    Make one per request (or per service call) and let it go with it: never keep one across requests, where the
    week would no longer be the bookings now (nor the policy, closures and advisors as they are now). A build that raises
    BookingError is not kept (the next call raises again). Read-only users only: a caller that books into a
    DeskWeek's desk (Desk.book) must build its own."""

    def __init__(self) -> None:
        self.built: dict[tuple[int, date, int, int | None], DeskWeek] = {}
        self.builds = 0  # desk_week calls made (tests count them)
        self._notice: timedelta | None = None
        self._closed: list[tuple[int, date, date, dict[date, str]]] = []  # (team id, first, last, day -> reason)
        self._advisors: dict[int, list[Advisor]] = {}  # team id -> team_advisors
        self._broken: dict[int, str | None] = {}  # appointment id -> closures.broken.broken_reason

    def __call__(self, team: Team, week_start: date, client: Client, without: int | None = None) -> DeskWeek:
        key = (team.id, week_start, client.id, without)
        if key not in self.built:
            self.builds += 1
            self.built[key] = desk_week(team, week_start, client, without, self.notice(),
                                        self.closed(team.id, week_start, week_start + timedelta(days=HORIZON_DAYS - 1)),
                                        self.advisors(team))
        return self.built[key]

    def notice(self) -> timedelta:
        """The service's minimum notice (policy.min_notice), read on first use."""
        if self._notice is None:
            self._notice = policy.min_notice()
        return self._notice

    def advisors(self, team: Team) -> list[Advisor]:
        """The team's active advisors (planning.problem.team_advisors: skills and absences loaded), read on first use."""
        if team.id not in self._advisors:
            self._advisors[team.id] = team_advisors(team)
        return self._advisors[team.id]

    def broken(self, request: AppointmentRequest) -> str | None:
        """Why the booked appointment `request` is broken (closures.broken.broken_reason: an absence's reason, "Office
        closed: ...", or None), worked out on first use."""
        if request.id not in self._broken:
            self._broken[request.id] = broken_reason(request)
        return self._broken[request.id]

    def closed(self, team_id: int, first: date, last: date) -> dict[date, str]:
        """closures.closed_days(team_id, first, last): day -> reason for the team's closed days from `first` to `last`
        (inclusive). Read in whole Monday-Sunday weeks, so the request's other questions about those weeks (the
        offers' check, the problem build, the named advisor's days off, the page) read nothing again."""
        for team, lo, hi, days in self._closed:
            if team == team_id and lo <= first and last <= hi:
                return {day: why for day, why in days.items() if first <= day <= last}
        lo = first - timedelta(days=first.weekday())
        hi = last + timedelta(days=6 - last.weekday())
        days = closed_days(team_id, lo, hi)
        self._closed.append((team_id, lo, hi, days))
        return {day: why for day, why in days.items() if first <= day <= last}


def _window_texts(ask: Ask) -> list[dict]:
    spans = []
    for window in ask.windows:
        start, end = snap_in(*local_span(window))
        spans.append({"start": start.strftime(TIME_FORMAT), "end": end.strftime(TIME_FORMAT)})
    return spans


def request_doc(ask: Ask, ident: str = "new", windows: list[dict] | None = None) -> dict:
    return {"id": ident, "client": client_sid(ask.client.id), "kind": ask.type.kind, "skill": ask.skill.code,
            "duration_minutes": ask.duration, "windows": windows if windows is not None else _window_texts(ask)}


def booked_item(request: AppointmentRequest) -> PlanItem | None:
    """The request's placement in its week's published plan, if any."""
    plan = published_plan(request.team, request.week_start)
    if plan is None:
        return None
    return next((i for i in plan.items if i.request_id == request.id and i.advisor_id is not None), None)
