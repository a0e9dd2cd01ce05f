"""Large-neighbourhood search for weeks too big to solve whole.

Start from a valid plan (the booking desk's); repeatedly free a neighbourhood — a few advisors
who share skills, over one or two days — and re-solve just that part exactly with the CP-SAT
model of scheduler.rules, everything else fixed. The part is posed as a small Problem of its own
(its advisors' free time, the freed appointments with windows cut to the neighbourhood and to the
client's other appointments, the protected time still to find), so the same rules serve both.
A new part is kept only if it scores at least as well, so the plan never gets worse.
"""
from __future__ import annotations

import random
import threading
from collections import defaultdict
from dataclasses import replace

from ortools.sat.python import cp_model

from scheduler import metrics
from scheduler.budget import Budget
from scheduler.model import Client, Interval, Placement, Problem
from scheduler.hints import hint_plan
from scheduler.rules import blocks_from_slots, pose
from scheduler.variables import choose_candidates


# Measured on a 30-advisor jobcentre week (60 s): parts of just the two advisors concerned solve
# in ~0.2 s on one worker and gained 45 k against 28 k for five-advisor random parts on two
# workers; CP-SAT's extra workers only slow such small parts down, so parts use one.
AIMED_SHARE = 0.9
AIMED_SIZE = 2

# The most unbooked appointments one part may try to book (see subproblem).
UNBOOKED_CAP = 10

# Deterministic time charged per part for building its model, so a budget also bounds parts that
# CP-SAT solves at once.
PART_OVERHEAD = 0.02


class Plan:
    """A mutable plan: placements, allocations and protected blocks."""

    def __init__(self, problem: Problem, assignments, allocations, protected):
        self.problem = problem
        self.assignments: dict[str, Placement] = dict(assignments)
        self.allocations: dict[str, str] = dict(allocations)
        self.protected: list[tuple[str, int, int]] = list(protected)

    def score(self) -> int:
        return metrics.score(self.problem, self.assignments, self.allocations, self.protected)


def _cut(intervals: list[Interval], busy: list[tuple[int, int]]) -> list[Interval]:
    out = []
    for iv in intervals:
        pieces = [(iv.start, iv.end)]
        for b_start, b_end in busy:
            pieces = [p for s, e in pieces for p in ((s, min(e, b_start)), (max(s, b_end), e)) if p[1] > p[0]]
        out += [Interval(s, e) for s, e in pieces]
    return out


def _day_span(problem: Problem, day: int) -> Interval:
    spd = problem.horizon.slots_per_day
    return Interval(day * spd, (day + 1) * spd)


def subproblem(plan: Plan, advisor_ids: set[str], days: set[int], unbooked_cap: int | None = None,
               rng: random.Random | None = None, focus: str | None = None) -> tuple[Problem, set[str]] | None:
    """The part of `plan` inside advisors x days as a Problem, and the ids of the freed appointments.

    Unbooked appointments join the part when one of its advisors can do them and one of their windows
    reaches into its days; unbooked_cap: at most that many of them (`focus` always, then the shortest,
    each a booking, with `rng` breaking near ties), so a part stays small enough to finish. focus
    PACKING: only those shorter than the part's longest booking, shortest first, at most PACK_UNBOOKED."""
    p = plan.problem
    day_of = p.horizon.day_of
    freed = {a for a, pl in plan.assignments.items() if pl.advisor in advisor_ids and day_of(pl.start) in days}
    spans = [_day_span(p, d) for d in sorted(days)]
    group = [p.advisor_by_id[v] for v in advisor_ids]
    unbooked = []
    for appt in p.appointments:
        if appt.id not in plan.assignments and appt.pinned is None \
                and any(min(w.end, s.end) - max(w.start, s.start) >= appt.duration for w in appt.windows for s in spans) \
                and any(a.can_do(appt.kind, appt.skill) for a in group):
            unbooked.append(appt)
    noise = (lambda: rng.random()) if rng is not None else (lambda: 0.0)  # near ties; draws only when sorting
    if focus == PACKING:
        longest = max((p.appointment_by_id[a].duration for a in freed), default=0)
        unbooked = [a for a in unbooked if a.duration < longest]
        unbooked.sort(key=lambda a: (a.duration, noise(), a.id))
        unbooked = unbooked[:PACK_UNBOOKED]
    elif unbooked_cap is not None and len(unbooked) > unbooked_cap:
        # At 120 advisors and load 1.3 a part of two advisors drew 300-900 unbooked appointments and
        # never finished (varied 120 s7: 15 parts, all capped, no gain).
        unbooked.sort(key=lambda a: (a.id != focus, a.duration * (1 + noise()), a.id))
        unbooked = unbooked[:unbooked_cap]
    freed |= {a.id for a in unbooked}
    if not freed:
        return None
    client_busy = defaultdict(list)
    # What stays and may still reach into the part: an appointment or protected block that starts the
    # day before and runs past midnight.
    advisor_busy = defaultdict(list)
    # Only the part's clients and advisors are read: recording every booking cost 0.12 s a part at
    # 120 advisors, under the search's lock.
    freed_clients = {p.appointment_by_id[a].client for a in freed}
    for appt_id, pl in plan.assignments.items():
        if appt_id not in freed:
            appt = p.appointment_by_id[appt_id]
            if appt.client in freed_clients:
                client_busy[appt.client].append((pl.start, pl.start + appt.duration))
            if pl.advisor in advisor_ids:
                advisor_busy[pl.advisor].append((pl.start, pl.start + appt.duration))
    for v, s, e in plan.protected:
        if day_of(s) not in days:
            advisor_busy[v].append((s, e))
    advisors = []
    for v in sorted(advisor_ids):
        adv = p.advisor_by_id[v]
        availability = [Interval(max(a.start, s.start), min(a.end, s.end))
                        for a in adv.availability for s in spans if min(a.end, s.end) > max(a.start, s.start)]
        availability = tuple(_cut(availability, advisor_busy[v]))
        kept_outside = sum((e - s) * p.horizon.slot_minutes for w, s, e in plan.protected
                           if w == v and day_of(s) not in days)
        advisors.append(replace(adv, availability=availability,
                                protected_minutes=max(0, adv.protected_minutes - kept_outside)))
    appointments = []
    for appt_id in sorted(freed):
        appt = p.appointment_by_id[appt_id]
        windows = [Interval(max(w.start, s.start), min(w.end, s.end)) for w in appt.windows for s in spans
                   if min(w.end, s.end) - max(w.start, s.start) >= appt.duration]
        windows = [w for w in _cut(windows, client_busy[appt.client]) if w.length >= appt.duration]
        if appt.pinned is not None and appt.pinned.advisor not in advisor_ids:
            continue
        appointments.append(replace(appt, windows=tuple(windows)))
    clients = {}
    for appt in appointments:
        client = p.client_by_id[appt.client]
        named = p.home_of(client.id, plan.allocations)
        clients[client.id] = Client(client.id, named or "-none-", client.need, client.complexity, client.history)
    previous = {a: pl for a, pl in p.previous.items() if a in {x.id for x in appointments}}
    sub = Problem(p.horizon, p.weights, tuple(advisors), tuple(clients.values()), tuple(appointments), previous,
                  {a.id: a for a in advisors}, clients, {a.id: a for a in appointments})
    return sub, {a.id for a in appointments}


def _sub_score(sub: Problem, assignments, protected) -> int:
    return metrics.score(sub, assignments, {}, protected)


def solve_part(sub: Problem, current: dict[str, Placement], current_protected, limit: float, seed: int,
               budget: Budget):
    """Solve the part exactly within `limit` (from budget.next_limit: seconds, or deterministic units
    in deterministic mode, so a part's answer does not depend on the machine's speed); charges the
    budget. None unless a plan at least as good is found."""
    cands = choose_candidates(sub, current)
    st = pose(sub, cands, fixed_allocations=True)  # allocations stay fixed inside a part
    hint_plan(st, current, current_protected)
    solver = cp_model.CpSolver()
    budget.set_limits(solver.parameters, 1, limit)
    solver.parameters.random_seed = seed
    solver.parameters.cp_model_presolve = False  # small models: presolve costs more than it saves
    # The hint is complete (hint_plan), so CP-SAT has the current plan as its first solution at once;
    # its default hint search then walks the hint again under the tighter objective (0.25 s of a 1 s
    # part on varied 120 s7), so it stops at its first conflict instead.
    solver.parameters.hint_conflict_limit = 0
    status = solver.solve(st.model)
    budget.charge(solver.response_proto.deterministic_time + PART_OVERHEAD)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    assignments = st.xs.extract(lambda var: solver.boolean_value(var))
    protected = blocks_from_slots(st, lambda var: solver.boolean_value(var))
    return assignments, protected


def neighbourhoods(problem: Problem, rng: random.Random, size: int, plan: Plan | None = None):
    """Endless stream of (advisors, days, focus) to re-solve; focus: the appointment a part is aimed at,
    PACKING (a packing part: see _packing_days) or None.

    Most (AIMED_SHARE) are aimed at a loss in the current plan (an appointment away from the client's own
    advisor, or not booked): that appointment's qualified advisors, its own advisor and whoever has
    it now, over the days of its windows, so the part can move it home and shift what is in the
    way. The rest are random: an advisor and others sharing a skill with them, one or two days."""
    advisors = list(problem.advisors)
    limited = plan is not None and len(problem.advisors) >= PAIRED_MIN_ADVISORS \
        and any(a.max_appointments_per_day is not None for a in problem.advisors)
    packing = plan is not None and _packs(plan)
    queue: list[tuple[set[str], set[int]]] = []
    drawn = refill = 0
    while True:
        if limited and len(plan.assignments) < (1 - PAIRED_MIN_UNBOOKED) * len(problem.appointments) \
                and rng.random() < PAIRED_SHARE:
            paired = _paired_days(plan, rng)
            if paired is not None:
                yield paired
                continue
        if packing and rng.random() < PACK_SHARE:
            if not queue and drawn >= refill:
                queue = _packing_days(plan, rng)
                if not queue:  # not looked for again at once
                    refill = drawn + PACK_REFILL
            drawn += 1
            if queue:
                yield (*queue.pop(), PACKING)
                continue
        losses = _losses(plan) if plan is not None and rng.random() < AIMED_SHARE else []
        if losses:
            focus = rng.choice(losses)
            yield (*_aimed_at(problem, rng, AIMED_SIZE, focus, plan), focus)
            continue
        seed = rng.choice(advisors)
        related = [a for a in advisors if a.id != seed.id and (a.skills & seed.skills) and (a.roles & seed.roles)]
        rng.shuffle(related)
        group = {seed.id} | {a.id for a in related[: size - 1]}
        first = rng.randrange(problem.horizon.days)
        days = {first} if rng.random() < 0.6 else {first, min(problem.horizon.days - 1, first + 1)}
        yield group, days, None


def _paired_days(plan: Plan, rng: random.Random):
    """(advisors, days, focus) pairing, on one day, an advisor below its daily limit whose time is
    full with one at its limit with idle time (sharing a skill and role), aimed at an unbooked
    appointment the first can do that day; None if the plan has no such day.

    On tight weeks with daily limits nearly every advisor-day is bound either by its count (at the
    limit, short idle gaps left) or by its minutes (full of long appointments, below the limit):
    varied 120 s19, 454 of 539 booked advisor-days at their limit with 1,023 idle slots, the other 85
    with 364 starts to spare but 24 idle slots; the LP bound books every day to its limit. Booking
    more means moving long appointments to the count-bound day's gaps and short unbooked ones into
    the time they free: a part holding both days. The aimed parts pick advisors by one appointment
    and rarely pair such days."""
    p = plan.problem
    day_of = p.horizon.day_of
    counts: dict[tuple[str, int], int] = defaultdict(int)
    busy: dict[tuple[str, int], int] = defaultdict(int)
    for appt_id, placed in plan.assignments.items():
        key = (placed.advisor, day_of(placed.start))
        counts[key] += 1
        busy[key] += p.appointment_by_id[appt_id].duration
    for v, s, e in plan.protected:
        busy[(v, day_of(s))] += e - s
    slots = _available_slots(p)
    below = [key for key, n in slots.items() if p.advisor_by_id[key[0]].max_appointments_per_day is not None
             and counts[key] < p.advisor_by_id[key[0]].max_appointments_per_day]
    if not below:
        return None
    v_id, day = rng.choice(below)
    adv = p.advisor_by_id[v_id]
    idle_here = slots[(v_id, day)] - busy[(v_id, day)]
    # Only those that do not fit the day's idle time as it is: the day is bound by its minutes.
    unbooked = [a.id for a in p.appointments if a.id not in plan.assignments and a.pinned is None
                and a.duration > idle_here and adv.can_do(a.kind, a.skill)
                and any(day_of(w.start) <= day <= day_of(w.end - 1) for w in a.windows)]
    if not unbooked:
        return None
    at_limit, others = [], []
    for other in p.advisors:
        key = (other.id, day)
        idle = slots.get(key, 0) - busy[key]
        if other.id != v_id and idle > 0 and (other.skills & adv.skills) and (other.roles & adv.roles):
            limit = other.max_appointments_per_day
            (at_limit if limit is not None and counts[key] >= limit else others).append((-idle, other.id))
    partners = sorted(at_limit or others)  # those at their limit, most idle time first
    if not partners:
        return None
    partner = partners[rng.randrange(min(PAIRED_PARTNERS, len(partners)))][-1]
    return {v_id, partner}, {day}, rng.choice(unbooked)


# Share of neighbourhoods that are paired days (see _paired_days), on weeks with daily limits and at
# least PAIRED_MIN_ADVISORS advisors while at least PAIRED_MIN_UNBOOKED of the appointments are
# unbooked (tight weeks: elsewhere the aimed parts' continuity gains matter more); the partner is one
# of the PAIRED_PARTNERS at their limit with the most idle time. Whole solves, deterministic, before ->
# after: 60 s limit: 120 s19 88.826 -> 88.902 M, 120 s3 37.980 -> 38.225 M, 30 s3 9.826 -> 9.905 M,
# 60 s3 19.188 -> 19.156 M (its 10 units of parts too few); 240 s limit (as many parts as 60 s wall
# clock on 2 workers): 60 s3 19.268 -> 19.427 M. 10 s3 lost 8,000 at both limits (with 10 advisors
# the aimed pairs already meet), hence the floor on advisors.
PAIRED_SHARE = 0.8
PAIRED_MIN_UNBOOKED = 0.05
PAIRED_MIN_ADVISORS = 20
PAIRED_PARTNERS = 5


# Packing parts (_packing_days): one advisor-day, with its appointments and the PACK_UNBOOKED shortest
# unbooked ones shorter than its longest booking, each part cut at PACK_TIME (seconds, or units
# when deterministic): most are solved in 0.02-0.12 units, a third never finish within 1 unit and
# gain nothing. Taken instead of the aimed and random parts (PACK_SHARE; the paired days keep their
# share) while at least PACK_MIN_UNBOOKED of the appointments are unbooked, on weeks of at least
# PAIRED_MIN_ADVISORS advisors; the list of such days is drawn again when used up, at most
# every PACK_REFILL draws when it was empty. Varied 120 s7 (no daily limits; 1,026 of 6,101 unbooked,
# 1.7 % of the advisors' time idle, the unbooked 60-90 min long): 5 units of search from a 51.29 M
# plan, the other parts +102,000, random single advisor-days (12 shortest unbooked, no cut) +125,000,
# these +279,000. Whole solves, 60 s deterministic, before -> after: 120 s7 51,292,800 -> 51,638,000,
# 30 s10 16,471,430 -> 16,491,390, 120 s2 61,676,200 -> 61,755,100, 120 s12 47,733,500 -> 47,782,300,
# 60 s3 19,156,430 -> 19,334,820, 120 s19 88,901,700 -> 88,999,690 (10 s3, UHHC i-322 the same);
# wall clock 60 s, 2 workers, load 6-7, interleaved: 120 s7 51.13 / 51.20 M -> 51.44 / 51.42 M.
PACKING = "-packing-"
PACK_SHARE = 1.0
PACK_UNBOOKED = 8
PACK_TIME = 0.1
PACK_MIN_UNBOOKED = 0.05
PACK_REFILL = 50


def _packs(plan: Plan) -> bool:
    """Whether the search takes packing parts on this week (see the notes at PACKING)."""
    p = plan.problem
    if len(p.advisors) < PAIRED_MIN_ADVISORS:
        return False  # as for the paired days: with 10 advisors the aimed parts already meet
    return len(plan.assignments) < (1 - PACK_MIN_UNBOOKED) * len(p.appointments)


def _packing_days(plan: Plan, rng: random.Random) -> list[tuple[set[str], set[int]]]:
    """Packing parts ({advisor}, {day}), shuffled: the advisor-days holding a booked appointment longer
    than some unbooked one the advisor can do with a window reaching that day.

    On a tight week without daily limits the advisors' days are full to a few idle minutes and the
    shorter appointments are all booked; the LP bound books more by giving the days shorter ones.
    One advisor-day, its appointments re-timed and traded for shorter unbooked ones (subproblem with
    focus PACKING), frees enough to book one more: the aimed parts (two advisors, two days, the
    unbooked chosen across lengths) are too big to find that often."""
    p = plan.problem
    day_of = p.horizon.day_of
    longest: dict[tuple[str, int], int] = defaultdict(int)
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for appt_id, placed in plan.assignments.items():
        key = (placed.advisor, day_of(placed.start))
        longest[key] = max(longest[key], p.appointment_by_id[appt_id].duration)
        counts[key] += 1
    shortest: dict[tuple[str, str, int], int] = {}
    for a in p.appointments:
        if a.id in plan.assignments or a.pinned is not None:
            continue
        for d in {d for w in a.windows for d in range(day_of(w.start), day_of(w.end - 1) + 1)}:
            key = (a.kind, a.skill, d)
            shortest[key] = min(shortest.get(key, a.duration), a.duration)
    out = []
    for (v, d), n in longest.items():
        adv = p.advisor_by_id[v]
        if adv.max_appointments_per_day is not None and counts[(v, d)] >= adv.max_appointments_per_day:
            continue  # at its limit: a trade books no more there
        if any(shortest.get((k, s, d), n) < n for k in adv.roles for s in adv.skills):
            out.append((v, d))
    out.sort()
    rng.shuffle(out)
    return [({v}, {d}) for v, d in out]


_SLOTS: dict = {}


def _available_slots(problem: Problem) -> dict[tuple[str, int], int]:
    """Available slots per (advisor, day), cached per problem."""
    found = _SLOTS.get(id(problem.advisors))
    if found is None or found[0] is not problem.advisors:
        slots: dict[tuple[str, int], int] = defaultdict(int)
        for adv in problem.advisors:
            for iv in adv.availability:
                slots[(adv.id, problem.horizon.day_of(iv.start))] += iv.end - iv.start
        if len(_SLOTS) > 16:
            _SLOTS.clear()
        found = _SLOTS[id(problem.advisors)] = (problem.advisors, dict(slots))
    return found[1]


def _losses(plan: Plan) -> list[str]:
    """Appointments that score below their best: away from the client's own advisor, or not booked."""
    p = plan.problem
    out = []
    for appt in p.appointments:
        if appt.pinned is not None:
            continue
        placed = plan.assignments.get(appt.id)
        named = p.home_of(appt.client, plan.allocations)
        if placed is None:
            out.append(appt.id)
        elif appt.kind == "support" and named is not None and placed.advisor != named \
                and p.advisor_by_id[named].can_do(appt.kind, appt.skill):
            out.append(appt.id)
        elif appt.kind == "policing" and placed.advisor == named:
            out.append(appt.id)
    return out


def _aimed_at(problem: Problem, rng: random.Random, size: int, appt_id: str, plan: Plan):
    """A part that can move `appt_id` home: its named advisor and whoever has it now (plus others
    qualified, up to `size`), over the day it is on and, half the time, one more day of its windows
    (an unbooked one: one or two days of its windows)."""
    appt = problem.appointment_by_id[appt_id]
    named = problem.home_of(appt.client, plan.allocations)
    placed = plan.assignments.get(appt_id)
    group = {v for v in (named, getattr(placed, "advisor", None))
             if v in problem.advisor_by_id and problem.advisor_by_id[v].can_do(appt.kind, appt.skill)}
    others = [a.id for a in problem.advisors if a.id not in group and a.can_do(appt.kind, appt.skill)]
    rng.shuffle(others)
    group |= set(others[: max(0, size - len(group))])
    day_of = problem.horizon.day_of
    days = sorted({d for w in appt.windows for d in range(day_of(w.start), day_of(w.end - 1) + 1)})
    if placed is not None:
        # The part must free the appointment itself, so its own day is always in it.
        here = day_of(placed.start)
        others_days = [d for d in days if d != here]
        chosen = {here}
        if others_days and rng.random() < 0.5:
            chosen.add(rng.choice(others_days))
        return group, chosen
    if len(days) > 2:  # keep parts small: two neighbouring days of the window
        first = rng.randrange(len(days) - 1)
        days = days[first:first + 2]
    return group, set(days)


# The most one part may take (seconds, or units when deterministic). Shorter parts were tried on the
# tight varied weeks (#16): 60 s deterministic, 1.0 / 0.25 / 0.1 units gave 120 s19 88.83 / 88.85 /
# 88.88 M, 120 s7 51.29 / 51.33 / 51.40 M, 60 s3 19.188 / 19.189 / 19.203 M but 10 s3 3.164 / 3.146 /
# 3.146 M; wall clock (2 workers, load ~6, interleaved) 0.4 s lost to 1.0 s: 120 s7 51.40 vs 51.63 M,
# 60 s3 19.205 vs 19.214 M (under load a short part is cut before it finds anything). So it stays.
PART_TIME = 1.0


def improve(plan: Plan, budget: Budget, workers: int = 1, seed: int = 0, on_improve=None, size: int = 4,
            part_time: float = PART_TIME) -> int:
    """Improve `plan` in place until `budget` is spent; returns the number of parts solved.

    workers > 1: that many parts are solved at once, in threads (CP-SAT releases the GIL while it
    searches); parts in flight together share no advisor and no client, so each one's picture of
    the rest of the plan stays true until it is put back.
    A deterministic budget solves one part at a time and stops after its CP-SAT deterministic time
    (plus PART_OVERHEAD per part), so the same week always gives the same plan.
    part_time: the most one part may take (seconds, or units when deterministic)."""
    search = _Search(plan, budget, seed, on_improve, size, part_time)
    if workers <= 1 or budget.deterministic:
        search.run(0)
    else:
        threads = [threading.Thread(target=search.run, args=(k,), daemon=True) for k in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if search.failure is not None:
        raise search.failure
    return search.parts


class _Search:
    """The shared state of one neighbourhood search; `run(k)` is one worker's loop."""

    def __init__(self, plan: Plan, budget: Budget, seed: int, on_improve, size: int, part_time: float):
        self.plan, self.budget, self.seed, self.on_improve = plan, budget, seed, on_improve
        self.size, self.part_time = size, part_time
        self.parts = 0
        self.lock = threading.Lock()
        self.busy_advisors: set[str] = set()
        self.busy_clients: set[str] = set()
        self.failure: BaseException | None = None

    def _time_left(self) -> float | None:
        if self.failure is not None:
            return None
        return self.budget.next_limit(self.part_time)

    def run(self, k: int) -> None:
        rng = random.Random(self.seed + k)
        plan, problem = self.plan, self.plan.problem
        day_of = problem.horizon.day_of
        stream = neighbourhoods(problem, rng, self.size, plan)
        try:
            while True:
                with self.lock:
                    limit = self._time_left()
                    if limit is None:
                        return
                    group, days, focus = next(stream)
                    if focus == PACKING:
                        limit = min(limit, PACK_TIME)
                    if group & self.busy_advisors:
                        continue
                    built = subproblem(plan, group, days, UNBOOKED_CAP, rng, focus)
                    if built is None:
                        continue
                    sub, ids = built
                    clients = {problem.appointment_by_id[a].client for a in ids}
                    if clients & self.busy_clients:
                        continue
                    self.parts += 1  # a part to solve (the skipped ones above are not counted)
                    self.busy_advisors |= group
                    self.busy_clients |= clients
                    current = {a: pl for a, pl in plan.assignments.items() if a in ids}
                    current_protected = [(v, s, e) for v, s, e in plan.protected if v in group and day_of(s) in days]
                    before = _sub_score(sub, current, current_protected)
                    part_seed = rng.randrange(10**6)
                result, after = None, before
                try:
                    result = solve_part(sub, current, current_protected, limit, part_seed, self.budget)
                    if result is not None:
                        after = _sub_score(sub, *result)
                finally:
                    # The part's advisors and clients stay busy until its result is in the plan: freed
                    # earlier, another thread could pose a part from the plan before this one lands,
                    # and both would book the same free time (overlaps, too many starts a day).
                    with self.lock:
                        if result is not None and after >= before:
                            assignments, protected = result
                            for a in ids:
                                plan.assignments.pop(a, None)
                            plan.assignments.update(assignments)
                            plan.protected = [(v, s, e) for v, s, e in plan.protected
                                              if not (v in group and day_of(s) in days)] + protected
                        self.busy_advisors -= group
                        self.busy_clients -= clients
                if self.on_improve is not None and after > before:
                    with self.lock:
                        self.on_improve(plan)
        except BaseException as err:  # noqa: BLE001 - handed to the caller's thread by improve()
            self.failure = err
