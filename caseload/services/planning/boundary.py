"""The web app's one way between its rows and the planner's documents (`scheduler`): a team's week out as a
problem document, a solution back into plan rows, and the plan a re-plan keeps to. (Runs, the desk and the
click-to-move offers call `scheduler` itself with what comes from here.)

- `previous_plan(team, week_start)`: the plan a new planning run keeps to (its appointments are the problem's
  `previous`, so moving them costs `disruption`): the week's published plan, or None.
- `to_problem(team, week_start, weights=None, previous=None, days=5, now=None)`: the caseload-problem/1 document
  (scheduler.PROBLEM_FORMAT, local wall-clock times in scheduler.model.TIME_FORMAT) and the IdMaps back to
  database ids and the requests left out (with why: among them requests a desk booking met, met_requests.py).
  The document's pieces are built in problem.py; a week already started is cut at now (started.py), and the
  published plan's protected time before now rides along as the extra field `held_protected` (problem.py).
- `apply_solution(plan, problem, solution, skipped=None)`: the one way back. Sets the plan's documents,
  score, bound and figures and rebuilds its rows (PlanItem per request, ProtectedBlock per block, the problem's
  held ones too, times converted to aware UTC in the team's zone) from the solution document, so the solution
  (with its problem) is the plan's one source of truth. Planning a draft, moving an appointment in it, the what-if and the booking desk's new
  published versions (services/desk/versions.py) all come through here.
- `draft_plan` / `save_plan`: a solver result as a new draft plan (apply_solution on a new row), audited.
- `where_to_solve()`: the solve's options for the process it runs in (huey's process workers solve in place).
- `what_if_figures(problem, solution, skipped)`: a solved week's figures and the score terms behind them,
  as the planner's own checker counts them (scheduler.check_solution: `terms`, `figures`).
"""
from __future__ import annotations

import multiprocessing
from datetime import date, datetime, timedelta, timezone

from caseload.extensions import db
from caseload.localtime import end_after, human_value, second_run
from caseload.models import Advisor, Plan, PlanItem, ProtectedBlock, Team, utcnow
from caseload.models.rota import MADE_BY_PLANNER
from caseload.services import audit
from caseload.services.planning.met_requests import met_by_matching, met_words
from caseload.services.planning.plans import published_plan
from caseload.services.planning.problem import (
    HELD_AT, HELD_PROTECTED, HORIZON_DAYS, PLAN_TARGET, PROTECTED_BLOCK_MINUTES, IdMaps, _span as span_text, active_weights,
    advisor_doc, advisor_sid, appointment_doc, availability, caseloads, client_doc, client_sid, contacts_of, db_id,
    held_protected_pieces, held_target, horizon_bounds, local_naive, pin_misfit, previous_placements, protected_figure,
    protected_target, request_windows, team_advisors, utc_of_local, week_requests, week_targets,
)
from caseload.services.closures import closed_days
from caseload.services.desk.policy import min_notice
from caseload.services.planning.started import started, working_from
from caseload.services.planning.rule_text import humanise
from caseload.services.rota.pins import PinBook, make_pin, pin_of, unfit
from caseload.timegrid import SLOT_MINUTES, grid_message, on_grid
from scheduler import check_solution
from scheduler.model import PROBLEM_FORMAT, TIME_FORMAT


def previous_plan(team: Team, week_start: date) -> Plan | None:
    """The plan a new run of this week keeps to: the week's published plan (None before the first publish).
    Leaders' runs, the region's runs, the command line and the what-if all re-plan from it."""
    return published_plan(team, week_start)


def to_problem(team: Team, week_start: date, weights: dict | None = None, previous: Plan | None = None,
               days: int = HORIZON_DAYS, now: datetime | None = None, notice: timedelta | None = None,
               closed: dict[date, str] | None = None, advisors: list[Advisor] | None = None) -> tuple[dict, IdMaps]:
    """The caseload-problem/1 document for `team`'s week from Monday `week_start` (`days` days, local time),
    and the id maps. `weights` override the active profile key by key; `previous` (a Plan) becomes the
    problem's `previous` (those of its placements whose request and advisor are still in the week).
    `now` (aware; default: the clock): in a week already started nothing new is placed before it, and what
    the published plan or a desk pin holds before it stays there (planning/started.py). `notice` (the service's
    minimum notice), `closed` (the team's closed days in the week, day -> reason) and `advisors` (team_advisors(team)):
    when the caller has read them already (the desk's DeskWeeks), else read here."""
    tz = team.timezone
    maps = IdMaps()
    lo, hi = horizon_bounds(week_start, days)
    advisors = team_advisors(team) if advisors is None else advisors
    known = {a.id for a in advisors}
    requests = week_requests(team, week_start)
    published = published_plan(team, week_start)
    # The desk's minimum notice holds for planning too: nothing promised inside it moves, nothing new lands there.
    past = started(week_start, tz, now or utcnow(), published, requests, days,
                   min_notice() if notice is None else notice)
    held, targets = caseloads(known), week_targets(known, week_start)
    if closed is None:  # read once for every advisor
        closed = closed_days(team.id, week_start, week_start + timedelta(days=days - 1))
    advisor_docs = [advisor_doc(a, week_start, tz, days, held.get(a.id, 0), targets.get(a.id), closed, past.cut)
                    for a in advisors]
    kept_protected: list[dict] = []
    if past.cut is not None:
        by_id = {r.id: r for r in requests}
        working = {a.id: availability(a, week_start, tz, days, closed) for a in advisors}
        for advisor, doc in zip(advisors, advisor_docs):
            spans = working_from(working[advisor.id], past.cut, lo, past.held_spans(advisor.id, by_id))
            doc["availability"] = [span_text(s, e) for s, e in spans]
        kept_protected = _held_protected(published, past.cut, tz, working, advisors, advisor_docs, targets, closed,
                                         week_start, days)
    maps.advisors = {advisor_sid(a.id): a.id for a in advisors}

    appointments, clients, kept_pins, held_at = [], {}, PinBook(), {}
    met = met_by_matching({r.client_id for r in requests if r.booked_at is None})
    for request in requests:
        if request.client.erased_at is not None:
            maps.skipped[request.id] = "the client's record has been erased"
            continue
        if request.id in met:  # a desk booking took its place: placing it too would book the client twice
            maps.skipped[request.id] = met_words(met[request.id])
            continue
        kept = past.held.get(request.id) if past.held.get(request.id, (None,))[0] in known else None
        windows = request_windows(request, lo if kept else past.earliest or lo, hi, tz)
        if not windows:
            maps.skipped[request.id] = _gone_words(request, lo, hi, tz, past.cut)
            continue
        if request.skill is None:
            maps.skipped[request.id] = "no skill is known for it: set the client's need"
            continue
        if request.duration_minutes <= 0 or request.duration_minutes % SLOT_MINUTES:
            # Saved before the grid check: one such request must not fail the whole week.
            maps.skipped[request.id] = (f"its length, {request.duration_minutes} minutes, is not a whole number of "
                                        f"{SLOT_MINUTES}-minute slots: change the request")
            continue
        doc = appointment_doc(request, windows, known, tz)
        if kept:  # held before now: it stays where it is
            doc["pinned"] = {"advisor": advisor_sid(kept[0]), "start": local_naive(kept[1], tz).strftime(TIME_FORMAT)}
        if request.pinned_advisor_id and "pinned" not in doc:
            maps.warnings.append(f"{request.client.reference}: pin ignored, its advisor is not in the team")
        elif "pinned" in doc and not on_grid(datetime.strptime(doc["pinned"]["start"], TIME_FORMAT)):
            maps.warnings.append(f"{request.client.reference}: pin to {_pinned_name(doc)} "
                                 f"{human_value(doc['pinned']['start'])} ignored: {grid_message('it')}")
            del doc["pinned"]
        elif "pinned" in doc and (misfit := pin_misfit(doc, advisor_docs)):
            # Usually an absence added after the pin: plan it afresh rather than fail the whole week.
            maps.warnings.append(_pin_dropped_words(request.client.reference, doc, misfit, team, request.id))
            del doc["pinned"]
        if kept and "pinned" not in doc:  # held but cannot stay: planned afresh, so from now (and the notice) on
            kept, doc["windows"] = None, request_windows(request, past.earliest, hi, tz)
            if not doc["windows"]:
                maps.skipped[request.id] = _gone_words(request, lo, hi, tz, past.cut)
                continue
        if "pinned" in doc:  # pins that cannot all hold: keep the earlier, leave the later one out, say why
            pin = pin_of(request) if not kept else make_pin(request.id, request.client, db.session.get(
                Advisor, kept[0]), kept[1], request.duration_minutes, tz)
            why = unfit(pin.advisor, request.type, request.client) or kept_pins.clash(pin)
            if why:
                maps.skipped[request.id] = (f"its pin ({pin.advisor.name}, {pin.when}) cannot hold: {why}. "
                                            "Change one of the pins and plan again")
                maps.warnings.append(f"{pin.who} was not planned: {maps.skipped[request.id]}")
                continue
            kept_pins.add(pin)
            instant = kept[1] if kept else request.pinned_start
            if second_run(instant, tz):  # saved at its real start, not the first run the wall clock names (HELD_AT)
                held_at[doc["id"]] = instant.astimezone(timezone.utc).isoformat()
        appointments.append(doc)
        maps.requests[doc["id"]] = request.id
        clients.setdefault(request.client_id, request.client)

    contacts = contacts_of(sorted(clients))
    client_docs = [client_doc(c, known, week_start, tz, contacts[cid]) for cid, c in sorted(clients.items())]
    maps.clients = {client_sid(cid): cid for cid in clients}
    problem = {
        "format": PROBLEM_FORMAT,
        "horizon": {"start": week_start.isoformat(), "days": days, "slot_minutes": SLOT_MINUTES,
                    "timezone": tz, "protected_block_minutes": PROTECTED_BLOCK_MINUTES},
        "weights": active_weights(weights),
        "advisors": advisor_docs,
        "clients": client_docs,
        "appointments": appointments,
    }
    if kept_protected:
        problem[HELD_PROTECTED] = kept_protected
    if held_at:
        problem[HELD_AT] = held_at
    placements = previous_placements(previous, {a["id"] for a in appointments}, known, tz)
    if placements:
        problem["previous"] = placements
    return problem, maps


def _gone_words(request, lo: datetime, hi: datetime, tz: str, cut: datetime | None) -> str:
    """Why `request` has no window left in the week: none was ever inside it, its times have passed (before `cut`,
    the first slot from now), or what is left starts within the service's minimum notice."""
    if not request_windows(request, lo, hi, tz):
        return "none of its windows is inside the week (or long enough for it)"
    if cut is None or request_windows(request, cut, hi, tz):
        return "its times in this week start within the service's minimum notice"
    return "its times in this week have passed"


def _held_protected(published, cut, tz, working, advisors, advisor_docs, targets, closed, week_start, days) -> list[dict]:
    """The published plan's protected time before `cut` (problem.held_protected), as the problem's HELD_PROTECTED
    blocks: a re-plan of a week under way keeps it, as it keeps the appointments held before now (the planner never
    sees it: its working time starts at `cut`). Each advisor who has some gets PLAN_TARGET, the target the plan is
    measured against (problem.held_target); `advisor_docs` (in `advisors`' order) are changed in place."""
    blocks = held_protected_pieces(published, cut, tz, working)
    minutes: dict[int, int] = {}
    for advisor_id, start, end, _, _ in blocks:
        minutes[advisor_id] = minutes.get(advisor_id, 0) + int((end - start).total_seconds() // 60)
    for advisor, doc in zip(advisors, advisor_docs):
        if advisor.id in minutes:
            week = protected_target(advisor, week_start, tz, targets.get(advisor.id), days, closed).minutes
            doc[PLAN_TARGET] = held_target(doc["protected_minutes"], week, minutes[advisor.id])
    # With the UTC it really held (HELD_AT_KEYS), saved as it is: the wall clock cannot name a repeated hour's second
    # run, so a block to the second 23:15 would come back to 24:00 (time it never held) read from its wall-clock end.
    return [{"advisor": advisor_sid(advisor_id), **span_text(start, end), "starts_at": real_start.isoformat(),
             "ends_at": real_end.isoformat()} for advisor_id, start, end, real_start, real_end in blocks]


class PinDropped(str):
    """A job status note for a pinned time that cannot hold, said as if the request was planned again; `request_id`
    and `unplaced`, the same note for when it was not (runs: the plan is known only after solving)."""

    request_id: int | None
    unplaced: str

    def __new__(cls, text: str, request_id: int | None, unplaced: str):
        note = super().__new__(cls, text)
        note.request_id, note.unplaced = request_id, unplaced
        return note


def placed_words(warnings: list[str], placed: set[int]) -> list[str]:
    """The warnings as the plan turned out: a dropped pin's note for a request not placed (`placed`: request ids
    with an advisor) says it could not be planned again (every advisor away: 0 of 196 placed, each note said
    'It was planned again')."""
    return [w.unplaced if isinstance(w, PinDropped) and w.request_id not in placed else str(w) for w in warnings]


def _pin_dropped_words(reference: str, doc: dict, misfit: str, team: Team | None = None,
                       request_id: int | None = None) -> PinDropped:
    """The job status note, in plain words, for a pinned time that cannot hold (`misfit`: problem.pin_misfit's
    reason): which client, which time and advisor, why, and what to do (tell the client the new time, or that it
    has none when it was not placed: PinDropped.unplaced). A time on a day `team`'s office is closed
    (services/closures) says so."""
    name = _pinned_name(doc)
    day = datetime.strptime(doc["pinned"]["start"], TIME_FORMAT).date()
    closed = closed_days(team.id, day, day).get(day) if team is not None and misfit == "advisor" else None
    why = (f"the office is closed that day ({closed})" if closed else
           f"{name} is not working then (an absence, or their working time changed after it was given)"
           if misfit == "advisor" else "it is outside the times the client can come (the request's windows)")
    said = f"Client {reference}'s time, {human_value(doc['pinned']['start'])} with {name}, could not be kept: {why}."
    return PinDropped(f"{said} It was planned again: tell the client the new time", request_id,
                      f"{said} It could not be planned again (the plan says why): tell the client it has no time yet")


def _pinned_name(doc: dict) -> str:
    advisor = db.session.get(Advisor, db_id(doc["pinned"]["advisor"]))
    return advisor.name if advisor is not None else doc["pinned"]["advisor"]


def where_to_solve() -> dict:
    """Extra options for scheduler.solve in this process: {"in_process": True} inside huey's process workers
    (`huey_consumer … -k process`), which are daemonic processes and may not start the solver's child process
    (multiprocessing refuses: "daemonic processes are not allowed to have children"), so every run failed there;
    {} elsewhere, where the solve runs in a child process that is stopped if it overruns its time limit."""
    return {"in_process": True} if multiprocessing.current_process().daemon else {}


def _local(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT)


def plan_figures(problem: dict, solution: dict, items: list[PlanItem] | None = None) -> dict:
    """The report figures (fractions 0-1, problem-format.md "Figures"): the solver's own, else the checker's. With
    the plan's `items`, fill counts every request of the week (placed items / all items), so a request left out of
    the problem (skipped: no window inside the week, no skill…) is not placed: 200 of 201 is 0.995, never 1.0."""
    figures = dict(solution.get("figures") or check_solution(problem, solution).figures or {})
    if problem.get(HELD_PROTECTED):  # protected time kept from before now counts too (the planner does not see it)
        figures["protected"] = protected_figure(problem, solution)
    if items:
        figures["fill"] = round(sum(1 for i in items if i.advisor_id is not None) / len(items), 6)
    return figures


def _item_values(problem: dict, solution: dict, tz: str) -> dict[int, dict]:
    """Request id -> the PlanItem's columns, for every appointment the solution places or leaves out."""
    appointments = {a["id"]: a for a in problem["appointments"]}
    held_at = problem.get(HELD_AT) or {}
    rows = {}
    for placed in solution.get("assignments", []):
        appointment = appointments[placed["appointment"]]
        pin = appointment.get("pinned") or {}
        if placed["appointment"] in held_at and (pin.get("advisor"), pin.get("start")) == (placed["advisor"],
                                                                                           placed["start"]):
            starts_at = datetime.fromisoformat(held_at[placed["appointment"]])  # where it is: a repeated hour's 2nd run
        else:
            starts_at = utc_of_local(_local(placed["start"]), tz)
        # The duration is real time, added in UTC: on the night the clocks change an appointment
        # across the change ends duration_minutes after it starts, not an hour earlier or later.
        rows[db_id(placed["appointment"])] = dict(
            advisor_id=db_id(placed["advisor"]), starts_at=starts_at,
            ends_at=end_after(starts_at, appointment["duration_minutes"]), pinned="pinned" in appointment,
            unassigned_reason=None)
    for left in solution.get("unassigned", []):
        # Stored as a team leader reads it: names and local times, not scheduler ids and ISO stamps.
        reason = humanise(left["reason"]) if left.get("reason") else "not placed"
        rows[db_id(left["appointment"])] = dict(advisor_id=None, starts_at=None, ends_at=None, pinned=False,
                                                unassigned_reason=reason)
    return rows


def apply_solution(plan: Plan, problem: dict, solution: dict, skipped: dict[int, str] | None = None) -> None:
    """Make `plan` hold `solution` (to `problem`): documents, score, bound, status, figures, and its rows
    rebuilt from the solution. A row whose request is still in the plan keeps its id (handover notes point at
    it); rows of the problem's appointments that the solution no longer mentions go. Requests left out of
    the problem keep their rows, or get one from `skipped` (request id -> why it was left out)."""
    tz = plan.team.timezone if plan.team else problem["horizon"]["timezone"]
    plan.problem, plan.solution = problem, solution
    plan.score, plan.bound, plan.solver_status = solution.get("score"), solution.get("bound"), solution.get("status")
    values = _item_values(problem, solution, tz)
    in_problem = {db_id(a["id"]) for a in problem["appointments"]}
    for request_id, reason in (skipped or {}).items():
        values[request_id] = dict(advisor_id=None, starts_at=None, ends_at=None, pinned=False, unassigned_reason=reason)
    items = []
    for item in plan.items:
        if item.request_id in values:
            for column, value in values.pop(item.request_id).items():
                setattr(item, column, value)
            items.append(item)
        elif item.request_id not in in_problem:  # left out of this problem earlier: keeps its reason
            items.append(item)
    items += [PlanItem(request_id=request_id, **columns) for request_id, columns in sorted(values.items())]
    plan.items = items
    plan.figures = plan_figures(problem, solution, items)
    # With the protected time a re-plan of a week under way keeps from before now (to_problem's HELD_PROTECTED).
    # The blocks held from before now keep the UTC they really held (_held_protected), the planner's its wall clock.
    plan.protected_blocks = [ProtectedBlock(advisor_id=db_id(b["advisor"]),
                                            starts_at=_held_or_local(b, "starts_at", b["start"], tz),
                                            ends_at=_held_or_local(b, "ends_at", b["end"], tz))
                             for b in problem.get(HELD_PROTECTED, []) + list(solution.get("protected", []))]


def _held_or_local(doc: dict, key: str, text: str, tz: str) -> datetime:
    """The aware UTC `doc[key]` (ISO) when the document carries it, else wall-clock `text` read as the planner does."""
    return datetime.fromisoformat(doc[key]) if doc.get(key) else utc_of_local(_local(text), tz)


def draft_plan(team: Team, week_start: date, problem: dict, solution: dict, by=None, based_on: Plan | None = None,
               skipped: dict[int, str] | None = None) -> Plan:
    """Add a solver result as a new draft plan to the session (never touching the published plan), audited;
    the caller commits. `based_on`: the plan it re-planned (previous_plan), which the review compares with."""
    plan = Plan(team=team, week_start=week_start, status="draft", created_by_id=getattr(by, "id", None),
                based_on=based_on, made_by=MADE_BY_PLANNER)
    db.session.add(plan)
    apply_solution(plan, problem, solution, skipped)
    db.session.flush()
    audit.record("plan_drafted", user=by, obj=plan, team=team.name, week=week_start.isoformat(),
                 score=plan.score, status=plan.solver_status, **audit.asked_by(by))
    return plan


def save_plan(team: Team, week_start: date, problem: dict, solution: dict, by=None, based_on: Plan | None = None,
              skipped: dict[int, str] | None = None) -> Plan:
    """draft_plan, committed."""
    plan = draft_plan(team, week_start, problem, solution, by, based_on, skipped)
    db.session.commit()
    return plan


def what_if_figures(problem: dict, solution: dict, skipped: dict[int, str]) -> dict:
    """A solved week (nothing saved) in the what-if's terms: the figures, and the counts behind the score
    as the checker counts them (`terms`: assigned, continuity = support appointments with the client's
    named advisor × complexity, protected = minutes kept up to each target, separation = policing with the
    named advisor, disruption = published appointments moved or dropped)."""
    found = solution.get("status") != "unknown"
    result = check_solution(problem, solution) if found else None
    terms = result.terms if result else {}
    return {"weights": problem["weights"], "status": solution.get("status"), "score": solution.get("score"),
            "replanned": "previous" in problem,
            "figures": plan_figures(problem, solution) if found else {},
            "appointments": len(problem["appointments"]) + len(skipped),
            "assigned": len(solution.get("assignments", [])),
            "unassigned": len(solution.get("unassigned", [])) + len(skipped),
            "continuity_points": terms.get("continuity", 0), "policing_with_named_advisor": terms.get("separation", 0),
            "protected_minutes_kept": terms.get("protected", 0), "moved": terms.get("disruption", 0)}
