"""The aggregated linear relaxation behind scheduler.bound, built as arrays.

Times inside a day are forgotten: an appointment goes to an (advisor, day) on which it could fit, and
each advisor-day offers its available slots (shared with protected time) and its daily limit; time-of-day
rows remember short windows. Every valid plan maps onto a feasible point of this LP with the same or a
higher objective (penalties the relaxation cannot see are dropped, never added), so by weak duality
every non-negative price vector bounds every plan (Relaxation.dual_bound).

Aggregation: unpinned appointments with the same kind, skill, duration and windows (and, for policing,
the same named advisor, whom they must avoid to escape the separation penalty) form one *class*. A
class gets one column per (advisor, day), an integer count up to the class size with the objective of
a plain placement. An appointment keeps its own columns where it scores differently: with its named
advisor (continuity, or the separation penalty) and on its previous (advisor, day) (no disruption).
A plan's appointment placed there goes to its own column, any other to its class's column; the class
row (all of them at most the class size) holds. New clients' continuity goes through earning shares
(see _allocation_rows).

All rows are `A x ≤ b` with `0 ≤ x ≤ ub`; the objective is `c · x + offset` (score points).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from scheduler.model import Problem

# Most distinct occupied spans of one advisor-day that get a time-of-day row (see _time_of_day_rows).
MAX_SPANS = 120
# Up to this many distinct spans, the time-of-day rows try every [L, H) between them, not only the spans.
PAIR_SPANS = 40
_FAR = 1 << 40


@dataclass
class Relaxation:
    """`rows`, `cols`, `vals`: the COO entries of A (duplicates summed); `b` per row, `ub` and `c` per
    column, `offset` a constant (score points). Every number is a whole number. `group` per column:
    the class of a class placement column, −1 for every other column (for column generation)."""
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    b: np.ndarray
    ub: np.ndarray
    c: np.ndarray
    offset: float
    group: np.ndarray
    # Per row: the advisor-day block it belongs to (−1: a coupling row); see scheduler.bound_days.
    row_block: np.ndarray | None = None
    days: "DayBlocks | None" = None

    def restricted(self, keep: np.ndarray) -> "Relaxation":
        """The LP with only the columns where `keep` (a bool per column) is set; every row stays, so
        its prices are prices of this LP too."""
        index = np.nonzero(keep)[0]
        renumber = np.full(len(self.c), -1, dtype=np.int64)
        renumber[index] = np.arange(len(index))
        entries = keep[self.cols]
        return Relaxation(self.rows[entries], renumber[self.cols[entries]], self.vals[entries], self.b,
                          self.ub[index], self.c[index], self.offset, self.group[index], self.row_block)

    def reduced_costs(self, prices: np.ndarray) -> np.ndarray:
        """c − Aᵀπ per column, for prices π (negative entries read as 0)."""
        pi = np.maximum(np.asarray(prices, dtype=float), 0.0)
        return self.c - np.bincount(self.cols, weights=self.vals * pi[self.rows], minlength=len(self.c))

    def dual_bound(self, prices: np.ndarray) -> float:
        """Weak duality: for any prices π ≥ 0 (one per row; negative entries are read as 0),
        offset + π·b + Σ_j ub_j · max(0, c_j − (Aᵀπ)_j) is at least the LP's optimum, hence at least
        every valid plan's score. The float rounding of this sum is allowed for: it is below
        (terms summed) × 2⁻⁵² × (the sum of the terms' magnitudes), far below the 1e-9 added here."""
        pi = np.maximum(np.asarray(prices, dtype=float), 0.0)
        weighted = self.vals * pi[self.rows]
        n = len(self.c)
        reduced = self.c - np.bincount(self.cols, weights=weighted, minlength=n)
        value = self.offset + float(pi @ self.b) + float(self.ub @ np.maximum(reduced, 0.0))
        magnitude = (abs(self.offset) + float(pi @ np.abs(self.b))
                     + float(self.ub @ (np.abs(self.c) + np.bincount(self.cols, weights=np.abs(weighted), minlength=n))))
        return value + 1e-9 * magnitude


@dataclass
class DayBlocks:
    """The advisor-days whose placements scheduler.bound_days prices exactly (single-day groups: no
    interval runs past midnight into or out of them). Per column: `col_block` (−1: in no block),
    `lo`, `hi` (the hull of the slots it may occupy) and `dur` (slots). Per block: `start` (its day's
    first slot), `limit` (max starts that day, −1 none), `run_end` (shape (blocks, slots_per_day): the
    day-local end of the availability interval holding each slot, or the slot itself where none) and
    `protected_col` (its protected-slots column, −1 none); `block_slots`: protected_block_slots."""
    col_block: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    dur: np.ndarray
    start: np.ndarray
    limit: np.ndarray
    run_end: np.ndarray
    protected_col: np.ndarray
    block_slots: int


class _Builder:
    def __init__(self):
        self.b, self.ub, self.c, self.group = [], [], [], []
        self.rows, self.cols, self.vals = [], [], []
        self.row_block = []

    def columns(self, ub, c, group: int = -1) -> np.ndarray:
        first = len(self.ub)
        self.ub.extend(np.asarray(ub, dtype=float).tolist())
        self.c.extend(np.asarray(c, dtype=float).tolist())
        self.group.extend([group] * (len(self.ub) - first))
        return np.arange(first, len(self.ub))

    def row(self, cols, vals, b, block: int = -1) -> None:
        self.rows_block(np.zeros(len(cols), dtype=np.int64), cols, vals, [b], block)

    def rows_block(self, local_rows, cols, vals, bs, block: int = -1) -> None:
        """Many rows at once: entry i goes to row `len(b) + local_rows[i]`; all in advisor-day `block`."""
        first = len(self.b)
        self.b.extend(float(x) for x in bs)
        self.row_block.extend([block] * len(bs))
        self.rows.append(np.asarray(local_rows, dtype=np.int64) + first)
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=float), (len(cols),)).copy())

    def done(self, offset: float, days: DayBlocks | None = None) -> Relaxation:
        cat = (lambda xs, t: np.concatenate(xs).astype(t) if xs else np.zeros(0, dtype=t))
        return Relaxation(cat(self.rows, np.int64), cat(self.cols, np.int64), cat(self.vals, float),
                          np.array(self.b, dtype=float), np.array(self.ub, dtype=float),
                          np.array(self.c, dtype=float), float(offset), np.array(self.group, dtype=np.int64),
                          np.array(self.row_block, dtype=np.int64), days)


class _Grid:
    """Every advisor's availability intervals, flattened, for vectorised placement tests."""

    def __init__(self, problem: Problem):
        h = problem.horizon
        self.spd, self.days = h.slots_per_day, h.days
        self.day_start = np.arange(h.days) * self.spd
        self.advisors = [v for v in problem.advisors if v.availability]
        self.index = {v.id: i for i, v in enumerate(self.advisors)}
        self.iv_start = np.array([a.start for v in self.advisors for a in v.availability], dtype=np.int64)
        self.iv_end = np.array([a.end for v in self.advisors for a in v.availability], dtype=np.int64)
        counts = [len(v.availability) for v in self.advisors]
        self.offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if counts else np.zeros(0, np.int64)
        self.bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64) if counts else np.zeros(1, np.int64)

    def spans(self, windows, duration: int, advisors: np.ndarray):
        """For the advisor indices `advisors` (sorted), the hull [lo, hi) of the slots an appointment
        may occupy when it starts on each day, shapes (len(advisors), days); lo = _FAR where it cannot."""
        pieces = [np.arange(self.bounds[i], self.bounds[i + 1]) for i in advisors]
        ivs = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
        starts = np.cumsum([0] + [len(p) for p in pieces[:-1]]).astype(np.int64)
        lo = np.full((len(ivs), self.days), _FAR, dtype=np.int64)
        hi = np.full((len(ivs), self.days), -1, dtype=np.int64)
        for w in windows:
            first = np.maximum(np.maximum(w.start, self.iv_start[ivs])[:, None], self.day_start[None, :])
            last = np.minimum((np.minimum(w.end, self.iv_end[ivs]) - duration)[:, None],
                              self.day_start[None, :] + self.spd - 1)
            ok = last >= first
            lo = np.minimum(lo, np.where(ok, first, _FAR))
            hi = np.maximum(hi, np.where(ok, last + duration, -1))
        if not len(ivs):
            return lo.reshape(0, self.days), hi.reshape(0, self.days)
        return np.minimum.reduceat(lo, starts, axis=0), np.maximum.reduceat(hi, starts, axis=0)

    def whole_days(self, windows) -> np.ndarray:
        """Per day: does one window cover it all (then the day's own capacity row covers the span)."""
        return np.array([any(w.start <= s and w.end >= s + self.spd for w in windows) for s in self.day_start])


def build(problem: Problem) -> Relaxation:
    """The aggregated relaxation of `problem` (see the module docstring); pure, no solver."""
    h, w = problem.horizon, problem.weights
    grid, lp = _Grid(problem), _Builder()
    clients = problem.client_by_id
    able = {}  # (kind, skill) -> sorted advisor indices that may take it
    for a in problem.appointments:
        if (a.kind, a.skill) not in able:
            able[(a.kind, a.skill)] = np.array([i for i, v in enumerate(grid.advisors) if v.can_do(a.kind, a.skill)],
                                               dtype=np.int64)
    # Placement columns: (column ids, advisor idx, day, lo, hi, whole-day flag, duration, new-support flag)
    placed = defaultdict(list)

    def add_columns(windows, duration, advisors, ub, value_of, spans=None, group=-1):
        """Columns for every (advisor, day) an appointment (or class) fits; value_of(advisor idx) -> c."""
        if spans is None:
            lo, hi = grid.spans(windows, duration, advisors)
        else:
            lo, hi = spans
        ai, day = np.nonzero(lo < _FAR)
        if not len(ai):
            return np.zeros(0, np.int64)
        adv = advisors[ai]
        cols = lp.columns(np.full(len(ai), ub), [value_of(x) for x in adv.tolist()], group)
        whole = grid.whole_days(windows)[day]
        for key, value in (("cols", cols), ("adv", adv), ("day", day), ("lo", lo[ai, day]), ("hi", hi[ai, day]),
                           ("whole", whole), ("dur", np.full(len(ai), duration))):
            placed[key].append(value)
        return cols

    classes = defaultdict(list)
    new_support_cols = []
    for a in problem.appointments:
        client = clients[a.client]
        named = grid.index.get(client.named_advisor) if client.named_advisor is not None else None
        new_support = client.named_advisor is None and a.kind == "support"
        before = problem.previous.get(a.id)
        prev_adv = grid.index.get(before.advisor) if before is not None else None
        prev_day = h.day_of(before.start) if before is not None else None

        def value_of(v, a=a, named=named, client=client):
            value = w.assigned
            if v == named:
                value += w.continuity * client.complexity if a.kind == "support" else -w.separation
            return value

        if a.pinned is not None:
            v = grid.index.get(a.pinned.advisor)
            if v is None:
                continue
            day = h.day_of(a.pinned.start)
            lo = np.full((1, grid.days), _FAR, dtype=np.int64)
            hi = np.full((1, grid.days), -1, dtype=np.int64)
            lo[0, day], hi[0, day] = a.pinned.start, a.pinned.start + a.duration
            cols = add_columns((), a.duration, np.array([v]), 1,
                               lambda x: value_of(x) + (w.disruption if (x, day) == (prev_adv, prev_day) else 0),
                               spans=(lo, hi))
            if new_support:
                new_support_cols.append(cols)
            continue
        special = sorted({x for x in (named, prev_adv) if x is not None and x in set(able[(a.kind, a.skill)].tolist())})
        key = (a.kind, a.skill, a.duration, a.windows, named if a.kind == "policing" else None, new_support)
        members = classes[key]
        cols_a = []
        for v in special:
            lo, hi = grid.spans(a.windows, a.duration, np.array([v]))
            if v == prev_adv and 0 <= prev_day < grid.days and lo[0, prev_day] < _FAR:
                kept = np.full_like(lo, _FAR)
                kept[0, prev_day] = lo[0, prev_day]
                lo = np.where(kept < _FAR, _FAR, lo)  # v's other days: no disruption bonus
                cols_a.append(add_columns(a.windows, a.duration, np.array([v]), 1,
                                          lambda x: value_of(x) + w.disruption, spans=(kept, hi)))
            if v == named:  # (other advisors' days, previous or not, are the class's plain placements)
                cols_a.append(add_columns(a.windows, a.duration, np.array([v]), 1, value_of, spans=(lo, hi)))
        cols_a = np.concatenate(cols_a) if cols_a else np.zeros(0, np.int64)
        if len(cols_a) > 1:
            lp.row(cols_a, 1.0, 1)
        if new_support:
            new_support_cols.append(cols_a)
        members.append(cols_a)

    for number, ((kind, skill, duration, windows, avoid, new_support), members) in enumerate(classes.items()):
        advisors = able[(kind, skill)]
        if avoid is not None:
            advisors = advisors[advisors != avoid]
        cols = add_columns(windows, duration, advisors, len(members), lambda x: w.assigned, group=number)
        if new_support:
            new_support_cols.append(cols)
        everything = np.concatenate([cols] + members)
        if len(everything):
            lp.row(everything, 1.0, len(members))

    cat = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in placed.items()}
    if not cat:
        cat = {k: np.zeros(0, np.int64) for k in ("cols", "adv", "day", "lo", "hi", "whole", "dur")}
    cat["ub"] = np.array(lp.ub, dtype=float)[cat["cols"]]
    days = _day_rows(problem, grid, lp, cat)
    _allocation_rows(problem, grid, lp, cat, np.concatenate(new_support_cols) if new_support_cols else np.zeros(0, np.int64))
    extra = len(lp.ub) - len(days.col_block)  # the allocation rows' share columns: in no block
    days.col_block = np.concatenate([days.col_block, np.full(extra, -1, dtype=np.int64)])
    days.lo, days.hi, days.dur = (np.concatenate([x, np.full(extra, -1, dtype=np.int64)])
                                  for x in (days.lo, days.hi, days.dur))
    return lp.done(-w.disruption * len(problem.previous), days)


def _day_rows(problem: Problem, grid: _Grid, lp: _Builder, cat) -> DayBlocks:
    """Daily limits, capacity per day group (with protected time) and time-of-day rows. A day group of
    one day is an advisor-day *block*: its rows hold only its own columns (scheduler.bound_days may
    replace them by an exact price of the day); the blocks are returned."""
    h, w = problem.horizon, problem.weights
    order = np.lexsort((cat["day"], cat["adv"]))
    sorted_key = (cat["adv"] * grid.days + cat["day"])[order]
    cuts = np.searchsorted(sorted_key, np.arange(len(grid.advisors) * grid.days + 1))
    col_block = np.full(len(lp.ub), -1, dtype=np.int64)
    starts, limits, run_ends, protected_cols = [], [], [], []
    for i, advisor in enumerate(grid.advisors):
        groups = _day_groups(problem, advisor)
        sizes = defaultdict(int)
        for g in groups.values():
            sizes[g] += 1
        by_group, blockable = defaultdict(int), defaultdict(int)
        for avail in advisor.availability:
            g = groups[h.day_of(avail.start)]
            by_group[g] += avail.length
            if avail.length >= h.protected_block_slots:
                blockable[g] += avail.length
        block_of = {}
        for g in sorted(set(groups.values())):
            if sizes[g] == 1 and by_group[g]:
                block_of[g] = len(starts)
                start = g * grid.spd
                run_end = np.arange(grid.spd, dtype=np.int64)
                for avail in advisor.availability:
                    if h.day_of(avail.start) == g:
                        run_end[avail.start - start:avail.end - start] = avail.end - start
                starts.append(start)
                limits.append(-1 if advisor.max_appointments_per_day is None else advisor.max_appointments_per_day)
                run_ends.append(run_end)
                protected_cols.append(-1)
        group_cols = defaultdict(list)
        for d in range(grid.days):
            sel = order[cuts[i * grid.days + d]:cuts[i * grid.days + d + 1]]
            if not len(sel):
                continue
            block = block_of.get(groups[d], -1)
            col_block[cat["cols"][sel]] = block
            group_cols[groups[d]].append(sel)
            if advisor.max_appointments_per_day is not None:
                lp.row(cat["cols"][sel], 1.0, advisor.max_appointments_per_day, block)
            _time_of_day_rows(advisor, lp, cat, sel, block)
        kept_terms = []
        for g in sorted(set(groups.values())):
            block = block_of.get(g, -1)
            sel = np.concatenate(group_cols[g]) if group_cols[g] else np.zeros(0, np.int64)
            cols, vals = cat["cols"][sel], cat["dur"][sel].astype(float)
            if advisor.protected_minutes > 0 and blockable[g]:
                prot = lp.columns([blockable[g]], [0.0])
                kept_terms.append(prot)
                if block >= 0:
                    protected_cols[block] = int(prot[0])
                cols, vals = np.concatenate([cols, prot]), np.concatenate([vals, [1.0]])
            if len(cols):
                lp.row(cols, vals, by_group[g], block)
        if kept_terms:
            kept = lp.columns([advisor.protected_minutes], [w.protected])
            terms = np.concatenate(kept_terms)
            lp.row(np.concatenate([kept, terms]), np.concatenate([[1.0], np.full(len(terms), -float(h.slot_minutes))]), 0)
    n = len(lp.ub)
    col_block = np.concatenate([col_block, np.full(n - len(col_block), -1, dtype=np.int64)])
    for block, col in enumerate(protected_cols):
        if col >= 0:
            col_block[col] = block
    lo, hi, dur = (np.full(n, -1, dtype=np.int64) for _ in range(3))
    lo[cat["cols"]], hi[cat["cols"]], dur[cat["cols"]] = cat["lo"], cat["hi"], cat["dur"]
    return DayBlocks(col_block, lo, hi, dur, np.array(starts, dtype=np.int64), np.array(limits, dtype=np.int64),
                     np.array(run_ends, dtype=np.int64).reshape(len(starts), grid.spd),
                     np.array(protected_cols, dtype=np.int64), h.protected_block_slots)


def _time_of_day_rows(advisor, lp: _Builder, cat, sel, block: int = -1) -> None:
    """Rows that remember the time of day: the placements an advisor takes on one day that can only lie
    inside [L, H) share its available slots in [L, H) (disjoint slots in every plan). Candidates: every
    [L, H) from one span's start to another's end when the day has at most PAIR_SPANS distinct spans,
    else the MAX_SPANS narrowest spans; of those whose possible demand exceeds the slots, the MAX_SPANS
    that exceed them most get a row."""
    sel = sel[~cat["whole"][sel]]
    if not len(sel):
        return
    lo, hi = cat["lo"][sel], cat["hi"][sel]
    spans, inverse = np.unique(np.stack([lo, hi], axis=1), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    ub = cat["ub"][sel]
    demand = np.bincount(inverse, weights=cat["dur"][sel] * ub, minlength=len(spans))
    if len(spans) <= PAIR_SPANS:  # few spans: every [L, H) from one span's start to another's end
        lows, highs = np.meshgrid(np.unique(spans[:, 0]), np.unique(spans[:, 1]), indexing="ij")
        cand = np.stack([lows.ravel(), highs.ravel()], axis=1)
        cand = cand[cand[:, 1] > cand[:, 0]]
    else:
        cand = spans[np.argsort(spans[:, 1] - spans[:, 0], kind="stable")[:MAX_SPANS]]
    inside = (spans[None, :, 0] >= cand[:, 0, None]) & (spans[None, :, 1] <= cand[:, 1, None])
    starts = np.array([a.start for a in advisor.availability])
    ends = np.array([a.end for a in advisor.availability])
    capacity = np.maximum(0, np.minimum(ends[None, :], cand[:, 1, None]) - np.maximum(starts[None, :], cand[:, 0, None])).sum(axis=1)
    excess = inside.astype(float) @ demand - capacity
    binding = np.nonzero(excess > 0)[0]
    if not len(binding):
        return
    binding = binding[np.argsort(-excess[binding], kind="stable")[:MAX_SPANS]]  # the rows that cut most
    local, pos = np.nonzero(inside[binding][:, inverse])
    lp.rows_block(local, cat["cols"][sel][pos], cat["dur"][sel][pos].astype(float), capacity[binding], block)


def _allocation_rows(problem: Problem, grid: _Grid, lp: _Builder, cat, new_support_cols) -> None:
    """New clients: a share s[c, v] ∈ [0, 1] of client c allocated to advisor v *and earning* — it earns
    n_cv · continuity · complexity, n_cv being c's support appointments v may take. Per client the shares
    sum to at most 1, per advisor to at most its caseload room, and Σ_c n_cv · s[c, v] is at most the new
    clients' support appointments placed with v. A plan maps onto it with s = (c's appointments kept with
    its allocated advisor v) / n_cv. (The same LP as allocation shares a and h ≤ n · a, without a.)"""
    w = problem.weights
    support_of = defaultdict(list)
    for a in problem.appointments:
        if a.kind == "support":
            support_of[a.client].append(a)
    pool = defaultdict(lambda: ([], []))  # advisor idx -> (share columns, their n)
    for client in problem.clients:
        if client.named_advisor is not None or client.need is None or not support_of[client.id]:
            continue
        options, counts = [], []
        for i, v in enumerate(grid.advisors):
            n = sum(1 for a in support_of[client.id] if v.can_do("support", a.skill))
            if n and v.can_do("support", client.need):
                options.append(i)
                counts.append(n)
        if not options:
            continue
        shares = lp.columns(np.ones(len(options)), np.array(counts) * float(w.continuity * client.complexity))
        lp.row(shares, 1.0, 1)
        for i, share, n in zip(options, shares.tolist(), counts):
            pool[i][0].append(share)
            pool[i][1].append(n)
    is_new = np.zeros(len(lp.ub), dtype=bool)
    is_new[new_support_cols] = True
    mask = is_new[cat["cols"]]
    new_cols, new_adv = cat["cols"][mask], cat["adv"][mask]
    for i, (shares, counts) in pool.items():
        advisor = grid.advisors[i]
        if advisor.max_caseload is not None:
            lp.row(np.array(shares), 1.0, max(0, advisor.max_caseload - advisor.caseload))
        placed = new_cols[new_adv == i]
        lp.row(np.concatenate([np.array(shares), placed]),
               np.concatenate([np.array(counts, dtype=float), -np.ones(len(placed))]), 0)


def _day_groups(problem: Problem, advisor) -> dict[int, int]:
    """Each day -> its group: days joined by an availability interval that runs past midnight share
    their capacity, since an appointment starting on one day may use the next day's time."""
    group = {d: d for d in range(problem.horizon.days)}

    def root(d: int) -> int:
        while group[d] != d:
            d = group[d]
        return d

    for avail in advisor.availability:
        first, last = problem.horizon.day_of(avail.start), problem.horizon.day_of(avail.end - 1)
        for d in range(first + 1, min(last, problem.horizon.days - 1) + 1):
            group[root(d)] = root(first)
    return {d: root(d) for d in group}
