"""A proven upper bound on the score from an aggregated relaxation of the week.

Times inside a day are forgotten: an appointment is given to an (advisor, day) on which it could
fit, and each advisor-day offers its available slots (shared with protected time) and its daily
appointment limit. Every valid plan maps onto a solution of this linear program with the same or
a higher score (penalties the relaxation cannot see are dropped, never added), so its optimum,
rounded down, bounds every plan. It is much smaller than the time-indexed model, so GLOP solves it
in seconds even for large weeks; when it cannot, the trivial "everything perfect" bound is used.
"""
from __future__ import annotations

import math
from collections import defaultdict

from ortools.linear_solver import pywraplp

from scheduler.model import Problem


def trivial_bound(problem: Problem) -> int:
    """Every appointment placed with continuity, every protected target met, no penalties."""
    w = problem.weights
    support = sum(problem.client_by_id[a.client].complexity for a in problem.appointments if a.kind == "support")
    protected = sum(a.protected_minutes for a in problem.advisors)
    return w.assigned * len(problem.appointments) + w.continuity * support + w.protected * protected


def fit_days(problem: Problem, appt, advisor) -> set[int]:
    """Days on which `appt` can start wholly inside one of its windows and one availability interval
    of `advisor` (the daily limit counts starts, so an interval past midnight gives both days)."""
    day_of = problem.horizon.day_of
    days = set()
    for window in appt.windows:
        for avail in advisor.availability:
            lo, hi = max(window.start, avail.start), min(window.end, avail.end)
            if hi - lo >= appt.duration:
                days.update(range(day_of(lo), day_of(hi - appt.duration) + 1))
    return days


def day_groups(problem: Problem, advisor) -> dict[int, int]:
    """Each day -> its group: days joined by an availability interval that runs past midnight share
    their capacity, since an appointment starting on one day may use the next day's time."""
    group = {d: d for d in range(problem.horizon.days)}

    def root(d: int) -> int:
        while group[d] != d:
            d = group[d]
        return d

    for avail in advisor.availability:
        first, last = problem.horizon.day_of(avail.start), problem.horizon.day_of(avail.end - 1)
        for d in range(first + 1, last + 1):
            group[root(d)] = root(first)
    return {d: root(d) for d in group}


def occupied_span(problem: Problem, appt, advisor, day: int) -> tuple[int, int] | None:
    """The slots [lo, hi) that `appt` may occupy when `advisor` takes it starting on `day`: the hull
    of every placement inside one window and one availability interval with its start on that day."""
    spd = problem.horizon.slots_per_day
    lo = hi = None
    for window in appt.windows:
        for avail in advisor.availability:
            first = max(window.start, avail.start, day * spd)
            last = min(min(window.end, avail.end) - appt.duration, (day + 1) * spd - 1)  # latest start
            if last < first:
                continue
            lo = first if lo is None else min(lo, first)
            hi = last + appt.duration if hi is None else max(hi, last + appt.duration)
    return None if lo is None else (lo, hi)


# Most distinct occupied spans of one advisor-day that get a time-of-day row (see _time_of_day_rows).
MAX_SPANS = 120


def _time_of_day_rows(problem: Problem, lp, advisor, day: int, items) -> None:
    """Rows that remember the time of day: the appointments an advisor takes on `day` that can only
    lie inside [L, H) share the advisor's available slots in [L, H). Valid for every plan (they are
    disjoint slots there); added for each distinct occupied span [L, H) whose possible demand exceeds
    those slots, so a week of short windows (everyone wants 9-10) is no longer packed into the whole day."""
    by_span: dict[tuple[int, int], list] = defaultdict(list)
    spd = problem.horizon.slots_per_day
    for appt, var in items:
        if any(w.start <= day * spd and w.end >= (day + 1) * spd for w in appt.windows):
            continue  # may lie anywhere in the advisor's day: the day's own row covers it
        span = occupied_span(problem, appt, advisor, day)
        if span is not None:
            by_span[span].append((appt.duration, var))
    spans = sorted(by_span, key=lambda sp: sp[1] - sp[0])[:MAX_SPANS]
    demand = {sp: sum(d for d, _ in by_span[sp]) for sp in by_span}
    for low, high in spans:
        capacity = sum(max(0, min(a.end, high) - max(a.start, low)) for a in advisor.availability)
        inside = [sp for sp in by_span if low <= sp[0] and sp[1] <= high]
        if sum(demand[sp] for sp in inside) <= capacity:
            continue  # cannot bind
        _at_most(lp, [(var, d) for sp in inside for d, var in by_span[sp]], capacity)


def upper_bound(problem: Problem, time_limit: float = 10.0) -> int:
    h, w = problem.horizon, problem.weights
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return trivial_bound(problem)
    lp.SetTimeLimit(int(time_limit * 1000))
    y = {}
    per_appt, per_advisor_day = defaultdict(list), defaultdict(list)
    coefficients: dict = defaultdict(float)  # the objective, built coefficient by coefficient (see _at_most)
    offset = 0.0
    for appt in problem.appointments:
        options = ([problem.advisor_by_id[appt.pinned.advisor]] if appt.pinned else
                   [a for a in problem.advisors if a.can_do(appt.kind, appt.skill)])
        for advisor in options:
            days = {h.day_of(appt.pinned.start)} if appt.pinned else fit_days(problem, appt, advisor)
            for d in days:
                var = lp.NumVar(0, 1, "")
                y[(appt.id, advisor.id, d)] = var
                per_appt[appt.id].append(var)
                per_advisor_day[(advisor.id, d)].append((appt, var))
        if appt.pinned:
            _at_most(lp, [(v, 1) for v in per_appt[appt.id]], 1, lower=1)
        elif per_appt[appt.id]:
            _at_most(lp, [(v, 1) for v in per_appt[appt.id]], 1)

    for appt in problem.appointments:
        for v in per_appt[appt.id]:
            coefficients[v] += w.assigned

    # Advisor-day capacity: appointment slots plus protected slots fit in the day's availability.
    protected_slots = {}
    for advisor in problem.advisors:
        groups = day_groups(problem, advisor)  # each day its own group unless availability crosses midnight
        by_day = defaultdict(int)
        blockable = defaultdict(int)
        for avail in advisor.availability:
            by_day[groups[h.day_of(avail.start)]] += avail.length
            if avail.length >= h.protected_block_slots:
                blockable[groups[h.day_of(avail.start)]] += avail.length
        grouped_items = defaultdict(list)
        for d in range(h.days):
            items = per_advisor_day.get((advisor.id, d), [])
            grouped_items[groups[d]] += items
            if items and advisor.max_appointments_per_day is not None:
                _at_most(lp, [(var, 1) for _, var in items], advisor.max_appointments_per_day)
            if items:
                _time_of_day_rows(problem, lp, advisor, d, items)
        kept_terms = []
        for d in sorted(set(groups.values())):
            items = grouped_items[d]
            prot = lp.NumVar(0, blockable[d], "") if advisor.protected_minutes > 0 and blockable[d] else None
            if prot is not None:
                protected_slots[(advisor.id, d)] = prot
                kept_terms.append(prot)
            load = [(var, appt.duration) for appt, var in items] + ([(prot, 1)] if prot is not None else [])
            if load:
                _at_most(lp, load, by_day[d])
        if kept_terms:
            kept = lp.NumVar(0, advisor.protected_minutes, "")
            _at_most(lp, [(kept, 1)] + [(t, -h.slot_minutes) for t in kept_terms], 0)
            coefficients[kept] += w.protected

    # Continuity and separation with named advisors; new clients through allocation shares.
    alloc = {}
    for client in problem.clients:
        if client.named_advisor is None and client.need is not None:
            options = [a for a in problem.advisors if "support" in a.roles and client.need in a.skills]
            for a in options:
                alloc[(client.id, a.id)] = lp.NumVar(0, 1, "")
            if options:
                _at_most(lp, [(alloc[(client.id, a.id)], 1) for a in options], 1)
    per_advisor_alloc = defaultdict(list)
    for (c, v), var in alloc.items():
        per_advisor_alloc[v].append(var)
    for v, terms in per_advisor_alloc.items():
        advisor = problem.advisor_by_id[v]
        if advisor.max_caseload is not None:
            _at_most(lp, [(t, 1) for t in terms], max(0, advisor.max_caseload - advisor.caseload))
    for appt in problem.appointments:
        client = problem.client_by_id[appt.client]
        for (a, v, d), var in ((k, y[k]) for k in _keys_of(y, appt.id)):
            if client.named_advisor is not None and v == client.named_advisor:
                if appt.kind == "support":
                    coefficients[var] += w.continuity * client.complexity
                else:
                    coefficients[var] -= w.separation
        if client.named_advisor is None and appt.kind == "support":
            for v in {k[1] for k in _keys_of(y, appt.id)}:
                if (client.id, v) in alloc:
                    z = lp.NumVar(0, 1, "")
                    _at_most(lp, [(z, 1), (alloc[(client.id, v)], -1)], 0)
                    _at_most(lp, [(z, 1)] + [(y[k], -1) for k in _keys_of(y, appt.id) if k[1] == v], 0)
                    coefficients[z] += w.continuity * client.complexity

    # Disruption: a previous placement is kept only if its appointment stays with that advisor that day.
    for appt_id, before in problem.previous.items():
        day = h.day_of(before.start)
        var = y.get((appt_id, before.advisor, day))
        offset -= w.disruption
        if var is not None:
            kept = lp.NumVar(0, 1, "")
            _at_most(lp, [(kept, 1), (var, -1)], 0)
            coefficients[kept] += w.disruption

    objective = lp.Objective()
    for var, c in coefficients.items():
        if c:
            objective.SetCoefficient(var, c)
    objective.SetOffset(offset)
    objective.SetMaximization()
    status = lp.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return trivial_bound(problem)
    value = lp.Objective().Value()
    # Round down, after allowing for the LP's floating-point tolerance.
    return min(trivial_bound(problem), int(math.floor(value + 1e-6 * max(1.0, abs(value)))))


def _at_most(lp, terms, upper, lower=None) -> None:
    """lower <= sum(coef * var) <= upper, set coefficient by coefficient: the natural `lp.Add(sum(...))`
    spent most of the bound's time building expressions (27 s of 38 s on a 60-clinician week)."""
    row = lp.Constraint(-lp.infinity() if lower is None else lower, upper)
    for var, coef in terms:
        row.SetCoefficient(var, row.GetCoefficient(var) + coef)


_key_cache: dict = {}


def _keys_of(y: dict, appt_id: str):
    """The y keys of one appointment (index built once per y dict)."""
    index = _key_cache.get(id(y))
    if index is None or index[0] is not y:
        grouped = defaultdict(list)
        for key in y:
            grouped[key[0]].append(key)
        index = (y, grouped)
        _key_cache.clear()
        _key_cache[id(y)] = index
    return index[1].get(appt_id, [])
