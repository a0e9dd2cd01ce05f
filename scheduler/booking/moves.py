"""Offers that move a few appointments to make room: small exact neighbourhoods solved with CP-SAT.

For a candidate advisor-day (the request with advisor v on day d), the part is v and up to
NEIGHBOURS advisors who could take v's work that day, over that day: their unpinned appointments
that day may move within it (each must stay booked, at most max_moves change), the request must go
to v, everything else stays. The part is posed with scheduler.rules.pose, as the neighbourhood
search poses its parts, and solved exactly; its placements are then scored exactly here, with each
changed advisor's protected blocks re-seated as for any offer. Only options that move something and
beat the best offer without moves are returned.
"""
from __future__ import annotations

import time
from dataclasses import replace

from ortools.sat.python import cp_model

from scheduler.booking.option import Option
from scheduler.booking.place import placement_value
from scheduler.hints import hint_plan
from scheduler.lns import _cut
from scheduler.model import Client, Interval, Placement, Problem
from scheduler.rules import pose
from scheduler.variables import choose_candidates

NEIGHBOURS = 3  # advisors beside the candidate's own in a part
MAX_PARTS = 8  # candidate advisor-days tried per request, most promising first
BUDGET_S = 1.2  # wall-clock seconds for all parts of one request
PART_S = 0.5  # CP-SAT limit per part (parts are small: a few advisors over one day)
MAX_FREED = 24  # appointments that may move in one part: the candidate's own that day, then neighbours'



def _value(problem: Problem, named, appt, placement: Placement | None) -> int:
    """An appointment's own score terms at `placement` (None: unplaced), disruption included."""
    value = 0 if placement is None else placement_value(problem, named, appt, placement.advisor)
    before = problem.previous.get(appt.id)
    if before is not None and before != placement:
        value -= problem.weights.disruption
    return value


def _candidates(desk, appt, best_plain, plain) -> list[tuple[str, int]]:
    """Advisor-days where moves could beat the best offer without moves, most promising first."""
    p = desk.problem
    spd = p.horizon.slots_per_day
    named = desk.named(appt.client)
    days = sorted({d for w in appt.windows for d in range(w.start // spd, (w.end - 1) // spd + 1)})
    ranked = []
    for advisor in p.advisors:
        if not advisor.can_do(appt.kind, appt.skill) or advisor.max_appointments_per_day == 0:
            continue
        value = placement_value(p, named, appt, advisor.id)
        t = desk.time_of(advisor.id)
        ceiling = value + p.weights.protected * max(0, advisor.protected_minutes - t.kept)
        for d in days:
            if not any(a.start < (d + 1) * spd and d * spd < a.end for a in advisor.availability):
                continue
            here = plain.get((advisor.id, d))
            if here is not None and here.delta >= value:
                continue  # already booked there at its full value without moving anyone
            if best_plain is not None and ceiling <= best_plain:
                continue
            ranked.append((-ceiling, d, advisor.id))
    return [(v, d) for _, d, v in sorted(ranked)[:MAX_PARTS]]


def options_with_moves(desk, req, best_plain: int | None, plain: dict | None = None) -> list:
    """Options with moves for a single-appointment request (see the module doc)."""
    appt = req.instances[0]
    deadline = time.perf_counter() + BUDGET_S
    out = []
    for advisor_id, day in _candidates(desk, appt, best_plain, plain or {}):
        if time.perf_counter() > deadline:
            break
        found = _solve_part(desk, req, advisor_id, day, min(PART_S, max(0.05, deadline - time.perf_counter())))
        if found is None:
            continue
        start, moves = found
        option = _score(desk, appt, advisor_id, start, moves)
        if option.moves and (best_plain is None or option.delta > best_plain):
            out.append(option)
    return out


def _neighbours(desk, advisor_id: str, day: int, movable: list[str]) -> list[str]:
    p = desk.problem
    spd = p.horizon.slots_per_day
    span = (day * spd, (day + 1) * spd)
    appts = [p.appointment_by_id[a] for a in movable]
    ranked = []
    for other in p.advisors:
        if other.id == advisor_id or not any(other.can_do(a.kind, a.skill) for a in appts):
            continue
        free = sum(min(b, span[1]) - max(a, span[0]) for a, b in desk.time_of(other.id).runs
                   if a < span[1] and span[0] < b)
        if free > 0:
            ranked.append((-free, other.id))
    return [v for _, v in sorted(ranked)[:NEIGHBOURS]]


def _free_pieces(row: bytearray, window: Interval) -> list[Interval]:
    """The parts of `window` where `row` (a client's busy slots) is free."""
    pieces, pos = [], window.start
    while pos < window.end:
        start = row.find(0, pos, window.end)
        if start < 0:
            break
        end = row.find(1, start, window.end)
        end = window.end if end < 0 else end
        pieces.append(Interval(start, end))
        pos = end
    return pieces


def _solve_part(desk, req, advisor_id: str, day: int, seconds: float):
    """(start of the request, {appointment: (from, to)} of those that moved), or None."""
    p = desk.problem
    spd = p.horizon.slots_per_day
    span = Interval(day * spd, (day + 1) * spd)
    request = req.instances[0]
    movable = [a for a in desk.on_day(advisor_id, day) if p.appointment_by_id[a].pinned is None]
    part = [advisor_id] + _neighbours(desk, advisor_id, day, movable)
    freed = {a: desk.assignments[a] for a in movable}
    for v in part[1:]:  # a neighbour's own work may move too while the part stays small
        theirs = [a for a in desk.on_day(v, day) if p.appointment_by_id[a].pinned is None]
        if len(freed) + len(theirs) <= MAX_FREED:
            freed.update((a, desk.assignments[a]) for a in theirs)
    advisors = []
    for v in part:
        adv = p.advisor_by_id[v]
        stays = [(pl.start, pl.start + p.appointment_by_id[a].duration) for a in desk.on_day(v, day)
                 if a not in freed for pl in [desk.assignments[a]]]
        availability = [Interval(max(a.start, span.start), min(a.end, span.end)) for a in adv.availability
                        if a.start < span.end and span.start < a.end]
        outside = sum(e - s for s, e in desk.blocks.get(v, []) if not (span.start <= s < span.end))
        limit = adv.max_appointments_per_day
        advisors.append(replace(adv, availability=tuple(_cut(availability, stays)),
                                protected_minutes=max(0, adv.protected_minutes - outside * p.horizon.slot_minutes),
                                # the pins that stay that day count against the daily limit too
                                max_appointments_per_day=None if limit is None else max(0, limit - len(stays))))
    appointments, clients = [], {}
    for appt_id, placed in list(freed.items()) + [(request.id, None)]:
        appt = request if placed is None else p.appointment_by_id[appt_id]
        row = bytearray(desk.diary.client_busy[appt.client][span.start:span.end])
        for other_id, other in freed.items():  # what moves with the part does not block its client
            other_appt = p.appointment_by_id[other_id]
            if other_appt.client == appt.client:
                row[other.start - span.start:other.start - span.start + other_appt.duration] = bytes(other_appt.duration)
        local = []
        for w in appt.windows:
            cut = Interval(max(w.start, span.start) - span.start, min(w.end, span.end) - span.start)
            if cut.length >= appt.duration:
                local += [Interval(i.start + span.start, i.end + span.start) for i in _free_pieces(row, cut)
                          if i.length >= appt.duration]
        if not local:
            if placed is None:
                return None
            local = [Interval(placed.start, placed.start + appt.duration)]
        appointments.append(replace(appt, windows=tuple(sorted(local)), pinned=None))
        client = p.client_by_id[appt.client]
        clients[client.id] = Client(client.id, desk.named(client.id) or "-none-", client.need, client.complexity)
    previous = {a: pl for a, pl in p.previous.items() if a in freed}
    sub = Problem(p.horizon, p.weights, tuple(advisors), tuple(clients.values()), tuple(appointments), previous,
                  {a.id: a for a in advisors}, clients, {a.id: a for a in appointments})
    cands = choose_candidates(sub, dict(freed))
    st = pose(sub, cands, fixed_allocations=True)
    mine = st.xs.with_advisor(request.id, advisor_id)
    if not mine:
        return None
    st.model.add(sum(mine) == 1)
    stay = []
    for appt_id, placed in freed.items():
        st.model.add(st.assigned[appt_id] == 1)
        var = st.xs.x.get((appt_id, placed.advisor, placed.start))
        if var is not None:
            stay.append(var)
    st.model.add(sum(stay) >= len(freed) - req.max_moves)
    blocks = [(v, s, e) for v in part for s, e in desk.blocks.get(v, []) if span.start <= s < span.end]
    hint_plan(st, dict(freed), blocks)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.random_seed = 0
    status = solver.solve(st.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    placed_now = st.xs.extract(lambda var: solver.boolean_value(var))
    moves = {a: (before, placed_now[a]) for a, before in freed.items() if placed_now.get(a) != before}
    return placed_now[request.id].start, moves


def _score(desk, appt, advisor_id: str, start: int, moves: dict) -> Option:
    """The exact option: score change of the request, the moved appointments and every changed
    advisor's protected minutes (re-seated as desk.reseat does)."""
    p = desk.problem
    delta = _value(p, desk.named(appt.client), appt, Placement(advisor_id, start))
    busy = {}

    def row(v):
        if v not in busy:
            busy[v] = bytearray(desk.diary.advisor_busy[v])
        return busy[v]

    for a, (before, after) in moves.items():
        moved = p.appointment_by_id[a]
        named = desk.named(moved.client)
        delta += _value(p, named, moved, after) - _value(p, named, moved, before)
        row(before.advisor)[before.start:before.start + moved.duration] = bytes(moved.duration)
    for a, (before, after) in moves.items():
        moved = p.appointment_by_id[a]
        row(after.advisor)[after.start:after.start + moved.duration] = b"\x01" * moved.duration
    row(advisor_id)[start:start + appt.duration] = b"\x01" * appt.duration
    blocks, kept_change = {}, {}
    h = p.horizon
    for v, after in busy.items():
        seated = desk.reseat(v, [], busy=after)
        before = desk.time_of(v).kept
        if seated is None:
            continue
        advisor = p.advisor_by_id[v]
        now = min(advisor.protected_minutes, h.slot_minutes * sum(e - s for s, e in seated)) \
            if advisor.protected_minutes > 0 else 0
        blocks[v], kept_change[v] = seated, now - before
        delta += p.weights.protected * (now - before)
    ordered = tuple((a, before, after) for a, (before, after) in sorted(moves.items()))
    return Option(advisor_id, (start,), delta, ordered, blocks, kept_change)
