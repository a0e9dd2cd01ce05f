"""What a booking desk does by hand, as baselines the solver must beat.

- earliest: each appointment goes to the first free qualified advisor at the earliest slot.
- named-first: the client's named advisor first (at their earliest free slot), else the earliest
  other; policing goes to someone other than the named advisor when anyone else can take it.

Both obey every hard rule, allocate new clients, and keep protected time in what is left free.
They also give the solver its warm start.
"""
from __future__ import annotations

import time

from scheduler import explain
from scheduler.document import solution_document
from scheduler.diary import Diary
from scheduler.model import Appointment, Placement, Problem
from scheduler.parse import parse_problem


def allocate_new_clients(problem: Problem) -> dict[str, str]:
    """Give each new client with support appointments the qualified advisor with most spare caseload."""
    spare = {a.id: a.spare_caseload() for a in problem.advisors}
    wanted = {a.client for a in problem.appointments if a.kind == "support"}
    allocations = {}
    for client in problem.clients:
        if client.named_advisor is not None or client.id not in wanted or client.need is None:
            continue
        options = [(i, a) for i, a in enumerate(problem.advisors)
                   if a.can_do("support", client.need) and spare[a.id] > 0]
        if options:
            choice = max(options, key=lambda row: (spare[row[1].id], -row[0]))[1]
            allocations[client.id] = choice.id
            spare[choice.id] -= 1
    return allocations


def qualified(problem: Problem, appt: Appointment) -> list[str]:
    """Ids of the advisors with the appointment's skill and the role of its kind, in the problem's order."""
    return list(_qualified(problem, appt.kind, appt.skill))


_QUALIFIED: dict = {}


def _qualified(problem: Problem, kind: str, skill: str) -> tuple[str, ...]:
    # Keyed by the problem's identity (its advisors never change), so the desks ask once per (kind, skill).
    key = (id(problem.advisors), kind, skill)
    found = _QUALIFIED.get(key)
    if found is None or found[0] is not problem.advisors:
        if len(_QUALIFIED) > 512:
            _QUALIFIED.clear()
        found = (problem.advisors, tuple(a.id for a in problem.advisors if a.can_do(kind, skill)))
        _QUALIFIED[key] = found
    return found[1]


def _slack(a: Appointment) -> int:
    return sum(w.length for w in a.windows) - a.duration


# The orders a desk may take requests in (after the pins): by earliest window (the default), as the
# requests came (the document's order), by the end of the last window, or the tightest windows first.
# No one order is best on every week (measured on varied weeks: each wins somewhere, by up to 4 % of
# the score), so the planner starts from the best of them.
ORDERS = {
    "window": lambda i, a: (a.windows[0].start, a.id),
    "requests": lambda i, a: i,
    "window-end": lambda i, a: (a.windows[-1].end, a.id),
    "tight": lambda i, a: (_slack(a), a.windows[0].start, a.id),
}


def booking_order(problem: Problem, order: str = "window") -> list[Appointment]:
    """Pinned appointments first (they are fixed), then in the ORDERS[order] order. Cached per
    problem (the desks and repairs ask for it many times; sorting 10,000 requests takes 0.1 s)."""
    cache_key = (id(problem.appointments), order)
    found = _ORDERED.get(cache_key)
    if found is None or found[0] is not problem.appointments:
        key = ORDERS[order]
        if len(_ORDERED) > 64:
            _ORDERED.clear()
        found = (problem.appointments, [a for _, a in sorted(enumerate(problem.appointments),
                                                             key=lambda row: (row[1].pinned is None, key(*row)))])
        _ORDERED[cache_key] = found
    return list(found[1])


_ORDERED: dict = {}


def earliest_of(diary: Diary, appt: Appointment, advisors: list[str]) -> Placement | None:
    """The earliest place for `appt` in `diary` among `advisors` (ids, in order of preference): a Placement
    (advisor id, start in slots from the week's start), ties to the first listed; None if none of them
    has room in the appointment's windows. The booking desk's earliest-free-slot rule."""
    best = None
    first = min(w.start for w in appt.windows) if appt.windows else 0
    for advisor_id in advisors:
        start = diary.earliest_start(appt, advisor_id, None if best is None else best.start)
        if start is not None:
            best = Placement(advisor_id, start)
            if start == first:
                break  # nobody can be earlier than the window opens
    return best


def choose_earliest(problem, diary, appt, named) -> Placement | None:
    return earliest_of(diary, appt, qualified(problem, appt))


def choose_named_first(problem, diary, appt, named) -> Placement | None:
    options = qualified(problem, appt)
    if appt.kind == "policing":
        return earliest_of(diary, appt, [v for v in options if v != named]) or (
            earliest_of(diary, appt, [named]) if named in options else None)
    if named in options:
        start = diary.earliest_start(appt, named)
        if start is not None:
            return Placement(named, start)
    return earliest_of(diary, appt, [v for v in options if v != named])


def _free_runs(problem: Problem, advisor, busy: bytearray) -> list[tuple[int, int]]:
    """Free stretches of at least protected_block_minutes inside each availability interval."""
    runs = []
    for avail in advisor.availability:
        start = None
        for slot in range(avail.start, avail.end + 1):
            free = slot < avail.end and not busy[slot]
            if free and start is None:
                start = slot
            elif not free and start is not None:
                if slot - start >= problem.horizon.protected_block_slots:
                    runs.append((start, slot))
                start = None
    return runs


def _preferred_first(advisor, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of free runs inside the advisor's preferred protected time first, then the longest others."""
    preferred, rest = [], []
    for start, end in runs:
        inside = [(max(start, p.start), min(end, p.end)) for p in advisor.preferred_protected
                  if min(end, p.end) > max(start, p.start)]
        preferred += inside
        # What is left of the run either side of the preferred parts stays available.
        cursor = start
        for a, b in sorted(inside):
            if a > cursor:
                rest.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < end:
            rest.append((cursor, end))
    preferred.sort(key=lambda r: (-(r[1] - r[0]), r[0]))
    rest.sort(key=lambda r: (-(r[1] - r[0]), r[0]))
    return preferred + rest


def place_protected(problem: Problem, diary: Diary) -> list[tuple[str, int, int]]:
    """Keep protected time in each advisor's preferred, then longest, free stretches until the target is met.

    Given the appointments, this keeps as many protected minutes as any placement could (every free
    stretch long enough is used until the target is reached), so the solver uses it too, to seat its
    blocks where advisors prefer them without changing the score.
    """
    return [(advisor.id, start, end) for advisor in problem.advisors
            for start, end in seat_advisor(problem, advisor, diary.advisor_busy[advisor.id])]


def seat_advisor(problem: Problem, advisor, busy: bytearray) -> list[tuple[int, int]]:
    """One advisor's protected blocks (start, end slots) given its busy slots, as place_protected seats
    them: as many minutes as any seating keeps, in preferred then longest free stretches."""
    h = problem.horizon
    needed = -(-advisor.protected_minutes // h.slot_minutes)
    if needed <= 0:
        return []
    runs = _free_runs(problem, advisor, busy)
    seated = _seat(h.protected_block_slots, needed, sorted(runs, key=lambda r: (-(r[1] - r[0]), r[0])))
    if advisor.preferred_protected:
        # Splitting runs at a preference can leave pieces too short for a block; a preference
        # may only move blocks, never lose protected minutes.
        preferred = _seat(h.protected_block_slots, needed, _preferred_first(advisor, runs))
        if _kept(preferred, needed) >= _kept(seated, needed):
            seated = preferred
    return seated


def _seat(block_slots: int, needed: int, stretches: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Blocks of at least block_slots in the stretches, in their order, until `needed` slots are kept."""
    seated, taken = [], set()
    for start, end in stretches:
        if needed <= 0:
            break
        if end - start < block_slots or any(start < e and s < end for s, e in taken):
            continue
        length = min(end - start, max(needed, block_slots))
        seated.append((start, start + length))
        taken.add((start, start + length))
        needed -= length
    return seated


def _kept(seated: list[tuple[int, int]], needed: int) -> int:
    return min(needed, sum(end - start for start, end in seated))


def _fits(problem: Problem, appt: Appointment, placed: Placement) -> bool:
    """Rules 1 and 2 for one placement (the diary checks the rest)."""
    advisor = problem.advisor_by_id.get(placed.advisor)
    end = placed.start + appt.duration
    return (advisor is not None and advisor.can_do(appt.kind, appt.skill)
            and any(w.contains(placed.start, end) for w in appt.windows)
            and any(a.contains(placed.start, end) for a in advisor.availability))


def run_baseline(problem, choose, name: str, keep_previous: bool = False, order: str = "window",
                 allocate: str = "spare") -> dict:
    """A desk plan as a solution document (see desk_plan), for the bench, the CLI and the tests."""
    if not isinstance(problem, Problem):
        problem = parse_problem(problem)
    began = time.perf_counter()
    assignments, allocations, protected, reasons = desk_plan(problem, choose, keep_previous, order, allocate)
    return solution_document(problem, assignments, allocations, protected, status="feasible", reasons=reasons,
                             seconds=time.perf_counter() - began, solver=name)


def desk_plan(problem: Problem, choose=None, keep_previous: bool = False, order: str = "window",
              allocate: str = "spare"):
    """A desk plan in slot indices: (assignments, allocations, protected, reasons). Pins, then
    (keep_previous) what still fits, then each request in `order` (see ORDERS) placed by `choose`
    (default choose_named_first). allocate: "spare" gives each new client the qualified advisor
    with most spare caseload up front; "first" gives it the advisor of its first booked support
    appointment, where that advisor may take it. Allocations are only those of clients with a
    booked support appointment; reasons say why each unbooked appointment is left out."""
    reasons = {}
    diary, assignments, allocations = _book(problem, choose or choose_named_first, keep_previous, order, allocate,
                                            reasons)
    used = {c for a in problem.appointments if a.id in assignments and a.kind == "support" for c in [a.client]}
    allocations = {c: v for c, v in allocations.items() if c in used}
    protected = place_protected(problem, diary)
    reasons = {**explain.unplaced(problem, assignments), **reasons}  # a clashing pin keeps its own reason
    return assignments, allocations, protected, reasons


def _book(problem: Problem, choose, keep_previous: bool, order: str, allocate: str, reasons: dict | None = None):
    """(diary, assignments, allocations) of a desk run (see desk_plan); a clashing pin's reason
    goes into `reasons`."""
    diary = Diary(problem)
    allocations = allocate_new_clients(problem) if allocate == "spare" else {}
    room = {a.id: a.spare_caseload() for a in problem.advisors}
    assignments = {}
    for appt in booking_order(problem):  # pins first: nothing else may take their place
        if appt.pinned is not None:
            if diary.can_place(appt, appt.pinned.advisor, appt.pinned.start):
                diary.place(appt, appt.pinned.advisor, appt.pinned.start)
                assignments[appt.id] = appt.pinned
            elif reasons is not None:
                reasons[appt.id] = explain.pin_clash(problem, appt, assignments)
    if keep_previous:  # re-planning: everything published that still fits stays where it was
        for appt in booking_order(problem):
            before = problem.previous.get(appt.id)
            if appt.pinned is None and before is not None and _fits(problem, appt, before) \
                    and diary.can_place(appt, before.advisor, before.start):
                diary.place(appt, before.advisor, before.start)
                assignments[appt.id] = before
    for appt in booking_order(problem, order):
        if appt.id in assignments or appt.pinned is not None:
            continue
        named = problem.home_of(appt.client, allocations)
        placed = choose(problem, diary, appt, named)
        if placed is None:
            continue  # explained against the whole desk plan (nothing frees up later)
        diary.place(appt, placed.advisor, placed.start)
        assignments[appt.id] = placed
        if named is None and appt.kind == "support" and allocate == "first":
            client, advisor = problem.client_by_id[appt.client], problem.advisor_by_id[placed.advisor]
            if advisor.can_do("support", client.need) and room[advisor.id] > 0:
                allocations[client.id] = advisor.id
                room[advisor.id] -= 1
    return diary, assignments, allocations


def earliest(problem) -> dict:
    return run_baseline(problem, choose_earliest, "earliest")


def named_first(problem) -> dict:
    return run_baseline(problem, choose_named_first, "named-first")


# The desk plans the planner starts from: (order, allocation) variants of named-first, and earliest.
DESK_VARIANTS = (("window", "spare"), ("requests", "first"), ("window-end", "first"), ("tight", "first"),
                 ("window", "first"))


def desk_plans(problem: Problem, variants=DESK_VARIANTS):
    """(name, assignments, allocations, protected) of each named-first variant and of earliest, in
    slot indices (no documents), for the planner to start from."""
    out = []
    runs = [(f"named-first/{order}/{allocate}", choose_named_first, order, allocate) for order, allocate in variants]
    runs.append(("earliest", choose_earliest, "window", "spare"))
    for name, choose, order, allocate in runs:
        diary, assignments, allocations = _book(problem, choose, False, order, allocate)
        used = {problem.appointment_by_id[a].client for a in assignments
                if problem.appointment_by_id[a].kind == "support"}
        allocations = {c: v for c, v in allocations.items() if c in used}
        out.append((name, assignments, allocations, place_protected(problem, diary)))
    return out


def keep_previous(problem) -> dict:
    """Re-planning as a desk would: keep what still fits, book the rest named-first."""
    return run_baseline(problem, choose_named_first, "keep-previous", keep_previous=True)


BASELINES = {"earliest": earliest, "named-first": named_first}
