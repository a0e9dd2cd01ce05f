"""Booking more appointments with an interval model of the week (CP-SAT optional intervals).

The time-indexed model (scheduler.rules) has a boolean per appointment, advisor and start, so the
neighbourhood search can only afford parts of a few advisor-days. Here each appointment gets one
*optional interval* per qualified advisor and day its windows meet that advisor's availability
(start free inside that stretch), with NoOverlap per advisor and per client, the daily limits and
the pins: small enough to pose many advisors and days at once, so an appointment can be booked by a
chain of moves across advisors and days that no part sees. The plan's allocations and protected
blocks stay as they are (blocks are fixed busy time), so the protected and allocation terms do not
change and the objective is the rest of the score, exactly.

Parts of it (many advisors over one day, see improve) are the last phase of the search on tight
weeks (scheduler.solver PLACE_SHARE). The whole week at once is too big (issue #16, 2026-11-30): from
the planner's 60 s deterministic plans it found no extra booking on varied 30 s7 (whole week 90 s on
2 workers; each day with all 30 advisors 15 s; day 0 counting bookings only 40 s) nor on 60 s3 (day 1,
40 s), and HiGHS on the time-indexed model of 30 s7's day 0 (240 s) found 207 bookings to the plan's
278, with a bound of 286.
"""
from __future__ import annotations

import random
from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.budget import Budget
from scheduler.model import Placement, Problem


class _Options:
    """One appointment's optional intervals: (advisor, lowest start, highest start, presence, start var)."""

    def __init__(self):
        self.items: list[tuple[str, int, object, object]] = []


def _stretches(problem: Problem, appt, advisor) -> list[tuple[int, int, int]]:
    """(day, lowest start, highest start) where `appt` fits in one window and one availability
    interval of `advisor`, split by the day of the start (the daily limit counts starts)."""
    h = problem.horizon
    out = []
    for window in appt.windows:
        for avail in advisor.availability:
            lo, hi = max(window.start, avail.start), min(window.end, avail.end) - appt.duration
            while lo <= hi:
                day = h.day_of(lo)
                day_end = (day + 1) * h.slots_per_day - 1
                out.append((day, lo, min(hi, day_end)))
                lo = day_end + 1
    return out


def build(plan, appointments=None, advisors=None, days=None):
    """The interval model of `plan`'s week (lns.Plan), or of `appointments` (ids) on `advisors` (ids)
    with everything else fixed as in the plan. Returns (model, options by appointment id)."""
    p: Problem = plan.problem
    model = cp_model.CpModel()
    w = p.weights
    free = set(appointments) if appointments is not None else {a.id for a in p.appointments if a.pinned is None}
    free = {a for a in free if p.appointment_by_id[a].pinned is None}
    on = set(advisors) if advisors is not None else {v.id for v in p.advisors}
    by_advisor = defaultdict(list)
    by_client = defaultdict(list)
    per_day = defaultdict(list)
    fixed_per_day = defaultdict(int)
    # Fixed: protected blocks, and every booking not freed.
    for v, s, e in plan.protected:
        if v in on:
            by_advisor[v].append(model.new_fixed_size_interval_var(s, e - s, f"prot_{v}_{s}"))
    clients_free = {p.appointment_by_id[a].client for a in free}
    for appt_id, pl in plan.assignments.items():
        if appt_id in free:
            continue
        appt = p.appointment_by_id[appt_id]
        if pl.advisor in on:
            by_advisor[pl.advisor].append(model.new_fixed_size_interval_var(pl.start, appt.duration, f"f_{appt_id}"))
            fixed_per_day[(pl.advisor, p.horizon.day_of(pl.start))] += 1
        if appt.client in clients_free:
            by_client[appt.client].append(model.new_fixed_size_interval_var(pl.start, appt.duration, f"fc_{appt_id}"))
    options: dict[str, _Options] = {}
    objective = []
    for appt_id in sorted(free):
        appt = p.appointment_by_id[appt_id]
        home = p.home_of(appt.client, plan.allocations)
        complexity = p.client_by_id[appt.client].complexity
        opts = _Options()
        before = p.previous.get(appt_id)
        for v in sorted(on):
            adv = p.advisor_by_id[v]
            if not adv.can_do(appt.kind, appt.skill):
                continue
            for day, lo, hi in _stretches(p, appt, adv):
                if days is not None and day not in days:
                    continue
                here = model.new_bool_var(f"p_{appt_id}_{v}_{lo}")
                start = model.new_int_var(lo, hi, f"s_{appt_id}_{v}_{lo}")
                iv = model.new_optional_fixed_size_interval_var(start, appt.duration, here, f"i_{appt_id}_{v}_{lo}")
                by_advisor[v].append(iv)
                by_client[appt.client].append(iv)
                per_day[(v, day)].append(here)
                value = w.assigned
                if v == home:
                    value += w.continuity * complexity if appt.kind == "support" else -w.separation
                objective.append(value * here)
                if before is not None and before.advisor == v and lo <= before.start <= hi:
                    kept = model.new_bool_var(f"k_{appt_id}")
                    model.add_implication(kept, here)
                    model.add(start == before.start).only_enforce_if(kept)
                    objective.append(w.disruption * kept)
                opts.items.append((v, lo, hi, here, start))
        if opts.items:
            model.add_at_most_one(here for _, _, _, here, _ in opts.items)
            options[appt_id] = opts
    for intervals in by_advisor.values():
        if len(intervals) > 1:
            model.add_no_overlap(intervals)
    for intervals in by_client.values():
        if len(intervals) > 1:
            model.add_no_overlap(intervals)
    for (v, day), terms in per_day.items():
        limit = p.advisor_by_id[v].max_appointments_per_day
        if limit is not None and len(terms) + fixed_per_day[(v, day)] > limit:
            model.add(sum(terms) <= limit - fixed_per_day[(v, day)])
    model.maximize(sum(objective))
    return model, options


def hint(model, options, plan) -> None:
    """Hint the plan's own placements (a complete hint: every presence and start)."""
    for appt_id, opts in options.items():
        pl = plan.assignments.get(appt_id)
        chosen = None
        if pl is not None:
            for v, lo, hi, here, start in opts.items:
                if v == pl.advisor and lo <= pl.start <= hi:
                    chosen = here
                    break
        for v, lo, hi, here, start in opts.items:
            model.add_hint(here, here is chosen)
            model.add_hint(start, pl.start if here is chosen else lo)


def extract(solver, options, plan) -> dict[str, Placement]:
    """The whole week's placements: the model's for its appointments, the plan's for the rest."""
    out = {a: pl for a, pl in plan.assignments.items() if a not in options}
    for appt_id, opts in options.items():
        for v, lo, hi, here, start in opts.items:
            if solver.boolean_value(here):
                out[appt_id] = Placement(v, solver.value(start))
    return out


def placeable(problem: Problem) -> set[str]:
    """Ids of the appointments at least one advisor is qualified for (skill and role): the only ones a
    part can aim at."""
    return {a.id for a in problem.appointments if any(v.can_do(a.kind, a.skill) for v in problem.advisors)}


def _part(plan, rng, advisors_per_part: int, aims: set[str]):
    """(appointments, advisors, days) of one part, or None when nothing is left to aim at: a random
    unbooked appointment of `aims` (see placeable), a day one of its windows starts on, up to
    `advisors_per_part` advisors able to do it (at random), their bookings that day and every unbooked
    appointment they could do with a window reaching that day."""
    p: Problem = plan.problem
    day_of = p.horizon.day_of
    unbooked = [a for a in p.appointments if a.id not in plan.assignments and a.pinned is None]
    # An appointment nobody is qualified for is never booked: aiming at it would end the phase.
    candidates = [a for a in unbooked if a.id in aims]
    if not candidates:
        return None
    focus = rng.choice(candidates)
    day = day_of(rng.choice(focus.windows).start)
    qualified = [v.id for v in p.advisors if v.can_do(focus.kind, focus.skill)]
    advisors = set(rng.sample(qualified, min(advisors_per_part, len(qualified))))
    chosen = {a for a, pl in plan.assignments.items() if pl.advisor in advisors and day_of(pl.start) == day}
    chosen |= {a.id for a in unbooked
               if any(day_of(w.start) <= day <= day_of(w.end - 1) for w in a.windows)
               and any(p.advisor_by_id[v].can_do(a.kind, a.skill) for v in advisors)}
    return chosen, advisors, {day}


# A part's limit: units in deterministic mode, else seconds. Varied 120 s7 (from the planner's 60 s
# deterministic plan, 51,638,000, 5,110 booked): 7.5 units of 1.5-unit parts +93,600 (+12 booked), the
# neighbourhood search (scheduler.lns) with the same 7.5 units +51,400 (+5 booked).
PART_UNITS = 1.5
PART_SECONDS = 5.0
ADVISORS_PER_PART = 15


def improve(plan, budget: Budget, seed: int = 0, advisors_per_part: int = ADVISORS_PER_PART,
            part_limit: float | None = None, count_only: bool = True, on_improve=None,
            workers: int = 1) -> int:
    """Re-solve parts (see _part) on the interval model until `budget` is spent, keeping a part's
    plan only when the whole week's score rises; returns the gain in score points. `part_limit`:
    units (deterministic budget) or seconds per part; `workers`: CP-SAT workers per part on a
    wall-clock budget (a deterministic one always solves on one)."""
    rng = random.Random(seed)
    if part_limit is None:
        part_limit = PART_UNITS if budget.deterministic else PART_SECONDS
    gain = 0
    current = plan.score()
    aims = placeable(plan.problem)
    while True:
        limit = budget.next_limit(part_limit)
        if limit is None:
            return gain
        part = _part(plan, rng, advisors_per_part, aims)
        if part is None:
            return gain
        model, options = build(plan, *part)
        if count_only:
            # Counting bookings only: the full objective's many terms slow the search for room, and
            # the part is kept only if the whole week's score rises.
            model.clear_objective()
            model.maximize(sum(here for opts in options.values() for *_, here, _ in opts.items))
        hint(model, options, plan)
        solver = cp_model.CpSolver()
        budget.set_limits(solver.parameters, workers, limit)
        solver.parameters.random_seed = rng.randrange(1 << 20)
        status = solver.solve(model)
        budget.charge(solver.response_proto.deterministic_time + 0.02)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        assignments = extract(solver, options, plan)
        before = plan.assignments
        plan.assignments = assignments
        value = plan.score()
        if value > current:
            gain += value - current
            current = value
            if on_improve is not None:
                on_improve(plan)
        else:
            plan.assignments = before
