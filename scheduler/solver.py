"""Solving a week: build the CP-SAT model, warm-start it from the booking-desk plan, extract a solution.

`solve()` runs the search in a child process (scheduler.runner) so an overrun is killed; set
in_process=True to run it here (tests of the model, the benchmark's inner loop).
"""
from __future__ import annotations

import math
import os
import threading
import time

from ortools.sat.python import cp_model

from scheduler import baselines, bound as relaxation, explain, lns, metrics, placing, reallocate, repair, trade
from scheduler.budget import Budget
from scheduler.check import check_plan, check_solution
from scheduler.hints import complete_hint, hint_plan
from scheduler.document import PLANNER, plan_document, read_placements, used_allocations
from scheduler.model import Placement, Problem
from scheduler.parse import parse_problem
from scheduler.rules import blocks_from_slots, pose
from scheduler.runner import run_in_child
from scheduler.variables import choose_candidates, feasible_starts

# Above this many placement booleans the model keeps fewer alternate advisors per appointment.
MAX_PLACEMENTS = 300_000
PROGRESS_EVERY_S = 1.0
# Tests set this to "1" (tests/conftest.py): an invalid plan from the search raises instead of
# silently falling back to the valid start plan, so a missing rule cannot hide behind the fallback.
STRICT_ENV = "SCHEDULER_STRICT"


def _sizes(problem: Problem):
    """(alternates, step) settings from complete to lean, tried in order until the model is small enough."""
    yield None, 1
    for alternates in (8, 5, 3, 2):
        yield alternates, 1
    yield 2, 2


def build_model(problem: Problem, hint: dict[str, Placement]):
    for alternates, step in _sizes(problem):
        cands = choose_candidates(problem, hint, alternates, step)
        if sum(len(s) for s in cands.starts.values()) <= MAX_PLACEMENTS:
            break
    st = pose(problem, cands)
    model = st.model
    return model, st, cands


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report, began: float, time_limit: float):
        super().__init__()
        self.report, self.began, self.time_limit = report, began, time_limit
        self.last = 0.0

    def on_solution_callback(self) -> None:
        now = time.perf_counter() - self.began
        if self.report is None or now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        stop = self.report({"elapsed": round(now, 2), "score": int(round(self.objective_value)),
                            "bound": int(math.floor(self.best_objective_bound + 1e-6)),
                            "time_left": round(max(0.0, self.time_limit - now), 1)})
        if stop:
            self.stop_search()


def _best_start(problem: Problem, hint: dict | None, budget: Budget | None = None) -> lns.Plan:
    """The best valid plan to start from: the caller's hint or a booking-desk plan, each improved by
    the quick repair passes (see _polish) while `budget` (the start phase's share) lasts.

    The desk plans are named-first in several request orders (scheduler.baselines.DESK_VARIANTS) and
    earliest: no one order wins on every week, and earliest (most fill, scattered clients) is often
    best once its clients are brought home, so it is polished first. The repairs stop when the budget
    is spent (a 120-advisor week takes seconds per plan on a loaded machine), so a big week never
    spends its whole limit here. The chosen plan goes through the independent checker first (the next
    best if it fails): the search keeps the start plan whenever it finds nothing better, so an invalid
    start would come out as the answer.
    """
    budget = budget or Budget(float("inf"))
    starts = [lns.Plan(problem, *read_placements(problem, hint))] if hint is not None else []
    if problem.previous:
        starts.append(lns.Plan(problem, *baselines.desk_plan(problem, keep_previous=True)[:3]))
    big = len(problem.appointments) > BIG_WEEK
    desks = [lns.Plan(problem, a, al, pr) for _, a, al, pr in
             baselines.desk_plans(problem, baselines.DESK_VARIANTS[:2] if big else baselines.DESK_VARIANTS)]
    named, fill_first = desks[:-1], desks[-1]
    named.sort(key=lambda plan: -plan.score())
    # The caller's plans, then earliest, then the best named-first ones get the repairs, in that order.
    order = starts + [fill_first] + named[:POLISHED_DESKS]
    for plan in order:
        if budget.expired():
            break
        _polish(plan, budget)
    candidates = order + named[POLISHED_DESKS:]
    for plan in sorted(candidates, key=lambda plan: -plan.score()):
        used = used_allocations(problem, plan.assignments, plan.allocations)  # as its document would list them
        if check_plan(problem, plan.assignments, used, plan.protected).ok:
            return plan
    return lns.Plan(problem, {}, {}, [])  # cannot happen with correct desks: an empty plan is valid


# Weeks with more appointments than this try fewer desk orders; POLISHED_DESKS named-first plans (the
# best) get the repair passes.
BIG_WEEK = 5000
POLISHED_DESKS = 2
# The start phase's share of the limit (desks and repairs; the search gets the rest). Measured at 120
# advisors (12,788 appointments): desks 1.6 s and repairs ~2.5 s a plan at load 6.
START_SHARE = 0.3
# Deterministic mode's start phase is not charged: the desks and repairs are bounded by the week's
# size, read no clock, and charging an estimate would cut the repairs of short what-if runs; only its
# far wall-clock guard stops them.


def _polish(plan: lns.Plan, budget: Budget | None = None) -> None:
    """Quick greedy repairs in place (scheduler.repair, scheduler.trade), each keeping the plan valid
    and never lowering its score: re-deal same-time appointments to their clients' advisors, book
    unbooked ones by moving blockers (onward too: FIRST_PASS_DEEP), bring appointments home (by free
    time, then by trading places with simpler clients, which frees more for the plain moves), book more of the unbooked (long
    bookings traded for short ones, blockers moved), re-deal again. Start plans measured against
    book_more before the moves home / after them / this order: varied 60 s1 41.92 / 41.95 / 42.06 M,
    60 s11 26.33 / 26.46 / 26.49 M. Stops once `budget` is spent, inside the passes too (book_more alone
    took 20-40 s of a 60 s limit at 60-120 advisors on a loaded machine)."""
    budget = budget or Budget(float("inf"))
    steps = [repair.match_same_times, _book_first, _home_until_stable, repair.book_more, repair.match_same_times]
    for step in steps:
        if budget.expired():
            return
        step(plan) if step is repair.match_same_times else step(plan, budget)  # milliseconds


def _book_first(plan: lns.Plan, budget: Budget) -> None:
    repair.book_by_ejection(plan, budget, deep=FIRST_PASS_DEEP)


# The first booking pass moves blockers onward too (deep; repair._Earliest made it fast enough to fit
# the start phase): start plans, varied 120 s19 88.33 -> 88.62 M (+31 booked, +3.8 s CPU), 60 s3 +4
# booked, 10 s3 +1; whole solves (60 s deterministic) 120 s19 +272,160, 60 s3 +18,750, 10 s3 +19,510,
# 30 s10 and UHHC i-095 the same, 120 s3 -41,210 (a different search path from a start 6,080 higher).
FIRST_PASS_DEEP = True


def _home_until_stable(plan: lns.Plan, budget: Budget) -> None:
    for rounds in range(TRADE_ROUNDS + 1):
        while not budget.expired() and repair.bring_home(plan, budget):
            pass
        if rounds == TRADE_ROUNDS or budget.expired() or not trade.trade_home(plan, budget):
            return


# Rounds of trading places (scheduler.trade) and bringing home again: the second round still gains
# (varied 60 s1: +14,290 by trades, +10,800 by the moves they opened).
TRADE_ROUNDS = 2


def _full_model(problem: Problem, plan: lns.Plan, budget: Budget, workers: int,
                progress, began: float, time_limit: float, log: bool):
    """Solve the whole week as one CP-SAT model; returns (improved plan or None, its proven bound or None)."""
    model, st, cands = build_model(problem, plan.assignments)
    hint_plan(st, plan.assignments, plan.protected, plan.allocations)
    complete_hint(model)  # so the search starts from the plan itself (see scheduler.hints)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.cp_model_presolve = False  # presolve of the big at-most-one rows costs more than the search gains
    budget.set_limits(params, workers)
    params.random_seed = 0
    params.log_search_progress = log
    status = solver.solve(model, _Progress(progress, began, time_limit))
    budget.charge(solver.response_proto.deterministic_time)
    cp_bound = None
    if status != cp_model.UNKNOWN and not cands.pruned:
        cp_bound = int(math.floor(solver.best_objective_bound + 1e-6))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, cp_bound
    found = lns.Plan(problem, st.xs.extract(lambda var: solver.boolean_value(var)),
                     {c: v for (c, v), var in st.alloc.items() if solver.boolean_value(var)},
                     blocks_from_slots(st, lambda var: solver.boolean_value(var)))
    return found, cp_bound


def solve_in_process(problem, time_limit: float = 60.0, workers: int = 2, deterministic: bool = False,
                     progress=None, hint: dict | None = None, log: bool = False, best_so_far=None,
                     strategy: str = "auto") -> dict:
    """Solve here. strategy: "full" (one CP-SAT model), "lns" (neighbourhood search from the
    booking-desk plan), "hybrid" (the full model for part of the time, then the neighbourhood search
    from its plan) or "auto" (full for tiny weeks, hybrid for mid-sized ones, else LNS).

    best_so_far: called with (plan, bound) at each report: the valid plan so far (lns.Plan, in slots;
    read it at once, the search goes on changing it) and the upper bound known then. The solution
    document is written once, at the end (scheduler.runner writes it from the last plan reported if
    the search never ends)."""
    if not isinstance(problem, Problem):
        problem = parse_problem(problem)
    began = time.perf_counter()
    budget = Budget.for_limit(time_limit, deterministic, began)
    explain.raise_for_clashing_pins(problem)
    use_full, use_lns = _phases(problem, strategy, time_limit)
    # On a big week the LP takes seconds (120 advisors: 2-4 CPU s alone, 20 s wall beside a 2-worker
    # search on 2 cores), so it runs beside the start phase and the search (HiGHS releases the GIL) and
    # the trivial bound is reported until it is done.
    lp_bound = _BoundInBackground(problem, began + time_limit) if use_lns else None
    plan = _best_start(problem, hint, budget.part(START_SHARE))
    start = lns.Plan(problem, plan.assignments, plan.allocations, plan.protected)
    if not use_lns:
        bound = relaxation.upper_bound(problem, time_limit=min(10.0, max(1.0, time_limit / 6)))
    else:
        bound = relaxation.trivial_bound(problem)
    cp_bound = None

    def report(current: lns.Plan):
        nonlocal bound
        if lp_bound is not None:
            bound = lp_bound.value() or bound
        if best_so_far is not None:
            best_so_far(current, bound)
        if progress is not None:
            now = time.perf_counter() - began
            figures = metrics.figures(problem, current.assignments, current.allocations, current.protected, bound=bound)
            return progress({"elapsed": round(now, 2), "score": current.score(), "bound": bound,
                             "time_left": round(max(0.0, time_limit - now), 1), **figures})
        return False

    if report(plan):
        return _document(problem, plan, bound, began, "feasible")
    stopped = False
    if use_full:
        # Deterministic mode: a share of the budget's units, never of the wall-clock time left after the
        # set-up (which varies with load), so the same week gives the same plan.
        found, cp_bound = _full_model(problem, plan, budget.part(HYBRID_FULL_SHARE if use_lns else 1.0),
                                      workers, progress, began, time_limit, log)
        if found is not None and found.score() >= plan.score():
            plan = found
            while not budget.expired() and repair.bring_home(plan, budget):  # the easy moves the model left
                pass
        # Proven optimal, or the team leader pressed stop during the full model: nothing more to do.
        stopped = (cp_bound is not None and cp_bound <= plan.score()) or (found is not None and report(plan))
    rest = budget.last_part(1 - HYBRID_FULL_SHARE if use_full else 1.0)
    if not rest.deterministic:  # the search stops early enough to write and check the answer in time
        rest = Budget(rest.deadline - _end_reserve(problem, time_limit))
    if use_lns and not stopped and not rest.expired():
        plan = _neighbourhood_search(plan, rest, workers, report)
    if lp_bound is not None:
        bound = lp_bound.value(wait_until=min(began + time_limit, rest.deadline)) or bound
    if cp_bound is not None:
        bound = min(bound, cp_bound)
    repair.clear_preferred_time(plan)  # protected blocks seated where advisors prefer, as the score allows
    doc = _document(problem, plan, bound, began, "feasible")
    result = check_solution(problem, doc)
    if not result.ok:  # a search bug must never reach a team leader: the start is valid
        if os.environ.get(STRICT_ENV) == "1":
            raise AssertionError(f"the search returned an invalid plan: {result.violations[:3]}")
        doc = _document(problem, start, bound, began, "feasible")
    if doc["score"] > bound:  # a valid bound can never be below a valid plan's score
        raise AssertionError(f"bound {bound} below score {doc['score']}")
    if doc["score"] == bound:
        doc["status"] = "optimal"
    return doc


def _phases(problem: Problem, strategy: str, time_limit: float) -> tuple[bool, bool]:
    """(run the whole-week model, run the neighbourhood search) for a strategy."""
    if strategy == "full":
        return True, False
    if strategy == "lns":
        return False, True
    if strategy == "hybrid":
        return True, True
    count = _placement_count(problem)
    if count <= FULL_MODEL_MAX:
        return True, False
    # A few seconds are too few for the whole-week model to pay for building it (what-if runs of 3 s).
    return count <= HYBRID_MAX and time_limit >= HYBRID_MIN_SECONDS, True


def _neighbourhood_search(plan: lns.Plan, budget: Budget, workers: int, report) -> lns.Plan:
    """Improve `plan` part by part until the budget is spent."""
    last_report = [time.perf_counter()]

    def on_improve(current):
        # At most once a second: a report scores the whole plan and hands it to the caller (the
        # runner copies it to the parent process), and the search improves many times a second.
        now = time.perf_counter()
        if now - last_report[0] < PROGRESS_EVERY_S:
            return
        last_report[0] = now
        if report(current):
            raise _Stop

    # Deterministic mode: the search gets all its units and the repairs after it are not charged (they
    # read no clock, as in the start phase); wall clock: they get the last FINAL_SHARE of the time.
    search = budget if budget.deterministic else budget.part(1 - FINAL_SHARE)
    after = Budget(budget.deadline) if budget.deterministic else budget
    tight = _tight(plan)
    parts = search.part(1 - PLACE_SHARE) if tight else search
    try:
        # The parts keep allocations fixed, so between rounds the new clients are re-allocated to
        # where the search has booked them (scheduler.reallocate) and the next round aims at that.
        for k in range(REALLOCATE_ROUNDS):
            _reallocate(plan, aspire=True)
            share = 1 / REALLOCATE_ROUNDS if parts.deterministic else 1 / (REALLOCATE_ROUNDS - k)
            lns.improve(plan, parts.part(share), workers=workers, seed=k, on_improve=on_improve)
        if tight:
            placing.improve(plan, search.last_part(PLACE_SHARE), on_improve=on_improve, workers=workers)
    except _Stop:
        return plan
    # The parts (two advisors, a day or two) rarely see a trade by complexity across advisors, and
    # they open room for plain moves home: measured on the search's final plans, varied 30 s2 +2,610,
    # varied 60 s4 +965 in 0.1-0.3 s.
    if not after.expired() and trade.trade_home(plan, after) and not after.expired():
        repair.bring_home(plan, after)
    # The parts rarely book what needs a move across days or advisors (a blocker to a day at its
    # daily limit, whose own appointment moves on): book_more does, from the search's final plan.
    if not after.expired():
        repair.book_more(plan, after)
    _reallocate(plan)
    return plan


# The search's last share of its budget goes to the greedy trades and moves home (scheduler.trade).
FINAL_SHARE = 0.05
# Rounds of the search, with the new clients re-allocated before each (aspire: those gaining nothing
# anywhere get an advisor with room, for the parts to aim at) and after the last. UHHC i-322 (237 new clients as
# converted before 42feb34, caseloads nearly full), 60 s deterministic, closed share: 32 % before; one round 77 %;
# four rounds 67 % without aspire, 83 % with it.
REALLOCATE_ROUNDS = 4


# Tight weeks (at least PLACE_MIN_UNBOOKED of the appointments unbooked when the search starts) give
# the last PLACE_SHARE of the search to scheduler.placing: parts of many advisors over a day on the
# interval model, which book appointments through chains of moves the small parts never see.
# Deterministic 60 s, seeds 0-4 (LNS round seeds k + s): 30 s7, 60 s7, 60 s3, 120 s7, 10 s1 gained
# +463 k and +61 bookings over 23 paired runs (17 up, 6 down; 60 s7 level). A 5 % gate lost 51 k a run
# on 120 s19 (its gap is continuity, which the LNS rounds improve) and gained 68 k on 120 s2.
PLACE_SHARE = 0.3
PLACE_MIN_UNBOOKED = 0.10


def _tight(plan: lns.Plan) -> bool:
    appointments = plan.problem.appointments
    return len(appointments) - len(plan.assignments) >= PLACE_MIN_UNBOOKED * len(appointments)


def _reallocate(plan: lns.Plan, aspire: bool = False) -> None:
    plan.allocations = reallocate.best_allocations(plan.problem, plan.assignments, plan.allocations, aspire)


class _Stop(Exception):
    pass


class _BoundInBackground:
    """The LP bound (scheduler.bound) computed in a thread; value() is None until it is ready. It only
    feeds the reported bound and the "optimal" status, never a search decision (deterministic mode).
    It may use nearly all the time left: every column-generation round it finishes proves a bound, and
    the solve waits for it only until its own deadline."""

    def __init__(self, problem: Problem, deadline: float):
        self._value = None
        left = deadline - time.perf_counter()
        self._thread = threading.Thread(target=self._run, args=(problem, max(1.0, 0.9 * left)), daemon=True)
        self._thread.start()

    def _run(self, problem: Problem, seconds: float) -> None:
        self._value = relaxation.upper_bound(problem, time_limit=seconds)

    def value(self, wait_until: float | None = None):
        if wait_until is not None:
            self._thread.join(timeout=max(0.0, wait_until - time.perf_counter()))
        return self._value


# Up to FULL_MODEL_MAX candidate placements the whole-week model alone is best; up to HYBRID_MAX it
# gets the first HYBRID_FULL_SHARE of the time and the neighbourhood search the rest. Measured at 60 s,
# 2 workers (gap: LNS alone -> hybrid): jobcentre 10 (35 k) 2.65 % -> 0.011 %; advice 10 (14 k)
# 0.056 % -> optimal in 13 s; advice 30 (99 k) 0.09 % -> 0.078 %. Clinic 10 (125 k placements, short
# consultations) was worse hybrid (0.90 %) than LNS alone (0.44 %), hence the cap.
FULL_MODEL_MAX = 3_000
HYBRID_MAX = 110_000
HYBRID_FULL_SHARE = 0.5
HYBRID_MIN_SECONDS = 10.0


def _placement_count(problem: Problem, enough: int = HYBRID_MAX + 1) -> int:
    """Candidate placements of the week, counted up to `enough`: past HYBRID_MAX the answer is the
    same, and counting all of a 120-advisor week took 6 s of its limit at load 6."""
    count = 0
    for a in problem.appointments:
        for v in problem.advisors:
            if v.can_do(a.kind, a.skill):
                count += len(feasible_starts(problem, a, v.id))
        if count >= enough:
            return count
    return count


# Wall-clock seconds per 1,000 appointments kept back at the end of a solve (at most END_RESERVE_SHARE
# of the limit) for the answer's reasons, document and check: 2.9-6.9 s on 12,788 appointments at
# load 6 (the LP bound's thread competes for the interpreter), which overran a 20 s limit by 3.9 s,
# past the runner's grace, so the desk plan came back.
END_RESERVE_PER_1000 = 0.5
END_RESERVE_SHARE = 0.25


def _end_reserve(problem: Problem, time_limit: float) -> float:
    return min(END_RESERVE_SHARE * time_limit, END_RESERVE_PER_1000 * len(problem.appointments) / 1000)


def _document(problem: Problem, plan: lns.Plan, bound, began: float, status: str) -> dict:
    return plan_document(problem, plan.assignments, plan.allocations, plan.protected, status=status, bound=bound,
                         seconds=time.perf_counter() - began, solver=PLANNER)


def solve(problem, time_limit: float = 60.0, workers: int = 2, deterministic: bool = False, progress=None,
          hint: dict | None = None, log: bool = False, in_process: bool = False) -> dict:
    """Solve a problem document (or Problem) and return a caseload-solution/1 document.

    A document is solved in a child process that is stopped if it overruns the time limit (see
    scheduler.runner); a Problem, or in_process=True, is solved here.

    progress: called with {"elapsed", "score", "bound", "time_left"} as better plans are found;
    returning True stops the search (the best plan so far is kept).
    """
    if in_process or not isinstance(problem, dict):  # a parsed Problem cannot cross to a child process
        return solve_in_process(problem, time_limit, workers, deterministic, progress, hint, log)
    return run_in_child(problem, solve_in_process, time_limit=time_limit, workers=workers, deterministic=deterministic,
                        progress=progress, hint=hint)
