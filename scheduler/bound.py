"""A proven upper bound on the score from the aggregated relaxation of scheduler.bound_model.

The LP is handed to an LP solver (MathOpt; HiGHS by default, see METHODS) as one bulk proto, over a
growing subset of its columns (column_generation). The bound reported is never the solver's word: it
is recomputed from the solver's dual prices by weak duality (Relaxation.dual_bound), which holds for
*any* non-negative prices, so a solve stopped by its time limit, or one with floating-point slack,
still yields a valid bound — only a looser one. Without any prices the trivial "everything perfect"
bound stands.
"""
from __future__ import annotations

import math
import time
from datetime import timedelta

import numpy as np
from ortools.math_opt import model_pb2, parameters_pb2, solution_pb2
from ortools.math_opt.core.python import solver as core
from ortools.math_opt.python import mathopt

from scheduler import bound_days, bound_model, bound_schedules
from scheduler.model import Problem

METHODS = {"dual": (parameters_pb2.SOLVER_TYPE_GLOP, parameters_pb2.LP_ALGORITHM_DUAL_SIMPLEX),
           "primal": (parameters_pb2.SOLVER_TYPE_GLOP, parameters_pb2.LP_ALGORITHM_PRIMAL_SIMPLEX),
           "pdlp": (parameters_pb2.SOLVER_TYPE_PDLP, None),
           "highs": (parameters_pb2.SOLVER_TYPE_HIGHS, None)}


def trivial_bound(problem: Problem) -> int:
    """Every appointment placed with continuity, every protected target met, no penalties (points)."""
    w = problem.weights
    support = sum(problem.client_by_id[a.client].complexity for a in problem.appointments if a.kind == "support")
    protected = sum(a.protected_minutes for a in problem.advisors)
    return w.assigned * len(problem.appointments) + w.continuity * support + w.protected * protected


def upper_bound(problem: Problem, time_limit: float = 10.0, method: str = "highs", interrupter=None,
                stats: dict | None = None, max_rounds: int | None = None, days: bool = True,
                schedule_seconds: float = 0.0) -> int:
    """A proven upper bound on the score of every valid plan of `problem` (score points, an int, at most
    trivial_bound). `time_limit` (wall seconds) caps the LP solve, not the build; `method` is a key of
    METHODS; `interrupter` (a mathopt.SolveInterrupter) may stop the solve early from another thread.
    `max_rounds` caps the column generation's LP solves (None: until it converges or time is up).
    `schedule_seconds` (wall seconds, 0: off) lets scheduler.bound_schedules's column generation over
    whole advisor-day schedules lower the bound after the LP, within both that and `time_limit`.
    `stats`, if given, is filled with build/solve seconds, the LP's size and how the bound was proved.
    Never raises for a solver failure: the bound then falls back towards the trivial one."""
    began, began_cpu = time.perf_counter(), time.process_time()
    relax = bound_model.build(problem)
    built, built_cpu = time.perf_counter(), time.process_time()
    trivial = trivial_bound(problem)
    deadline = built + max(0.05, time_limit - (built - began))
    best, rounds, prices = column_generation(relax, deadline, method, interrupter, max_rounds)
    lp_value, day_value, found = best, None, {}
    if prices is not None and days:
        # The same prices with each advisor-day priced as a real day (scheduler.bound_days): never looser.
        best = day_value = min(best, bound_days.day_bound(relax, prices))
        stop = min(deadline, time.perf_counter() + schedule_seconds)
        if schedule_seconds > 0 and relax.days is not None and len(relax.days.start) and time.perf_counter() < stop:
            try:
                best = min(best, bound_schedules.improve(relax, prices, stop, stats=found))
            except Exception:  # noqa: BLE001 - a failure only costs tightness; the day bound stands
                pass
    value = trivial if best is None else min(trivial, math.floor(best))
    if stats is not None:
        stats.update(build_seconds=round(built - began, 3), solve_seconds=round(time.perf_counter() - built, 3),
                     build_cpu=round(built_cpu - began_cpu, 3), solve_cpu=round(time.process_time() - built_cpu, 3),
                     rows=len(relax.b), columns=len(relax.c), nonzeros=len(relax.vals), method=method,
                     rounds=rounds, proved=("trivial" if value == trivial else "day-schedules"
                                            if day_value is not None and value < math.floor(day_value)
                                            else "advisor-days" if day_value is not None and lp_value is not None
                                            and value < math.floor(lp_value) else "lp-dual"),
                     lp_bound=None if lp_value is None else math.floor(lp_value),
                     day_bound=None if day_value is None else math.floor(day_value),
                     total_cpu=round(time.process_time() - began_cpu, 3), **found)
    return int(value)


# The size rule for the day-schedule bound (scheduler.bound_schedules): on weeks of at most
# SCHEDULE_MAX_DAYS advisor-days with availability it runs for up to SCHEDULE_SECONDS after the LP. There
# its master converges in seconds (the 20 varied 10-advisor weeks, 50 advisor-days each: 6-16 s for 15 s
# allowed; 10 s7 4,511,265 -> 4,504,354 in 6 s, 10 s20 -200, 10 s3 -89, the rest 0); at 30 advisors
# (150) it did not lower 30 s10's bound in 60 s (its duals wander above the start for tens of rounds).
SCHEDULE_MAX_DAYS = 60
SCHEDULE_SECONDS = 12.0


def schedule_seconds_for(problem: Problem) -> float:
    """Wall seconds to give the day-schedule bound on `problem` by the size rule above (0: off)."""
    days = sum(len({problem.horizon.day_of(a.start) for a in v.availability}) for v in problem.advisors)
    return SCHEDULE_SECONDS if 0 < days <= SCHEDULE_MAX_DAYS else 0.0


# Column generation starts each class with this many of its placement columns more than its size,
# and stops when its bound is within TOLERANCE (relative) of the restricted LP's optimum: the LP is
# degenerate, so later rounds mostly trade one optimal dual for another (varied 120 s5: rounds 2-6 moved
# the bound by 0.002 % for 7 of its 9 CPU seconds).
START_COLUMNS = 3
TOLERANCE = 3e-5


def column_generation(relax: bound_model.Relaxation, deadline: float, method: str = "highs",
                      interrupter=None, max_rounds: int | None = None) -> tuple[float | None, int, np.ndarray | None]:
    """Solve `relax` over a growing subset of its columns until no left-out column prices in or
    `deadline` (time.perf_counter()) passes. Every round's prices bound the *whole* LP by weak duality,
    so the lowest is returned, proven whenever it stops: (bound or None if no round gave prices,
    rounds run, the prices that gave it). Most class placement columns are left out: with many alike advisors few are needed."""
    rng = np.random.default_rng(0)  # deterministic: the same week always gives the same bound
    keep = relax.group < 0
    placements = np.nonzero(~keep)[0]
    if len(placements):
        order = placements[np.lexsort((rng.random(len(placements)), relax.group[placements]))]
        groups = relax.group[order]
        first = np.searchsorted(groups, groups)  # first position of each column's class
        sizes = relax.ub[order]
        keep[order[np.arange(len(order)) - first < sizes + START_COLUMNS]] = True
    best, rounds, best_prices = None, 0, None
    while True:
        left = deadline - time.perf_counter()
        if rounds and (left <= 0 or rounds == max_rounds):
            break
        prices, found = solve_duals(relax.restricted(keep), max(0.05, left), method, interrupter)
        rounds += 1
        if prices is None:
            break
        reduced = relax.reduced_costs(prices)
        value = relax.dual_bound(prices)
        if best is None or value < best:
            best, best_prices = value, prices
        enter = (reduced > 1e-6) & ~keep
        # The restricted LP's optimum is a feasible point of the whole LP: close enough to it, stop.
        if not enter.any() or (found is not None and best - found <= TOLERANCE * abs(best) + 1):
            break
        keep |= enter
    return best, rounds, best_prices


def solve_duals(relax: bound_model.Relaxation, time_limit: float, method: str = "highs",
                interrupter=None) -> tuple[np.ndarray | None, float | None]:
    """(row prices, one per row of `relax`, from an LP solve, optimal or stopped early — None if the
    solver gave none; the objective of a feasible primal solution it found, or None). Any prices are
    safe to use: Relaxation.dual_bound turns them into a valid bound."""
    solver_type, algorithm = METHODS[method]
    params = parameters_pb2.SolveParametersProto()
    params.time_limit.FromTimedelta(timedelta(seconds=max(0.01, time_limit)))
    if solver_type != parameters_pb2.SOLVER_TYPE_HIGHS:  # HiGHS rejects a thread count; its LP is serial
        params.threads = 1
    if algorithm is not None:
        params.lp_algorithm = algorithm
    try:
        result = core.solve(to_proto(relax), solver_type, _init_args(), params, _model_params(), None,
                            _callback_registration(), None,
                            interrupter.pybind_interrupter if interrupter is not None else None)
    except Exception:  # a solver failure only costs tightness; the trivial bound stays valid
        return None, None
    best, found = None, None
    for solution in result.solutions:
        primal = solution.primal_solution
        if (solution.HasField("primal_solution")
                and primal.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE):
            found = primal.objective_value if found is None else max(found, primal.objective_value)
        if solution.HasField("dual_solution"):
            dual = solution.dual_solution.dual_values
            prices = np.zeros(len(relax.b))
            prices[np.asarray(dual.ids, dtype=np.int64)] = np.asarray(dual.values, dtype=float)
            for candidate in (prices, -prices):  # sign conventions differ; both are valid, keep the lower
                if best is None or relax.dual_bound(candidate) < relax.dual_bound(best):
                    best = candidate
    return best, found


def to_proto(relax: bound_model.Relaxation) -> model_pb2.ModelProto:
    """The relaxation as a MathOpt ModelProto (maximise), filled in bulk from its arrays."""
    proto = model_pb2.ModelProto()
    n, m = len(relax.c), len(relax.b)
    proto.variables.ids.extend(range(n))
    proto.variables.lower_bounds.extend([0.0] * n)
    proto.variables.upper_bounds.extend(relax.ub.tolist())
    proto.variables.integers.extend([False] * n)
    proto.objective.maximize = True
    proto.objective.offset = relax.offset
    nonzero = np.nonzero(relax.c)[0]
    proto.objective.linear_coefficients.ids.extend(nonzero.tolist())
    proto.objective.linear_coefficients.values.extend(relax.c[nonzero].tolist())
    proto.linear_constraints.ids.extend(range(m))
    proto.linear_constraints.lower_bounds.extend([-math.inf] * m)
    proto.linear_constraints.upper_bounds.extend(relax.b.tolist())
    # The matrix must be sorted by (row, column) without repeats: sum duplicates.
    key = relax.rows * max(1, n) + relax.cols
    unique, inverse = np.unique(key, return_inverse=True)
    values = np.bincount(inverse.reshape(-1), weights=relax.vals, minlength=len(unique))
    keep = values != 0
    matrix = proto.linear_constraint_matrix
    matrix.row_ids.extend((unique[keep] // max(1, n)).tolist())
    matrix.column_ids.extend((unique[keep] % max(1, n)).tolist())
    matrix.coefficients.extend(values[keep].tolist())
    return proto


def _init_args():
    return mathopt.StreamableSolverInitArguments().to_proto()


def _model_params():
    return mathopt.ModelSolveParameters().to_proto()


def _callback_registration():
    return mathopt.CallbackRegistration().to_proto()
