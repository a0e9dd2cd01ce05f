"""Click to move: the best places for one appointment of a draft plan, from the planner's offers.

The appointment is taken out of the draft's problem and plan, and the planner's offer engine
(`scheduler.booking.Desk`, problem-format.md "Offers", with `max_moves` > 0 so an offer may shift a
few unpinned appointments to make room) is asked where it could go. Each offer is then applied to
the whole draft and re-checked by the independent checker, so its score change against where the
appointment is now is exact (disruption included), and an offer the checker refuses is never shown.

An offer travels to the browser as a compact JSON `token` (advisor, start, moves, re-seated protected
time); `read_token` parses a posted one strictly. Nothing here trusts the token: the move itself is
re-checked against every hard rule by services/planning/adjust.py before anything is saved.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import datetime

from caseload.localtime import local_end
from caseload.models import Advisor, Plan, PlanItem
from caseload.services.desk import unplaced
from caseload.services.planning.met_requests import met_ids, reason_now
from caseload.services.planning.adjust import AdjustRejected, OfferChange, Step, move_warnings
from caseload.services.planning.problem import advisor_sid, db_id, request_sid
from caseload.services.planning.refusals import days_off, refusal
from scheduler.booking import Desk
from scheduler.booking.request import read_request
from scheduler.check import check_solution
from scheduler.model import ProblemError, TIME_FORMAT

OFFER_COUNT = 6  # offers asked of the planner (one may be where the appointment is now)
MAX_MOVES = 2  # other unpinned appointments an offer may move to make room
TOKEN_MAX = 4000  # characters of a posted offer token


@dataclass
class MoveOffer:
    """One place for the appointment: advisor, local start and end (naive), the exact score change against
    now (`change`, in score points), that change and the planner's reasons in words, the other moves it
    needs, the guardrail warnings it would raise, and the `token` the move form posts."""

    rank: int
    advisor: Advisor
    start: datetime
    end: datetime
    change: int
    words: str
    reasons: list[str]
    steps: list[Step]
    warnings: list[str]
    token: str
    current: bool = False  # where the appointment is now (shown, not offered)


@dataclass
class MoveChoices:
    item: PlanItem
    offers: list[MoveOffer] = field(default_factory=list)
    unplaceable: str | None = None  # why there is no place at all (the planner's unassigned reason)
    refusals: list[tuple[Advisor, str]] = field(default_factory=list)  # who cannot take it, and why
    book_later: bool = False  # its times have passed: "Book this request" at the desk (services/desk/unplaced)


def change_words(change: int, before: dict | None = None, after: dict | None = None) -> str:
    """"better than where it is now: more appointments with clients' named advisors", "as good as where it
    is now", "worse than where it is now: costs 30 minutes of protected time": the direction of the score change
    (`change`, score points) and what changes for clients and advisors, from the checker's term counts before
    and after (scheduler.metrics.score_terms), not the score itself."""
    what = "; ".join(term_changes(before or {}, after or {}))
    if change > 0:
        return "better than where it is now" + (f": {what}" if what else "")
    if change < 0:
        return "worse than where it is now" + (f": {what}" if what else "")
    return "as good as where it is now" + (f" ({what})" if what else "")


def term_changes(before: dict, after: dict) -> list[str]:
    """What a move changes, in words, from the score terms' raw counts before and after."""
    def diff(key):
        return (after.get(key) or 0) - (before.get(key) or 0)

    out = []
    if diff("assigned") > 0:
        out.append("places it" if diff("assigned") == 1 else f"places {diff('assigned')} more appointments")
    if diff("continuity") > 0:
        out.append("more appointments with clients' named advisors")
    elif diff("continuity") < 0:
        out.append("fewer appointments with clients' named advisors")
    if diff("protected") > 0:
        out.append(f"keeps {diff('protected')} more minutes of protected time")
    elif diff("protected") < 0:
        out.append(f"costs {-diff('protected')} minutes of protected time")
    if diff("separation") > 0:
        out.append("puts a policing appointment with the client's supporting advisor")
    elif diff("separation") < 0:
        out.append("keeps a policing appointment apart from the client's supporting advisor")
    moved = diff("disruption")
    if moved > 0:
        out.append(f"changes {moved} published appointment{'s' if moved != 1 else ''} (tell the client{'s' if moved != 1 else ''})")
    elif moved < 0:
        out.append(f"puts {-moved} published appointment{'s' if moved != -1 else ''} back where {'they were' if moved != -1 else 'it was'}")
    return out


def plain_reason(reason: str, advisor: Advisor) -> str:
    """The planner's reason in the team view's words: whose protected time, and "moved to fit" for re-seated."""
    if reason.startswith("keeps the advisor's protected time"):
        return f"keeps {advisor.name}'s protected time" + (" (moved to fit)" if "re-seated" in reason else "")
    if reason.startswith("re-seating protected time keeps"):
        return f"moving {advisor.name}'s protected time keeps {reason.split('keeps ', 1)[1]}"
    if reason.startswith("costs ") and "protected time" in reason:
        return f"costs {advisor.name} {reason.removeprefix('costs ')}"
    return reason


def _without(problem: dict, solution: dict, sid: str) -> tuple[dict, dict]:
    """The draft's problem and plan with appointment `sid` taken out (the request the Desk is asked)."""
    reduced = {**problem, "appointments": [a for a in problem["appointments"] if a["id"] != sid]}
    if "previous" in reduced:
        reduced["previous"] = [p for p in reduced["previous"] if p["appointment"] != sid]
    plan = {**solution, "assignments": [a for a in solution.get("assignments", []) if a["appointment"] != sid],
            "unassigned": [u for u in solution.get("unassigned", []) if u["appointment"] != sid],
            "score": None, "bound": None}
    return reduced, plan


def applied(problem: dict, solution: dict, sid: str, advisor: str, start: str, moves: list, reseated: list,
            protected: list) -> tuple[dict, dict]:
    """The draft's problem and plan with an offer applied: `sid` placed with `advisor` at `start` (its pin, if
    any, moved there), each move (appointment, advisor, start) applied, the protected blocks of each advisor in
    `reseated` replaced by `protected` (advisor, start, end). Copies; the inputs are untouched."""
    problem, solution = copy.deepcopy(problem), copy.deepcopy(solution)
    for appointment in problem["appointments"]:
        if appointment["id"] == sid and "pinned" in appointment:
            appointment["pinned"] = {"advisor": advisor, "start": start}
    placed = {sid: (advisor, start), **{m[0]: (m[1], m[2]) for m in moves}}
    solution["assignments"] = [a for a in solution.get("assignments", []) if a["appointment"] not in placed] + [
        {"appointment": a, "advisor": v, "start": s} for a, (v, s) in placed.items()]
    solution["unassigned"] = [u for u in solution.get("unassigned", []) if u["appointment"] not in placed]
    solution["protected"] = [b for b in solution.get("protected", []) if b["advisor"] not in set(reseated)] + [
        {"advisor": v, "start": s, "end": e} for v, s, e in protected]
    return problem, solution


def _score(problem: dict, solution: dict) -> tuple[int | None, dict]:
    """The checker's score (None when it refuses the plan) and the raw count behind each score term."""
    result = check_solution(problem, {**solution, "score": None, "bound": None})
    return (result.score, result.terms) if result.ok else (None, {})


def _refusals(desk: Desk, request: dict, plan: Plan, advisors: list[Advisor], able: set[int]) -> list[tuple[Advisor, str]]:
    """Why each advisor who cannot take the appointment anywhere (not in `able`) cannot, as far as it can be said
    beforehand (services/planning/refusals, shared with the booking desk): no role, no skill, a full caseload, or
    day by day the office closed, absent, not working in the client's times, fully booked, at the daily limit,
    the client busy."""
    appt = read_request(desk.problem, request).instances[0]
    days = desk.problem.horizon.days
    return [(advisor, refusal(desk, appt, advisor, days_off(advisor, plan.team, plan.week_start, days)))
            for advisor in advisors if advisor.id not in able]


def move_offers(plan: Plan, item: PlanItem, advisors: list[Advisor]) -> MoveChoices:
    """Where `item` (placed or unassigned) of the draft `plan` could go, best first (see the module doc).

    advisors: the team's advisors (for names and refusals). Nothing is saved. A plan whose stored problem no
    longer parses gives no offers and says so in `unplaceable`."""
    sid, tz_names = request_sid(item.request_id), {a.id: a for a in advisors}
    choices = MoveChoices(item)
    problem, solution = plan.problem, plan.solution
    if problem is None or solution is None:  # only a plan made by hand lacks them
        choices.unplaceable = "This plan has no stored planning documents to find places in: plan the week again."
        return choices
    appointment = next((a for a in problem["appointments"] if a["id"] == sid), None)
    if appointment is None:
        passed = unplaced.passed_words(item.request) if item.request is not None else None
        if item.request_id in met_ids([item.request]):  # nothing to place: no "book it at the desk" either
            choices.unplaceable = "A desk booking took this request's place, so there is nothing to place."
        elif passed is not None:  # re-planning cannot help: the desk books it in a later week
            choices.unplaceable, choices.book_later = passed + ".", True
        elif item.unassigned_reason:  # why the week's problem left it out (boundary.to_problem's skipped)
            reason = reason_now(item, set())  # not met (the first test): a stored "booked at the desk" is stale
            choices.unplaceable = f"This request was not part of the planning problem: {reason}." + (
                " Add a window inside the week and re-plan." if "windows" in reason else "")
        else:
            choices.unplaceable = ("This request was not part of the planning problem; add a window inside the week "
                                   "and re-plan.")
        return choices
    reduced, without = _without(problem, solution, sid)
    request = {k: v for k, v in appointment.items() if k != "pinned"}
    try:
        desk = Desk(reduced, without)
        answer = desk.offers(request, count=OFFER_COUNT, max_moves=MAX_MOVES)
        # Who could take it at all (every advisor-day without moves, local and cheap): only the others are refusals.
        able = {o["advisor"] for o in desk.offers(request, count=10_000)["offers"]}
    except ProblemError as err:
        choices.unplaceable = f"The planner could not read this week as it is now ({err}); re-plan the week."
        return choices
    now, now_terms = _score(problem, solution)
    here = next(((a["advisor"], a["start"]) for a in solution.get("assignments", []) if a["appointment"] == sid), None)
    items = {i.request_id: i for i in plan.items if i.request_id is not None}
    for offer in answer["offers"]:
        moves = [(m["appointment"], m["advisor"], m["start"]) for m in offer["moves"]]
        protected = [(b["advisor"], b["start"], b["end"]) for b in offer["protected"]]
        after, after_terms = _score(*applied(problem, solution, sid, offer["advisor"], offer["start"], moves,
                                             offer["reseated"], protected))
        advisor = tz_names.get(db_id(offer["advisor"]))
        if after is None or now is None or advisor is None:
            continue  # the checker refuses it on the whole draft: never offered
        steps = [Step(items[db_id(a)], tz_names[db_id(v)], datetime.strptime(s, TIME_FORMAT)) for a, v, s in moves
                 if db_id(a) in items and db_id(v) in tz_names]
        start = datetime.strptime(offer["start"], TIME_FORMAT)
        token = json.dumps({"advisor": offer["advisor"], "start": offer["start"], "moves": moves,
                            "reseated": offer["reseated"], "protected": protected}, separators=(",", ":"))
        warnings = move_warnings(item, advisor) + [w for s in steps for w in move_warnings(s.item, s.advisor)]
        choices.offers.append(MoveOffer(
            len(choices.offers) + 1, advisor, start,
            local_end(start, appointment["duration_minutes"], problem["horizon"]["timezone"]),
            after - now, change_words(after - now, now_terms, after_terms),
            [plain_reason(r, advisor) for r in offer["reasons"]], steps, warnings, token,
            current=here == (offer["advisor"], offer["start"]) and not moves))
    if answer.get("unplaceable"):
        choices.unplaceable = answer["unplaceable"]["reason"]
    able |= {advisor_sid(o.advisor.id) for o in choices.offers}
    choices.refusals = _refusals(desk, request, plan, advisors, {db_id(v) for v in able})
    return choices


def read_token(plan: Plan, token: str) -> tuple[str, str, OfferChange]:
    """A posted offer token as (advisor sid, start text, the change it makes); AdjustRejected when it cannot
    be read or names appointments or advisors outside this plan (the rules are checked later, on saving)."""
    bad = AdjustRejected("Not moved: the chosen offer could not be read. Choose the appointment again to see fresh offers.")
    if not isinstance(token, str) or len(token) > TOKEN_MAX:
        raise bad
    try:
        raw = json.loads(token)
        advisor, start = raw["advisor"], raw["start"]
        moves = [(str(a), str(v), str(s)) for a, v, s in raw["moves"]]
        reseated = [str(v) for v in raw["reseated"]]
        protected = [(str(v), str(s), str(e)) for v, s, e in raw["protected"]]
        for text in [start] + [m[2] for m in moves] + [p[1] for p in protected] + [p[2] for p in protected]:
            datetime.strptime(text, TIME_FORMAT)
    except (ValueError, KeyError, TypeError):
        raise bad from None
    if not isinstance(advisor, str) or not isinstance(start, str):
        raise bad
    items = {request_sid(i.request_id): i for i in plan.items if i.request_id is not None}
    team = {advisor_sid(a.id): a for a in plan.team.advisors}
    if any(a not in items or v not in team for a, v, _ in moves) or advisor not in team or any(
            v not in team for v in reseated) or any(p[0] not in team for p in protected):
        raise bad
    steps = [Step(items[a], team[v], datetime.strptime(s, TIME_FORMAT)) for a, v, s in moves]
    return advisor, start, OfferChange(steps, reseated, protected)
