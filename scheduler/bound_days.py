"""A tighter bound from the same prices: each advisor-day priced exactly (Lagrangian relaxation).

scheduler.bound_model's LP treats an advisor-day as a bag of minutes (its capacity, daily-limit and
time-of-day rows); a real day is a sequence: an appointment sits inside one availability interval, at
one start, and leftover minutes in a split shift or between long appointments are lost. Keep the LP's
prices π ≥ 0 on the *coupling* rows only (classes, one-placement rows, allocation shares, protected
targets) and drop the day's own rows. For every valid plan x (integral; bound_model's docstring maps
it), score ≤ offset + π·(b − A x) + c·x = offset + π·b + Σ_j r_j x_j with r = c − Aᵀπ over coupling
rows. The columns outside every block add at most ub_j · max(0, r_j). A block's columns are the placed
appointments of one real day of one advisor, so their Σ r_j x_j is at most the best *schedule* of that
day at profits r — and also at most the LP's own bound of the block (its rows' prices times their
right-hand sides plus its columns' positive reduced costs), since the day's rows hold for that
schedule. The DP forgets each column's upper bound x_j ≤ ub_j (it may place one column twice), so a
third bound prices those too, at μ_j = max(0, full reduced cost_j) ≥ 0: Σ r_j x_j = Σ (r_j − μ_j) x_j +
Σ μ_j x_j ≤ DP(r − μ) + μ·ub. With these μ no day profit exceeds the block rows' price of the
column, so this one is also at most the block's LP bound, and it is often below the plain DP where a
lucrative column is short of room. The smallest of the three is taken per block, so this bound is
never above the LP dual bound for the same prices.

The best schedule is found by dynamic programming over the day's slots, a relaxation in its turn
(every step only loosens it, so the bound stays valid): an item is a column with r_j > 0, placeable at
any start inside its hull [lo, hi) (windows may have holes there) and inside one availability
interval, as often as the daily limit allows (its own upper bound and its class size are forgotten);
protected time is any run of at least protected_block_slots slots inside one interval, worth r of the
block's protected column per slot; at most `limit` starts in the day.
"""
from __future__ import annotations

import numpy as np

from scheduler.bound_model import Relaxation

_NONE = -np.inf


def day_bound(relax: Relaxation, prices: np.ndarray, caps: bool = True) -> float:
    """The Lagrangian bound above for prices π (negative entries read as 0); at most
    relax.dual_bound(prices) up to float rounding, and, like it, at least every valid plan's score.
    `caps=False` leaves out the bound with the columns' upper bounds priced (for comparison)."""
    days = relax.days
    pi = np.maximum(np.asarray(prices, dtype=float), 0.0)
    n = len(relax.c)
    coupling_row = relax.row_block < 0
    entry_coupling = coupling_row[relax.rows]
    weighted = relax.vals * pi[relax.rows]
    r = relax.c - np.bincount(relax.cols[entry_coupling], weights=weighted[entry_coupling], minlength=n)
    full = r - np.bincount(relax.cols[~entry_coupling], weights=weighted[~entry_coupling], minlength=n)
    blocks = len(days.start)
    in_block = days.col_block >= 0
    lp_block = (np.bincount(relax.row_block[~coupling_row], weights=(pi * relax.b)[~coupling_row], minlength=blocks)
                + np.bincount(days.col_block[in_block], weights=(relax.ub * np.maximum(full, 0.0))[in_block],
                              minlength=blocks))
    outside = (relax.offset + float(pi[coupling_row] @ relax.b[coupling_row])
               + float(relax.ub[~in_block] @ np.maximum(r[~in_block], 0.0)))
    exact = best_days(days, r) if blocks else np.zeros(0)
    per_block = np.minimum(lp_block, exact)
    capped = np.zeros(0)
    if blocks and caps:
        mu = np.where(in_block, np.maximum(full, 0.0), 0.0)
        capped = best_days(days, r - mu) + np.bincount(days.col_block[in_block], weights=(mu * relax.ub)[in_block],
                                                       minlength=blocks)
        per_block = np.minimum(per_block, capped)
    value = outside + float(per_block.sum())
    magnitude = (abs(relax.offset) + float(pi @ np.abs(relax.b))
                 + float(relax.ub @ (np.abs(relax.c) + np.bincount(relax.cols, weights=np.abs(weighted), minlength=n)))
                 + float(np.abs(exact).sum()) + float(np.abs(capped).sum()))
    return value + 1e-9 * magnitude


def best_days(days, r: np.ndarray, choose: bool = False):
    """Per block, the best (relaxed) schedule of its day at profits `r` per column (see the module
    docstring), by a backward DP over slots, vectorised over blocks: g[t][b, k] is the most the slots
    from t on can earn when k starts are already used that day. With `choose`, (those values, how
    often each column is placed in one such best schedule per block — a protected column counts its
    slots); else the values alone."""
    blocks, spd = days.run_end.shape
    items = np.nonzero((days.col_block >= 0) & (r > 0) & (days.dur > 0))[0]
    durations = np.unique(days.dur[items])
    # best[b, i, t]: the most an item of durations[i] starting at day-local slot t earns in block b;
    # column[b, i, t]: a column that earns it (only if `choose`).
    best = np.full((blocks, len(durations), spd), _NONE)
    column = np.full(best.shape, -1, dtype=np.int64) if choose else None
    if len(items):
        block = days.col_block[items]
        which = np.searchsorted(durations, days.dur[items])
        first = np.maximum(days.lo[items] - days.start[block], 0)
        last = np.minimum(days.hi[items] - days.start[block], spd) - days.dur[items]  # last start, inclusive
        keep = last >= first
        block, which, first, last, profit = block[keep], which[keep], first[keep], last[keep], r[items][keep]
        # Alike ranges (many columns share one) keep their best profit before they are spread out.
        key = np.stack([block, which, first, last], axis=1)
        unique, inverse = np.unique(key, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        top = np.full(len(unique), _NONE)
        np.maximum.at(top, inverse, profit)
        lengths = unique[:, 3] - unique[:, 2] + 1
        rep = np.repeat(np.arange(len(unique)), lengths)
        t = unique[rep, 2] + (np.arange(len(rep)) - np.repeat(np.cumsum(lengths) - lengths, lengths))
        where = (unique[rep, 0], unique[rep, 1], t)
        np.maximum.at(best, where, top[rep])
        if choose:
            top_column = np.full(len(unique), -1, dtype=np.int64)
            hit = profit == top[inverse]
            top_column[inverse[hit]] = items[keep][hit]
            hit = top[rep] == best[where]
            column[tuple(x[hit] for x in where)] = top_column[rep[hit]]
    slots = np.arange(spd)
    fits = days.run_end[:, None, :] >= slots[None, None, :] + durations[None, :, None]
    best = np.where(fits, best, _NONE)
    # Protected runs of length L in [B, 2B): any run of at least B slots is a sequence of them.
    per_slot = np.zeros(blocks)
    has = days.protected_col >= 0
    per_slot[has] = np.maximum(r[days.protected_col[has]], 0.0)
    runs = np.arange(days.block_slots, 2 * days.block_slots) if (per_slot > 0).any() else np.zeros(0, np.int64)
    limited = days.limit >= 0
    K = int(days.limit[limited].max()) + 1 if limited.any() else 1
    step = limited.astype(np.int64)  # a start uses one of the day's `limit` only where there is one
    ks = np.arange(K)
    allowed = np.where(limited[:, None], ks[None, :] <= days.limit[:, None], ks[None, :] == 0)
    horizon = spd + max(int(durations.max()) if len(durations) else 0, int(runs.max()) if len(runs) else 0) + 1
    g = [None] * horizon
    zero = np.where(allowed, 0.0, _NONE)
    for t in range(spd, horizon):
        g[t] = zero
    rows = np.arange(blocks)[:, None]
    cap = np.where(limited, days.limit, K - 1)
    shifted = np.minimum(ks[None, :] + step[:, None], K - 1)
    over = (ks[None, :] + step[:, None]) > cap[:, None]
    for t in range(spd - 1, -1, -1):
        value = g[t + 1].copy()
        for i, d in enumerate(durations.tolist()):
            gain = best[:, i, t]
            if np.isneginf(gain).all():
                continue
            after = np.where(over, _NONE, g[t + d][rows, shifted])
            np.maximum(value, gain[:, None] + after, out=value)
        for length in runs.tolist():
            ok = days.run_end[:, t] >= t + length
            if ok.any():
                gain = np.where(ok, per_slot * length, _NONE)
                np.maximum(value, gain[:, None] + g[t + length], out=value)
        g[t] = np.where(allowed, value, _NONE)
    values = g[0][:, 0] if blocks else np.zeros(0)
    if not choose:
        return values
    return values, _chosen(days, np.stack(g), best, column, durations, runs, per_slot, step, cap, len(r))


def _chosen(days, g, best, column, durations, runs, per_slot, step, cap, n) -> np.ndarray:
    """Walk the DP table g (horizon, blocks, K) forwards from (slot 0, no starts) along a best move
    per block; how often each of the n columns is taken (protected columns: slots)."""
    blocks, spd = days.run_end.shape
    counts = np.zeros(n)
    pos = np.zeros(blocks, dtype=np.int64)
    k = np.zeros(blocks, dtype=np.int64)
    while True:
        b = np.nonzero(pos < spd)[0]
        if not len(b):
            return counts
        t, kb = pos[b], k[b]
        after_k = kb + step[b]
        options = [g[t + 1, b, kb]]  # leave the slot empty
        for i, d in enumerate(durations.tolist()):
            later = g[t + d, b, np.minimum(after_k, g.shape[2] - 1)]
            options.append(np.where(after_k > cap[b], _NONE, best[b, i, t] + later))
        for length in runs.tolist():
            options.append(np.where(days.run_end[b, t] >= t + length, per_slot[b] * length, _NONE)
                           + g[t + length, b, kb])
        choice = np.argmax(np.stack(options, axis=1), axis=1)
        move = np.ones(len(b), dtype=np.int64)
        placed = (choice >= 1) & (choice <= len(durations))
        if placed.any():
            which = choice[placed] - 1
            np.add.at(counts, column[b[placed], which, t[placed]], 1.0)
            move[placed] = durations[which]
            k[b[placed]] = after_k[placed]
        protect = choice > len(durations)
        if protect.any():
            length = runs[choice[protect] - 1 - len(durations)]
            np.add.at(counts, days.protected_col[b[protect]], length.astype(float))
            move[protect] = length
        pos[b] += move


def lagrangian(relax: Relaxation, prices: np.ndarray, caps: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """The Lagrangian bound at row prices π = `prices` on the coupling rows (block rows' entries are
    ignored) and caps μ = `caps` on the block columns' upper bounds x_j ≤ ub_j (one per column; negative
    entries read as 0, non-block columns ignored): each day earns its best DP schedule at profits
    r − μ and the blocks earn μ·ub besides (valid since every plan keeps x_j ≤ ub_j); the columns
    outside every block earn ub · max(0, r). Valid for any π, μ ≥ 0, like day_bound, but never falls
    back on a block's LP bound, so it is the dual function of scheduler.bound_schedules's master.
    (bound in points, per block the DP's best day at r − μ, how often each column is in those days)"""
    days = relax.days
    coupling_row = relax.row_block < 0
    pi = np.where(coupling_row, np.maximum(np.asarray(prices, dtype=float), 0.0), 0.0)
    n = len(relax.c)
    weighted = relax.vals * pi[relax.rows]
    r = relax.c - np.bincount(relax.cols, weights=weighted, minlength=n)
    in_block = days.col_block >= 0
    mu = np.where(in_block, np.maximum(np.asarray(caps, dtype=float), 0.0), 0.0)
    if len(days.start):
        exact, counts = best_days(days, r - mu, choose=True)
    else:
        exact, counts = np.zeros(0), np.zeros(n)
    value = (relax.offset + float(pi @ relax.b) + float(relax.ub[~in_block] @ np.maximum(r[~in_block], 0.0))
             + float(exact.sum()) + float(mu @ relax.ub))
    magnitude = (abs(relax.offset) + float(pi @ np.abs(relax.b))
                 + float(relax.ub @ (np.abs(relax.c) + np.bincount(relax.cols, weights=np.abs(weighted), minlength=n)))
                 + float(np.abs(exact).sum()) + 2.0 * float(mu @ relax.ub))
    return value + 1e-9 * magnitude, exact, counts
