"""The independent checker: is a solution document valid for its problem, and what does it score?

It shares only the document reader (model.py) and the score arithmetic (metrics.py) with the
rest of the package, never the solver's model, so a solver bug cannot hide from it. Each hard
rule of problem-format.md is its own function returning plain sentences.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from scheduler import metrics
from scheduler.model import SOLUTION_FORMAT, Placement, Problem, ProblemError
from scheduler.parse import parse_problem

STATUSES = ("optimal", "feasible", "unknown")


@dataclass
class CheckResult:
    violations: list[str] = field(default_factory=list)
    score: int | None = None
    figures: dict = field(default_factory=dict)
    terms: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass
class _Reading:
    """A solution document as the checker reads it: its placements in slots, the appointments it
    leaves out, and the faults found while reading it (its own type, not the planner's lns.Plan)."""

    assignments: dict[str, Placement] = field(default_factory=dict)
    allocations: dict[str, str] = field(default_factory=dict)
    protected: list[tuple[str, int, int]] = field(default_factory=list)
    unassigned: set[str] = field(default_factory=set)
    faults: list[str] = field(default_factory=list)


def _slot(problem: Problem, text, where: str, plan: _Reading) -> int | None:
    try:
        return problem.horizon.to_slot(text)
    except (ValueError, TypeError) as err:
        plan.faults.append(f"{where}: {err}")
        return None


def _read(problem: Problem, doc: dict) -> _Reading:
    plan = _Reading()
    if doc.get("format") != SOLUTION_FORMAT:
        plan.faults.append(f"format: {doc.get('format')!r} is not {SOLUTION_FORMAT!r}")
    if doc.get("status") not in STATUSES:
        plan.faults.append(f"status: {doc.get('status')!r} is not one of {', '.join(STATUSES)}")
    for i, row in enumerate(doc.get("assignments") or []):
        where = f"assignments[{i}]"
        appt, advisor = row.get("appointment"), row.get("advisor")
        if appt not in problem.appointment_by_id:
            plan.faults.append(f"{where}.appointment: unknown appointment {appt!r}")
            continue
        if advisor not in problem.advisor_by_id:
            plan.faults.append(f"{where}.advisor: unknown advisor {advisor!r}")
            continue
        if appt in plan.assignments:
            plan.faults.append(f"{where}: appointment {appt} is assigned more than once")
            continue
        start = _slot(problem, row.get("start"), f"{where}.start", plan)
        if start is not None:
            plan.assignments[appt] = Placement(advisor, start)
    for i, row in enumerate(doc.get("unassigned") or []):
        appt = row.get("appointment")
        if appt not in problem.appointment_by_id:
            plan.faults.append(f"unassigned[{i}].appointment: unknown appointment {appt!r}")
        elif appt in plan.assignments or appt in plan.unassigned:
            plan.faults.append(f"unassigned[{i}]: appointment {appt} is listed twice")
        else:
            plan.unassigned.add(appt)
    for appt in problem.appointment_by_id:
        if appt not in plan.assignments and appt not in plan.unassigned:
            plan.faults.append(f"appointment {appt} is in neither assignments nor unassigned")
    for i, row in enumerate(doc.get("allocations") or []):
        client, advisor = row.get("client"), row.get("advisor")
        if client not in problem.client_by_id or advisor not in problem.advisor_by_id:
            plan.faults.append(f"allocations[{i}]: unknown client {client!r} or advisor {advisor!r}")
        elif client in plan.allocations:
            plan.faults.append(f"allocations[{i}]: client {client} is allocated twice")
        else:
            plan.allocations[client] = advisor
    for i, row in enumerate(doc.get("protected") or []):
        advisor = row.get("advisor")
        if advisor not in problem.advisor_by_id:
            plan.faults.append(f"protected[{i}].advisor: unknown advisor {advisor!r}")
            continue
        start = _slot(problem, row.get("start"), f"protected[{i}].start", plan)
        end = _slot(problem, row.get("end"), f"protected[{i}].end", plan)
        if start is not None and end is not None:
            plan.protected.append((advisor, start, end))
    return plan


def rule1_skill_and_role(problem: Problem, plan: _Reading) -> list[str]:
    out = []
    for appt_id, placed in plan.assignments.items():
        appt = problem.appointment_by_id[appt_id]
        advisor = problem.advisor_by_id[placed.advisor]
        if appt.skill not in advisor.skills:
            out.append(f"rule 1: {appt_id} needs skill {appt.skill}, which {advisor.id} does not have")
        if appt.kind not in advisor.roles:
            out.append(f"rule 1: {appt_id} is {appt.kind} work, but {advisor.id} lacks the {appt.kind} role")
    return out


def _inside_one(intervals, start: int, end: int) -> bool:
    """Whether [start, end) lies inside one of `intervals` (sorted, not overlapping: as parsed).
    Only the last interval starting at or before `start` can hold it; bisect finds it, so a long
    horizon's availability is not scanned once per appointment."""
    i = bisect_right(intervals, (start, float("inf")), key=lambda iv: (iv.start, iv.end)) - 1
    return i >= 0 and intervals[i].contains(start, end)


def rule2_inside_window_and_availability(problem: Problem, plan: _Reading) -> list[str]:
    out = []
    h = problem.horizon
    for appt_id, placed in plan.assignments.items():
        appt = problem.appointment_by_id[appt_id]
        start, end = placed.start, placed.start + appt.duration
        if not any(w.contains(start, end) for w in appt.windows):
            out.append(f"rule 2: {appt_id} at {h.to_text(start)} is not wholly inside one of its windows")
        if not _inside_one(problem.advisor_by_id[placed.advisor].availability, start, end):
            out.append(f"rule 2: {appt_id} at {h.to_text(start)} is outside {placed.advisor}'s availability")
    return out


def _overlaps(items: list[tuple[int, int, str]]) -> list[tuple[str, str]]:
    items = sorted(items)
    clashes = []
    for i, (start, end, name) in enumerate(items):
        for other_start, _other_end, other in items[i + 1:]:
            if other_start >= end:
                break
            clashes.append((name, other))
    return clashes


def rule3_no_overlaps(problem: Problem, plan: _Reading) -> list[str]:
    by_advisor, by_client = defaultdict(list), defaultdict(list)
    for appt_id, placed in plan.assignments.items():
        appt = problem.appointment_by_id[appt_id]
        span = (placed.start, placed.start + appt.duration, appt_id)
        by_advisor[placed.advisor].append(span)
        by_client[appt.client].append(span)
    out = [f"rule 3: {a} and {b} overlap for advisor {adv}" for adv, spans in sorted(by_advisor.items())
           for a, b in _overlaps(spans)]
    out += [f"rule 3: {a} and {b} overlap for client {c}" for c, spans in sorted(by_client.items())
            for a, b in _overlaps(spans)]
    return out


def rule4_daily_limit(problem: Problem, plan: _Reading) -> list[str]:
    starts = defaultdict(int)
    for placed in plan.assignments.values():
        starts[(placed.advisor, problem.horizon.day_of(placed.start))] += 1
    out = []
    for (advisor, day), count in sorted(starts.items()):
        limit = problem.advisor_by_id[advisor].max_appointments_per_day
        if limit is not None and count > limit:
            out.append(f"rule 4: {advisor} has {count} appointments starting on "
                       f"{problem.horizon.to_text(day * problem.horizon.slots_per_day)[:10]}, more than {limit}")
    return out


def rule5_pins(problem: Problem, plan: _Reading) -> list[str]:
    out = []
    for appt in problem.appointments:
        if appt.pinned is not None and plan.assignments.get(appt.id) != appt.pinned:
            out.append(f"rule 5: {appt.id} is pinned to {appt.pinned.advisor} at "
                       f"{problem.horizon.to_text(appt.pinned.start)} but is not placed there")
    return out


def rule6_allocations(problem: Problem, plan: _Reading) -> list[str]:
    out = []
    new = defaultdict(int)
    for client_id, advisor_id in plan.allocations.items():
        client, advisor = problem.client_by_id[client_id], problem.advisor_by_id[advisor_id]
        if client.named_advisor is not None:
            out.append(f"rule 6: {client_id} already has named advisor {client.named_advisor}; it cannot be allocated")
        if "support" not in advisor.roles:
            out.append(f"rule 6: {client_id} is allocated to {advisor_id}, who lacks the support role")
        if client.need is not None and client.need not in advisor.skills:
            out.append(f"rule 6: {client_id} needs {client.need}, which {advisor_id} does not have")
        new[advisor_id] += 1
    for advisor_id, count in sorted(new.items()):
        advisor = problem.advisor_by_id[advisor_id]
        if advisor.max_caseload is not None and advisor.caseload + count > advisor.max_caseload:
            out.append(f"rule 6: {advisor_id} would hold {advisor.caseload + count} clients, "
                       f"more than max_caseload {advisor.max_caseload}")
    return out


def rule7_protected_blocks(problem: Problem, plan: _Reading) -> list[str]:
    out = []
    h = problem.horizon
    busy = defaultdict(list)
    for appt_id, placed in plan.assignments.items():
        busy[placed.advisor].append((placed.start, placed.start + problem.appointment_by_id[appt_id].duration, appt_id))
    blocks = defaultdict(list)
    longest = {v: max((e - s for s, e, _ in spans), default=0) for v, spans in busy.items()}
    for spans in busy.values():
        spans.sort()
    for advisor_id, start, end in plan.protected:
        where = f"protected block of {advisor_id} at {h.to_text(start)}"
        if (end - start) * h.slot_minutes < h.protected_block_minutes:
            out.append(f"rule 7: {where} is shorter than {h.protected_block_minutes} minutes")
        if not _inside_one(problem.advisor_by_id[advisor_id].availability, start, end):
            out.append(f"rule 7: {where} is not inside one availability interval")
        spans = busy[advisor_id]
        # Only appointments starting in [start - longest, end) can overlap the block.
        first = bisect_left(spans, (start - longest.get(advisor_id, 0),))
        for b_start, b_end, appt_id in spans[first:bisect_left(spans, (end,))]:
            if b_start < end and start < b_end:
                out.append(f"rule 7: {where} overlaps appointment {appt_id}")
        blocks[advisor_id].append((start, end, h.to_text(start)))
    for advisor_id, spans in sorted(blocks.items()):
        out += [f"rule 7: protected blocks of {advisor_id} at {a} and {b} overlap" for a, b in _overlaps(spans)]
    return out


HARD_RULES = (rule1_skill_and_role, rule2_inside_window_and_availability, rule3_no_overlaps, rule4_daily_limit,
              rule5_pins, rule6_allocations, rule7_protected_blocks)


def check_plan(problem: Problem, assignments: dict[str, Placement], allocations: dict[str, str],
               protected: list[tuple[str, int, int]]) -> CheckResult:
    """Every hard rule and the score of a plan in slot indices, as check_solution judges its document, with
    no document written (the planner checks its start plan this way): `violations` and `score` (no figures)."""
    plan = _Reading(dict(assignments), dict(allocations), list(protected),
                    {a for a in problem.appointment_by_id if a not in assignments})
    result = CheckResult()
    for rule in HARD_RULES:
        result.violations += rule(problem, plan)
    result.score = metrics.score(problem, plan.assignments, plan.allocations, plan.protected)
    return result


def check_solution(problem, solution: dict) -> CheckResult:
    """Re-check every hard rule, recompute score and figures. Raises ProblemError for a bad problem."""
    if not isinstance(problem, Problem):
        problem = parse_problem(problem)
    if not isinstance(solution, dict):
        raise ProblemError("solution: must be a JSON object")
    try:
        plan = _read(problem, solution)
    except (AttributeError, TypeError) as err:
        return CheckResult(violations=[f"solution: malformed document ({err})"])
    result = CheckResult(violations=list(plan.faults))
    for rule in HARD_RULES:
        result.violations += rule(problem, plan)
    result.terms = metrics.score_terms(problem, plan.assignments, plan.allocations, plan.protected)
    result.score = metrics.score(problem, plan.assignments, plan.allocations, plan.protected)
    bound = solution.get("bound")
    bound = bound if isinstance(bound, int) and not isinstance(bound, bool) else None
    result.figures = metrics.figures(problem, plan.assignments, plan.allocations, plan.protected,
                                     bound=bound, score_value=result.score)
    reported = solution.get("score")
    if reported is not None and reported != result.score:
        result.violations.append(f"score: the solution reports {reported} but its plan scores {result.score}")
    if bound is not None and bound < result.score:
        result.violations.append(f"bound: {bound} is below the plan's score {result.score}")
    return result
