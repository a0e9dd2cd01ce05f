"""New published versions of a week's plan, made by the booking desk.

A booking (or a cancellation) in a published week supersedes the published plan with a new published
version (a new `plans` row), so the advisor's week and calendar feed show it at once and a leader who
publishes a draft made before it is told the week moved on. The new version is the published plan's own
documents (problem, solution) with the booking added or the appointments taken out, re-scored by the
planner's checker (a booking's version takes the advisors' working time as it is now, the one its offer was
made in: refresh_working_time, so the desk does not offer a time it then refuses); its rows are rebuilt from
them by planning.boundary.apply_solution, the one way from a solution to plan rows, so a published version,
like a draft, has one source of truth. A request deleted since (its row lost its request) is left out of the
new version.

The version checks the old plan row's version and the unique (team, week, published_version), so even a
publish racing a booking cannot lose either (the caller holds the team's lock and commits).
"""
from __future__ import annotations

import copy
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.models import AppointmentRequest, Plan, hold_version, utcnow
from caseload.models.rota import MADE_BY_DESK
from caseload.services.desk.asks import BookingError, StateMoved
from caseload.services.planning.boundary import apply_solution
from caseload.services.planning.plans import published_plan
from caseload.services.planning.rule_text import humanise
from caseload.services.planning.problem import HELD_PROTECTED, HORIZON_DAYS, db_id, request_sid
from caseload.services.planning.started import week_cut
from caseload.timegrid import merge_spans
from scheduler import check_solution
from scheduler.model import TIME_FORMAT, ProblemError


# The checker's notes on a claimed score or bound (scheduler/check.py): the desk claims neither, not rules broken.
SCORE_NOTES = ("score", "bound")

MISSING_DOCUMENTS = ("This week's published plan has no stored planning documents, so the desk cannot change it: "
                     "plan the week and publish it again first. Nothing was changed.")


class BrokenVersion(StateMoved):
    """The new version would break a hard rule of the week's plan (the planner's independent checker says which):
    nothing is written, the published plan stays as it is. A 409 (StateMoved): the change was right for the week
    now, but the published plan's stored documents no longer fit it (say an appointment it holds now clashes
    with the change), so the desk cannot change it; re-planning and publishing the week makes them fit again."""

    def __init__(self, violations: list[str]):
        shown = "; ".join(humanise(v) for v in violations[:3])
        shown += f" (and {len(violations) - 3} more)" if len(violations) > 3 else ""
        super().__init__("Nothing was changed: the week's published plan with this change would break a rule of the "
                         f"plan ({shown}). Plan the week again and publish it, then try again.", "week")
        self.violations = violations


def with_booking(current: Plan, by, appointment: dict, placed: dict, protected: list[dict], reseated: list[str],
                 week_problem: dict, drop: int | None = None) -> Plan:
    """A new published version of `current` holding one more booked appointment.

    appointment: its problem entry (pinned where it is booked); placed: its assignment (appointment,
    advisor, start); protected: the re-seated advisors' (`reseated`, scheduler ids) protected blocks, which
    replace theirs; week_problem: the week as it is now, for the client's and advisor's entries when the
    published plan's problem lacks them (a client new to the week, an advisor who joined since), and for the
    advisors' working time as it is now (refresh_working_time). drop: a request to take out in the same version
    (the appointment a rebooking replaces). Raises BrokenVersion as publish_version."""
    problem, solution = _documents(current, {drop} if drop else set())
    for key, ident in (("clients", appointment["client"]), ("advisors", placed["advisor"])):
        if not any(entry["id"] == ident for entry in problem[key]):
            problem[key].append(next(entry for entry in week_problem[key] if entry["id"] == ident))
    problem["appointments"].append(appointment)
    solution["assignments"].append(placed)
    solution["protected"] = [b for b in solution.get("protected", []) if b["advisor"] not in set(reseated)] + \
        _kept_before_now(current, solution, set(reseated)) + protected
    refresh_working_time(problem, solution, week_problem, _cut(current))
    return publish_version(current, by, problem, solution)


def refresh_working_time(problem: dict, solution: dict, week_problem: dict, cut: datetime | None) -> None:
    """Each advisor's availability in the new version's `problem` (changed in place) made the week's working time
    as it is now, the one the desk's offers read (`week_problem`: to_problem's, with work pattern, availability
    changes, closures and absences, cut at now and keeping the appointments held before it), so a time offered in
    hours added since the plan was published (a Thursday lengthened to 19:00) is accepted, not refused as outside
    the stored plan's working time. Kept as stored: the hours before `cut` (local naive, the first slot from now;
    None: the week has not started), as the plan had them; and the time the version already uses (its
    appointments, pins, protected blocks, held or kept), so an appointment an absence or shorter day left outside
    the working time since stays in the plan for the absence and broken-appointment machinery (it is not the
    desk's to drop), and an earlier block stays inside one interval. Hours removed since and unused are gone, as
    they are from the offers. An advisor the week now lacks (left the team) keeps their stored availability."""
    now_docs = {a["id"]: a for a in week_problem["advisors"]}
    used = _used_spans(problem, solution)
    for doc in problem["advisors"]:
        now_doc = now_docs.get(doc["id"])
        if now_doc is None:
            continue
        stored = [(_at(s["start"]), _at(s["end"])) for s in doc["availability"]]
        before = [(s, min(e, cut)) for s, e in stored if cut is not None and s < cut]
        today = [(_at(s["start"]), _at(s["end"])) for s in now_doc["availability"]]
        doc["availability"] = [{"start": s.strftime(TIME_FORMAT), "end": e.strftime(TIME_FORMAT)}
                               for s, e in merge_spans(before + today + used.get(doc["id"], []))]


def _used_spans(problem: dict, solution: dict) -> dict[str, list[tuple[datetime, datetime]]]:
    """Advisor (scheduler id) -> the local spans the version already holds for them: its assignments, its pins,
    its protected blocks and those held from before an earlier re-plan (HELD_PROTECTED)."""
    used: dict[str, list[tuple[datetime, datetime]]] = {}
    lengths = {a["id"]: timedelta(minutes=a["duration_minutes"]) for a in problem["appointments"]}
    placed = [(row["advisor"], row["start"], lengths[row["appointment"]])
              for row in solution.get("assignments", []) if row["appointment"] in lengths]
    placed += [(a["pinned"]["advisor"], a["pinned"]["start"], lengths[a["id"]])
               for a in problem["appointments"] if a.get("pinned")]
    for advisor, start, length in placed:
        used.setdefault(advisor, []).append((_at(start), _at(start) + length))
    for block in solution.get("protected", []) + problem.get(HELD_PROTECTED, []):
        used.setdefault(block["advisor"], []).append((_at(block["start"]), _at(block["end"])))
    return used


def _at(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT)


def _cut(current: Plan) -> datetime | None:
    """The first slot from now in `current`'s week (local naive), None before the week starts (started.week_cut)."""
    return week_cut(current.week_start, current.team.timezone, utcnow(),
                    current.problem["horizon"].get("days", HORIZON_DAYS))


def _kept_before_now(current: Plan, solution: dict, reseated: set[str]) -> list[dict]:
    """The re-seated advisors' protected time before now, which the desk's offer cannot re-seat (the week now has
    their working time only from now) and must not drop: their blocks of the plan's own `solution` that end by the
    first slot from now, as they are. Taken from the plan itself, never from the week now (HELD_PROTECTED of
    to_problem, cut to the working time as it is now): a block an absence recorded since cuts would no longer match
    the plan's own copy and be held twice. (The blocks the plan's problem holds from before an earlier re-plan stay
    in that problem.) A block running at now keeps its part before it only when that part is a whole protected block
    (the checker's shortest, the horizon's protected_block_minutes): the offer seats protected time afresh from now."""
    horizon = current.problem["horizon"]
    cut = _cut(current)
    if cut is None:
        return []
    shortest = timedelta(minutes=horizon.get("protected_block_minutes", 60))  # problem-format.md's default
    kept = []
    for block in solution.get("protected", []):
        start, end = datetime.strptime(block["start"], TIME_FORMAT), datetime.strptime(block["end"], TIME_FORMAT)
        if block["advisor"] in reseated and start < cut and min(end, cut) - start >= shortest:
            kept.append({**block, "end": min(end, cut).strftime(TIME_FORMAT)})
    return kept


def without(request: AppointmentRequest, by) -> Plan | None:
    """A new published version of the request's week without it (None: the week's plan does not hold it)."""
    plan = published_plan(request.team, request.week_start)
    if plan is None or not any(i.request_id == request.id for i in plan.items):
        return None
    return publish_version(plan, by, *_documents(plan, {request.id}))


def _documents(plan: Plan, drop: set[int]) -> tuple[dict, dict]:
    """Copies of the plan's problem and solution without the `drop` requests, nor those deleted since (their
    rows lost their request) or never in its rows. BookingError naming `week` when the plan has no stored
    documents (only a plan made by hand lacks them): nothing to build the new version from."""
    if plan.problem is None or plan.solution is None:
        raise BookingError(MISSING_DOCUMENTS, "week")
    held = {i.request_id for i in plan.items if i.request_id is not None}
    problem, solution = copy.deepcopy(plan.problem), copy.deepcopy(plan.solution)
    gone = {request_sid(r) for r in drop} | {a["id"] for a in problem["appointments"] if db_id(a["id"]) not in held}
    problem["appointments"] = [a for a in problem["appointments"] if a["id"] not in gone]
    if problem.get("previous"):
        problem["previous"] = [p for p in problem["previous"] if p["appointment"] not in gone]
    for key in ("assignments", "unassigned"):
        solution[key] = [row for row in solution.get(key, []) if row["appointment"] not in gone]
    return problem, solution


def _already_broken(current: Plan) -> set[str]:
    """The hard-rule violations the published plan `current` already holds by the checker (its stored documents: a
    version stored by older code, a plan saved by hand): a desk change must not add one, but is not refused for
    those it did not make, or one stale block would stop every booking in the week until a re-plan."""
    try:
        result = check_solution(current.problem, {**current.solution, "score": None, "bound": None})
    except ProblemError:
        return set()
    return {v for v in result.violations if not v.startswith(SCORE_NOTES)}


def publish_version(current: Plan, by, problem: dict, solution: dict) -> Plan:
    """Supersede `current` (its version checked and its row locked) by a new published version holding
    `solution` to `problem`, scored by the checker (a desk's change is feasible, its optimality bound unknown).
    Requests the old plan left out of its problem keep their rows and reasons. Raises BrokenVersion (nothing
    written) when the checker finds the solution breaks a hard rule (any violation but the score and bound notes)
    that `current` does not already break (_already_broken), or refuses the problem itself (a pinned appointment that no longer fits the stored problem)."""
    if not hold_version(db.session, current, current.version_id):
        raise StaleDataError("the published plan moved on")
    try:
        result = check_solution(problem, {**solution, "score": None, "bound": None})
    except ProblemError as err:  # the problem itself no longer holds (a pin outside the stored working time…)
        raise BrokenVersion(err.errors) from None
    broken = [v for v in result.violations if not v.startswith(SCORE_NOTES)]
    if broken:  # only those this change adds (one check of the published plan); nothing is written
        broken = [v for v in broken if v not in _already_broken(current)]
    if broken:
        raise BrokenVersion(broken)
    solution.update(status="feasible", score=result.score, bound=None, figures=result.figures, terms=result.terms)
    in_problem = {db_id(a["id"]) for a in problem["appointments"]}
    dropped = {db_id(a["id"]) for a in current.problem["appointments"]} - in_problem
    skipped = {i.request_id: i.unassigned_reason for i in current.items  # a deleted request's row goes
               if i.request_id is not None and i.request_id not in in_problem and i.request_id not in dropped}
    top = db.session.scalar(select(func.max(Plan.published_version)).where(
        Plan.team_id == current.team_id, Plan.week_start == current.week_start)) or 0
    current.status = "superseded"
    db.session.flush()
    plan = Plan(team=current.team, week_start=current.week_start, status="published", published_version=top + 1,
                based_on=current, created_by_id=getattr(by, "id", None), published_by_id=getattr(by, "id", None),
                published_at=utcnow(), made_by=MADE_BY_DESK)
    db.session.add(plan)
    apply_solution(plan, problem, solution, skipped)
    db.session.flush()
    return plan
