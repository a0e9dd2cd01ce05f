"""A proven upper bound from the time-indexed linear relaxation: every (appointment, advisor, start).

scheduler.bound_model aggregates alike appointments and forgets the time of day (its time-of-day rows
remember only some spans of each advisor-day); where many appointments have short windows that compete
for the same hours across advisors, that LP places far more than any plan can. On varied 30 s10 (1,727
appointments of 30 minutes, two thirds with one-hour windows) it places 1,690, while this LP's most
appointments placed is 1,631 — what the planner places.

Columns: y[a, v, t] ∈ [0, 1] for each appointment a, advisor v who may take it (a pinned one: its pin
only) and start t with [t, t + duration) inside one of a's windows and one of v's availability
intervals; q[v, s] ∈ [0, 1] a protected slot s of v inside an interval at least one protected block
long; k[v] ≤ v's protected target (minutes) kept. Rows: each appointment placed at most once; each
advisor-slot used at most once (appointments covering it plus q); the daily limit per advisor-day (of
starts); k[v] ≤ slot minutes · Σ_s q[v, s]; new clients' continuity by earning shares exactly as in
bound_model._allocation_rows. Objective: the score's terms per placement (assigned, continuity with
the named advisor, −separation for policing with the named advisor, no disruption at the previous
advisor and start), protected · k, the shares' continuity. A plan maps onto a feasible point with the
same or a higher objective (y its placements, q its protected blocks' slots, k its kept minutes, the
shares as in bound_model; penalties the LP cannot see — policing with an allocated advisor — dropped),
so by weak duality (bound_model.Relaxation.dual_bound) any non-negative prices bound every plan.
"""
from __future__ import annotations

import math
import time

import numpy as np

from scheduler import bound_model
from scheduler.bound import solve_duals, trivial_bound
from scheduler.model import Problem

# The most columns built (y and q); past this upper_bound returns None. Varied 30 s10: 374 k columns,
# solved in 3-8 s, 550 MB peak; 30 s8: 743 k, 47 s and 1.3 GB for 1,870 points; 30 s7: 1.26 M, 1.8 GB,
# not solved in 4 minutes. Wide windows make many starts: most 30-advisor weeks are past it.
# Where it is past it, it is not the LP that is loose on the worst weeks: on 30 s7 with the fill alone
# scored (assigned 1, the rest 0) PDLP's prices after 240 s bound it at 1,297.4 placements, the aggregated
# LP's 1,297 (the planner places 1,266); column generation over its placements (the appointment rows kept
# in a Lagrangian bound, starts priced by range minima) stayed far above the aggregated bound for 60 s —
# its early duals leave most slots unpriced. On 3 s7 (151 appointments) HiGHS proved the optimum 1,312,600
# against bound 1,312,862 while the planner found 1,282,200 in 60 s and 1,292,800 in 300 s.
MAX_COLUMNS = 500_000
# The bench gives its LP solve at most this many seconds (a solve stopped early still proves a bound,
# a loose one): 10-advisor weeks of 100-240 k columns took 0.3-31 s and lowered no bound.
BENCH_SECONDS = 20.0


def build(problem: Problem, max_columns: int = MAX_COLUMNS) -> bound_model.Relaxation | None:
    """The time-indexed relaxation (module docstring) as a bound_model.Relaxation, or None when it
    would have more than `max_columns` placement and protected-slot columns."""
    h, w = problem.horizon, problem.weights
    grid, lp = bound_model._Grid(problem), bound_model._Builder()
    clients = problem.client_by_id
    T = h.total_slots
    ivs = [[(iv.start, iv.end) for iv in v.availability] for v in grid.advisors]
    ys_a, ys_v, ys_t, ys_d, ys_c, new_flags = [], [], [], [], [], []
    count = 0
    for ai, a in enumerate(problem.appointments):
        client = clients[a.client]
        named = grid.index.get(client.named_advisor) if client.named_advisor is not None else None
        before = problem.previous.get(a.id)
        prev = (grid.index.get(before.advisor), before.start) if before is not None else None
        new_support = client.named_advisor is None and a.kind == "support"
        if a.pinned is not None:
            v = grid.index.get(a.pinned.advisor)
            options = [] if v is None else [(v, np.array([a.pinned.start], dtype=np.int64))]
        else:
            options = []
            for v, advisor in enumerate(grid.advisors):
                if not advisor.can_do(a.kind, a.skill):
                    continue
                starts = [np.arange(max(win.start, s), min(win.end, e) - a.duration + 1, dtype=np.int64)
                          for win in a.windows for s, e in ivs[v]]
                starts = np.unique(np.concatenate(starts)) if starts else np.zeros(0, np.int64)
                if len(starts):
                    options.append((v, starts))
        for v, starts in options:
            value = np.full(len(starts), float(w.assigned))
            if v == named:
                value += w.continuity * client.complexity if a.kind == "support" else -w.separation
            if prev is not None and prev[0] == v:
                value[starts == prev[1]] += w.disruption
            ys_a.append(np.full(len(starts), ai)), ys_v.append(np.full(len(starts), v)), ys_t.append(starts)
            ys_d.append(np.full(len(starts), a.duration)), ys_c.append(value)
            new_flags.append(np.full(len(starts), new_support))
            count += len(starts)
            if count > max_columns:
                return None
    cat = (lambda xs, t: np.concatenate(xs).astype(t) if xs else np.zeros(0, dtype=t))
    A, V, S, D, C, NEW = (cat(ys_a, np.int64), cat(ys_v, np.int64), cat(ys_t, np.int64), cat(ys_d, np.int64),
                          cat(ys_c, float), cat(new_flags, bool))
    y = lp.columns(np.ones(len(A)), C)
    # Protected slots: every slot of an interval at least one protected block long.
    q_v, q_s = [], []
    for v, advisor in enumerate(grid.advisors):
        if advisor.protected_minutes <= 0:
            continue
        for s, e in ivs[v]:
            if e - s >= h.protected_block_slots:
                q_v.append(np.full(e - s, v)), q_s.append(np.arange(s, e))
    Qv, Qs = cat(q_v, np.int64), cat(q_s, np.int64)
    if len(A) + len(Qv) > max_columns:
        return None
    q = lp.columns(np.ones(len(Qv)), np.zeros(len(Qv)))
    # Each appointment at most once.
    lp.rows_block(A, y, 1.0, np.ones(len(problem.appointments)))
    # Each advisor-slot at most once: row v * T + s, only those some column touches.
    cover_rows = [V[D > k] * T + S[D > k] + k for k in range(int(D.max()) if len(D) else 0)]
    cover_cols = [y[D > k] for k in range(len(cover_rows))]
    keys = np.concatenate(cover_rows + [Qv * T + Qs]) if cover_rows or len(Qv) else np.zeros(0, np.int64)
    cols = np.concatenate(cover_cols + [q]) if cover_cols or len(q) else np.zeros(0, np.int64)
    used, local = np.unique(keys, return_inverse=True)
    lp.rows_block(local.reshape(-1), cols, 1.0, np.ones(len(used)))
    # Daily limits (starts per advisor-day).
    day = S // h.slots_per_day
    for v, advisor in enumerate(grid.advisors):
        if advisor.max_appointments_per_day is None:
            continue
        mine = V == v
        days, local = np.unique(day[mine], return_inverse=True)
        lp.rows_block(local.reshape(-1), y[mine], 1.0, np.full(len(days), advisor.max_appointments_per_day))
    # Protected minutes kept.
    for v, advisor in enumerate(grid.advisors):
        slots = q[Qv == v]
        if advisor.protected_minutes > 0 and len(slots):
            k = lp.columns([advisor.protected_minutes], [w.protected])
            lp.row(np.concatenate([k, slots]), np.concatenate([[1.0], np.full(len(slots), -float(h.slot_minutes))]), 0)
    bound_model._allocation_rows(problem, grid, lp, {"cols": y, "adv": V}, y[NEW])
    return lp.done(-w.disruption * len(problem.previous))


def upper_bound(problem: Problem, time_limit: float = 60.0, stats: dict | None = None,
                max_columns: int = MAX_COLUMNS) -> int | None:
    """A proven upper bound on every valid plan's score (points) from the time-indexed LP's dual prices
    (weak duality, so a solve stopped early still proves one; without any prices, zero prices, capped
    at scheduler.bound.trivial_bound), or None when the LP is too large (`max_columns`).
    `time_limit`: wall seconds for the LP solve."""
    began = time.perf_counter()
    relax = build(problem, max_columns)
    built = time.perf_counter()
    value = None
    if relax is not None:
        prices = solve_duals(relax, max(0.05, time_limit), "highs")[0] if len(relax.c) else None
        if prices is None:  # no prices (no columns, or a solver failure): zero prices are still valid
            prices = np.zeros(len(relax.b))
        value = min(trivial_bound(problem), math.floor(relax.dual_bound(prices)))
    if stats is not None:
        stats.update(time_build_seconds=round(built - began, 3), time_solve_seconds=round(time.perf_counter() - built, 3),
                     time_columns=None if relax is None else len(relax.c), time_bound=value)
    return value
