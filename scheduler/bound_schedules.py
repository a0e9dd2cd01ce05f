"""A tighter proven bound by Dantzig–Wolfe column generation over whole advisor-day schedules.

scheduler.bound_days.lagrangian(π, μ) bounds every valid plan for *any* row prices π ≥ 0 on the
coupling rows of scheduler.bound_model's LP and caps μ ≥ 0 on its block columns. The LP's own prices
are rarely the best ones (its advisor-days are bags of minutes, not days). The best (π, μ) are the
optimal duals of the *master* LP whose advisor-day columns are whole day schedules x^s (the days the
DP of bound_days.best_days builds):

    max  c_out · x + Σ_s (c · x^s) λ_s
    s.t. coupling rows:   A_out x + Σ_s (A x^s) λ_s ≤ b      (prices π)
         one day per block:          Σ_{s in k} λ_s ≤ 1      (σ_k)
         column caps:          Σ_s x^s_j λ_s ≤ ub_j          (μ_j, for columns some schedule uses)
         0 ≤ x ≤ ub_out, λ ≥ 0.

Each round solves the master over the schedules found so far (its duals boxed around the best prices
so far), evaluates lagrangian() at a smoothed point between its duals and the best prices (Wentges
1997; the plain duals when the smoothed point finds no new day), keeps the lowest value (every one is
a valid bound, so stopping at any round leaves a proven bound) and adds the day each block's DP picked
there. The master's own value is never used as a bound; it only says when to stop.

The master lives in one MathOpt IncrementalSolver (GLOP, no presolve) for the whole run: new schedules
are new variables (new caps new rows), so GLOP re-solves from its last basis (measured on varied 30 s10:
a re-solve without change takes 0 iterations, one with 137 new days ~500). It still converges slowly on
large weeks: the new days price in heavily, so later re-solves take thousands of iterations (seconds at
30 advisors), and the Lagrangian values at the master's duals stay above the start for tens of rounds.
"""
from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
from ortools.math_opt.python import mathopt

from scheduler import bound_days
from scheduler.bound_model import Relaxation

# The master's duals are kept within BOX (relative) + BOX_POINTS of the best prices so far (du Merle
# et al. 1999's box without its penalty: the master's value is never used as a bound); BOX_SLACK caps
# the slack its box columns may buy or sell. Without it the first rounds' duals are far off (varied
# 30 s10: Lagrangian values 40 % above the LP's for 20 rounds). A tighter box (1 % + 1 point) did no
# better on 30 s10 and worse on 6-advisor weeks.
BOX = 0.05
# Wentges smoothing: days are priced at SMOOTHING × the best prices + (1 − SMOOTHING) × the master's duals.
SMOOTHING = 0.5
BOX_POINTS = 10.0
BOX_SLACK = 1e6


class _Master:
    """The restricted master LP in one MathOpt model solved incrementally by GLOP: new schedules are
    new variables, new caps new constraints, a new box centre new objective coefficients."""

    def __init__(self, relax: Relaxation):
        self.relax = relax
        days = relax.days
        self.model = model = mathopt.Model()
        self.coupling = np.nonzero(relax.row_block < 0)[0]
        self.rows = [model.add_linear_constraint(ub=float(relax.b[i])) for i in self.coupling.tolist()]
        self.row_of = np.full(len(relax.b), -1, dtype=np.int64)
        self.row_of[self.coupling] = np.arange(len(self.coupling))
        self.convexity = [model.add_linear_constraint(ub=1.0) for _ in range(len(days.start))]
        self.caps: dict[int, object] = {}  # block column -> its cap row
        entry = relax.row_block[relax.rows] < 0
        order = np.argsort(relax.cols[entry], kind="stable")
        self.e_col = relax.cols[entry][order]
        self.e_row = self.row_of[relax.rows[entry][order]]
        self.e_val = relax.vals[entry][order]
        self.e_start = np.searchsorted(self.e_col, np.arange(len(relax.c) + 1))
        objective = model.objective
        objective.is_maximize = True
        objective.offset = float(relax.offset)
        for j in np.nonzero(days.col_block < 0)[0].tolist():
            x = model.add_variable(lb=0.0, ub=float(relax.ub[j]))
            objective.set_linear_coefficient(x, float(relax.c[j]))
            for p in range(self.e_start[j], self.e_start[j + 1]):
                self.rows[self.e_row[p]].set_coefficient(x, float(self.e_val[p]))
        # Per boxed row (coupling rows, then caps as they come): its (buy, sell) slack columns.
        self.box: list[tuple[object, object]] = [self._box(row) for row in self.rows]
        self.mu_center = np.zeros(len(relax.c))  # the caps' box centre (recenter)
        self.seen: set = set()
        self.schedules = 0
        self.iterations = 0
        self.solver = mathopt.IncrementalSolver(model, mathopt.SolverType.GLOP)

    def _box(self, row) -> tuple[object, object]:
        buy = self.model.add_variable(lb=0.0, ub=BOX_SLACK)
        sell = self.model.add_variable(lb=0.0, ub=BOX_SLACK)
        row.set_coefficient(buy, -1.0)
        row.set_coefficient(sell, 1.0)
        return buy, sell

    def recenter(self, pi: np.ndarray, mu: np.ndarray) -> None:
        """Box the duals around row prices `pi` (of relax) and caps `mu` (per column of relax): buying
        slack costs centre + δ (the dual stays below it), selling earns centre − δ (it stays above)."""
        cap_cols = np.fromiter(self.caps, dtype=np.int64, count=len(self.caps))
        center = np.concatenate([np.maximum(pi[self.coupling], 0.0), np.maximum(mu[cap_cols], 0.0)])
        delta = BOX * center + BOX_POINTS
        objective = self.model.objective
        for (buy, sell), high, low in zip(self.box, (center + delta).tolist(), (center - delta).tolist()):
            objective.set_linear_coefficient(buy, -high)
            objective.set_linear_coefficient(sell, max(0.0, low))
        self.mu_center = mu

    def add(self, counts: np.ndarray) -> int:
        """Add each block's day in `counts` (per column, how often the DP placed it; see
        bound_days.lagrangian) unless the master has it already; how many were new."""
        relax, days = self.relax, self.relax.days
        used = np.nonzero((counts > 0) & (days.col_block >= 0))[0]
        if not len(used):
            return 0
        block = days.col_block[used]
        order = np.argsort(block, kind="stable")
        used, block = used[order], block[order]
        cuts = np.nonzero(np.diff(block))[0] + 1
        objective = self.model.objective
        added = 0
        for cols in np.split(used, cuts):
            k = int(days.col_block[cols[0]])
            times = counts[cols]
            key = (k, cols.tobytes(), times.tobytes())
            if key in self.seen:
                continue
            self.seen.add(key)
            lam = self.model.add_variable(lb=0.0)
            objective.set_linear_coefficient(lam, float(relax.c[cols] @ times))
            self.convexity[k].set_coefficient(lam, 1.0)
            row_sum: dict[int, float] = {}
            for j, n in zip(cols.tolist(), times.tolist()):
                for p in range(self.e_start[j], self.e_start[j + 1]):
                    r = int(self.e_row[p])
                    row_sum[r] = row_sum.get(r, 0.0) + float(self.e_val[p]) * n
                cap = self.caps.get(j)
                if cap is None:
                    cap = self.caps[j] = self.model.add_linear_constraint(ub=float(relax.ub[j]))
                    buy, sell = self._box(cap)
                    self.box.append((buy, sell))
                    centre = max(0.0, float(self.mu_center[j]))
                    objective.set_linear_coefficient(buy, -(centre * (1 + BOX) + BOX_POINTS))
                    objective.set_linear_coefficient(sell, max(0.0, centre * (1 - BOX) - BOX_POINTS))
                cap.set_coefficient(lam, n)
            for r, v in row_sum.items():
                if v:
                    self.rows[r].set_coefficient(lam, v)
            added += 1
        self.schedules += added
        return added

    def solve(self, seconds: float) -> tuple[np.ndarray, np.ndarray, float] | None:
        """(row prices of relax: the master's coupling duals, 0 elsewhere; caps per column of relax;
        the master's value) after a solve of at most `seconds`, or None without an optimal solve."""
        # Without presolve GLOP keeps its basis across solves (a presolved LP is a new LP each time).
        params = mathopt.SolveParameters(time_limit=timedelta(seconds=max(0.01, seconds)), threads=1,
                                         presolve=mathopt.Emphasis.OFF)
        try:
            result = self.solver.solve(params=params)
        except Exception:  # a solver failure only ends the improvement; the bounds found stand
            return None
        self.iterations = result.solve_stats.simplex_iterations
        if result.termination.reason != mathopt.TerminationReason.OPTIMAL or not result.has_dual_feasible_solution():
            return None
        duals = result.dual_values()
        pi = np.zeros(len(self.relax.b))
        pi[self.coupling] = [duals[row] for row in self.rows]
        mu = np.zeros(len(self.relax.c))
        if self.caps:
            mu[list(self.caps)] = [duals[row] for row in self.caps.values()]
        return np.maximum(pi, 0.0), np.maximum(mu, 0.0), result.objective_value()


def start_caps(relax: Relaxation, prices: np.ndarray) -> np.ndarray:
    """Caps μ at which lagrangian(prices, μ) is bound_days.day_bound(prices) (the master's first box
    centre): per block, the lower of day_bound's plain and capped DPs — μ = 0 on its columns where the
    plain DP is lower, else μ_j = max(0, c_j − (Aᵀπ)_j over all rows), at which no day earns more than
    the block's LP bound (bound_days's docstring)."""
    days = relax.days
    coupling = relax.row_block < 0
    pi = np.maximum(np.asarray(prices, dtype=float), 0.0)
    in_block = days.col_block >= 0
    capped = np.where(in_block, np.maximum(relax.reduced_costs(pi), 0.0), 0.0)
    with_caps = bound_days.lagrangian(relax, pi, capped)[1] + np.bincount(
        days.col_block[in_block], weights=(capped * relax.ub)[in_block], minlength=len(days.start))
    plain = bound_days.lagrangian(relax, np.where(coupling, pi, 0.0), np.zeros(len(relax.c)))[1]
    use = np.zeros(len(relax.c), dtype=bool)
    use[in_block] = (with_caps < plain)[days.col_block[in_block]]
    return np.where(use, capped, 0.0)


def improve(relax: Relaxation, prices: np.ndarray, deadline: float, max_rounds: int | None = None,
            stats: dict | None = None, on_round=None) -> float:
    """The lowest bound_days.lagrangian() value met (score points, valid for every plan) from the LP's
    `prices` (and start_caps) through the master's smoothed duals, until no block's day is new,
    `max_rounds` master solves, or `deadline` (time.perf_counter()). `on_round`,
    if given, is called with each round's Lagrangian value (for tests). `stats` gets rounds, schedules
    and the last master value."""
    pi = np.where(relax.row_block < 0, np.maximum(prices, 0.0), 0.0)
    mu = start_caps(relax, prices)
    best, _, counts = bound_days.lagrangian(relax, pi, mu)
    if on_round is not None:
        on_round(best)
    best_pi, best_mu = pi, mu
    master = _Master(relax)
    master.recenter(pi, mu)
    master.add(counts)
    rounds, value = 0, None
    while (max_rounds is None or rounds < max_rounds) and time.perf_counter() < deadline:
        solved = master.solve(deadline - time.perf_counter())
        rounds += 1
        if solved is None:
            break
        pi, mu, value = solved
        added, improved = 0, False
        for alpha in (SMOOTHING, 0.0):  # a smoothed point that finds no new day: the master's own duals
            at_pi, at_mu = alpha * best_pi + (1 - alpha) * pi, alpha * best_mu + (1 - alpha) * mu
            bound, _, counts = bound_days.lagrangian(relax, at_pi, at_mu)
            if on_round is not None:
                on_round(bound)
            if bound < best:
                best, best_pi, best_mu, improved = bound, at_pi, at_mu, True
            added = master.add(counts)
            if added or alpha == 0.0:
                break
        if not added:
            break  # no day prices in at these duals
        if improved:
            master.recenter(best_pi, best_mu)
    if stats is not None:
        stats.update(schedule_rounds=rounds, schedules=master.schedules, master_value=value)
    return best
