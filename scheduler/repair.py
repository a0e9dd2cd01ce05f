"""A quick greedy pass over a valid plan before the neighbourhood search: bring appointments home.

The best booking-desk start for fill (earliest) scatters clients across advisors, and the search
then spends most of its time moving them back one part at a time. This pass does the easy moves
at once: each support appointment away from its client's advisor moves to that advisor's earliest
free time in its windows, each policing appointment with the client's own advisor moves to
another advisor, then anything still unbooked is booked where it now fits. Protected blocks are
placed again in the time left. The result is kept only if it scores higher, so it never hurts.
"""
from __future__ import annotations

from scheduler import baselines, metrics
from scheduler.budget import Budget
from scheduler.model import Placement, Problem
from scheduler.variables import feasible_starts


_Book = baselines.Diary


def bring_home(plan, budget: Budget | None = None) -> int:
    """Improve `plan` (scheduler.lns.Plan) in place by single moves; returns how many it made.
    Stops early (keeping the moves made so far, if they raise the score) once `budget` is spent: a
    pass took 2-6 s at 120 advisors on a loaded machine, past the start phase's share."""
    problem: Problem = plan.problem
    before = plan.score()
    assignments = dict(plan.assignments)
    book = _Book.holding(problem, assignments)
    homes = {c.id: problem.home_of(c.id, plan.allocations) for c in problem.clients}
    moves = 0
    for count, appt in enumerate(problem.appointments):
        if _spent(budget, count):
            break
        placed = assignments.get(appt.id)
        if placed is None or appt.pinned is not None or problem.previous.get(appt.id) == placed:
            continue  # pins stay; so do published placements (moving one costs disruption)
        home = homes[appt.client]
        if home is None:
            continue
        if appt.kind == "support" and placed.advisor != home and problem.advisor_by_id[home].can_do(appt.kind, appt.skill):
            targets = [home]
        elif appt.kind == "policing" and placed.advisor == home:
            targets = [v for v in baselines.qualified(problem, appt) if v != home]
        else:
            continue
        book.remove(appt, placed.advisor, placed.start)
        better = baselines.earliest_of(book, appt, targets)
        if better is None:
            better = placed
        else:
            moves += 1
        book.place(appt, better.advisor, better.start)
        assignments[appt.id] = better
    if not _spent(budget):
        moves += _swap_home(problem, plan, book, assignments, homes, budget)
    for count, appt in enumerate(baselines.booking_order(problem)):  # the moves may have opened room for the unbooked
        if _spent(budget, count):
            break
        if appt.id in assignments or appt.pinned is not None:
            continue
        home = problem.home_of(appt.client, plan.allocations)
        placed = baselines.choose_named_first(problem, book, appt, home)
        if placed is not None:
            book.place(appt, placed.advisor, placed.start)
            assignments[appt.id] = placed
            moves += 1
    old = (plan.assignments, plan.protected)
    plan.assignments, plan.protected = assignments, baselines.place_protected(problem, book)
    if plan.score() <= before:
        plan.assignments, plan.protected = old
        return 0
    return moves



# How many appointments a greedy pass goes through between looks at the clock.
CLOCK_EVERY = 64


def _spent(budget: Budget | None, count: int = 0) -> bool:
    """Whether `budget` is spent, looked at when `count` is a multiple of CLOCK_EVERY (the first included)."""
    return budget is not None and count % CLOCK_EVERY == 0 and budget.expired()


def _swap_home(problem: Problem, plan, book: _Book, assignments: dict, homes: dict,
               budget: Budget | None = None) -> int:
    """Where the client's advisor has no free time: trade places with one of that advisor's
    appointments that is not at home there either, if the other one fits at the first's advisor."""
    fixed = {a.id for a in problem.appointments if a.pinned is not None}
    fixed |= {a for a, before in problem.previous.items() if assignments.get(a) == before}
    # Per advisor, the movable appointments it holds for clients who are not its own: the only ones
    # a swap may take (a week near its best has few, so the pass stays fast at 10,000 appointments).
    away: dict[str, list[str]] = {}
    for appt_id, placed in assignments.items():
        if appt_id not in fixed and homes[problem.appointment_by_id[appt_id].client] != placed.advisor:
            away.setdefault(placed.advisor, []).append(appt_id)
    swaps = 0
    for count, appt in enumerate(problem.appointments):
        if _spent(budget, count):
            break
        placed = assignments.get(appt.id)
        home = homes[appt.client]
        if (placed is None or appt.id in fixed or appt.kind != "support" or home is None or placed.advisor == home
                or not problem.advisor_by_id[home].can_do(appt.kind, appt.skill)):
            continue
        for other_id in list(away.get(home, [])):
            other = problem.appointment_by_id[other_id]
            there = assignments[other_id]
            other_home = homes[other.client]
            if (other.kind == "policing" and other_home == placed.advisor) \
                    or not problem.advisor_by_id[placed.advisor].can_do(other.kind, other.skill) \
                    or not any(w.start < there.start + other.duration and there.start < w.end for w in appt.windows):
                continue
            book.remove(appt, placed.advisor, placed.start)
            book.remove(other, there.advisor, there.start)
            new_self = baselines.earliest_of(book, appt, [home])
            if new_self is not None:
                book.place(appt, new_self.advisor, new_self.start)
                new_other = baselines.earliest_of(book, other, [placed.advisor])
                if new_other is not None:
                    book.place(other, new_other.advisor, new_other.start)
                    assignments[appt.id], assignments[other_id] = new_self, new_other
                    away[home].remove(other_id)
                    away[placed.advisor].remove(appt.id)
                    if other_home != placed.advisor:
                        away[placed.advisor].append(other_id)
                    swaps += 1
                    break
                book.remove(appt, new_self.advisor, new_self.start)
            book.place(appt, placed.advisor, placed.start)
            book.place(other, there.advisor, there.start)
    return swaps


# Other times tried for each appointment moved out of preferred time (nearest first): enough to find
# one that keeps the score, few enough that the pass stays well under a second.
PREFERENCE_TRIES = 8


def seat_protected(plan, book: baselines.Diary | None = None) -> None:
    """Re-seat protected blocks in advisors' preferred, then longest, free time where that keeps at
    least as many minutes. `book`: the plan's appointments, if already booked."""
    problem = plan.problem
    reseated = baselines.place_protected(problem, book or baselines.Diary.holding(problem, plan.assignments))
    kept = metrics.protected_minutes_kept
    if sum(kept(problem, reseated).values()) >= sum(kept(problem, plan.protected).values()):
        plan.protected = reseated


def clear_preferred_time(plan) -> int:
    """Seat protected blocks (seat_protected), then move appointments out of advisors' preferred
    protected time to another time with the same advisor, where that keeps the score and the protected
    minutes seated in preferred time at least as high. Continuity, separation and fill cannot change
    (same advisor), so the score guards the protected minutes; pins and published placements stay.
    Returns how many appointments moved."""
    problem: Problem = plan.problem
    book = _Book.holding(problem, plan.assignments)
    seat_protected(plan, book)
    wanting = [v for v in problem.advisors if v.preferred_protected and v.protected_minutes > 0]
    if not wanting:
        return 0
    best = (plan.score(), _preferred_minutes(problem, plan.protected))
    moves = 0
    for advisor in wanting:
        prefs = advisor.preferred_protected
        mine = sorted((p.start, a) for a, p in plan.assignments.items() if p.advisor == advisor.id)
        for start, appt_id in mine:
            appt = problem.appointment_by_id[appt_id]
            if (appt.pinned is not None or problem.previous.get(appt_id) == plan.assignments[appt_id]
                    or not _overlaps(start, start + appt.duration, prefs)):
                continue
            book.remove(appt, advisor.id, start)
            options = [s for s in feasible_starts(problem, appt, advisor.id)
                       if not _overlaps(s, s + appt.duration, prefs) and book.can_place(appt, advisor.id, s)]
            moved = False
            for other in sorted(options, key=lambda s: abs(s - start))[:PREFERENCE_TRIES]:
                book.place(appt, advisor.id, other)
                plan.assignments[appt_id] = Placement(advisor.id, other)
                protected = baselines.place_protected(problem, book)
                old_protected, plan.protected = plan.protected, protected
                trial = (plan.score(), _preferred_minutes(problem, protected))
                # Leaving preferred time is itself the gain, so ties on protected minutes count.
                if trial[0] >= best[0] and trial[1] >= best[1]:
                    best, moved = trial, True
                    moves += 1
                    break
                plan.protected = old_protected
                book.remove(appt, advisor.id, other)
            if not moved:
                plan.assignments[appt_id] = Placement(advisor.id, start)
                book.place(appt, advisor.id, start)
    return moves


def _overlaps(start: int, end: int, intervals) -> bool:
    return any(start < i.end and i.start < end for i in intervals)


def _preferred_minutes(problem: Problem, protected) -> int:
    """Protected slots that lie in their advisor's preferred time."""
    total = 0
    for advisor_id, start, end in protected:
        for p in problem.advisor_by_id[advisor_id].preferred_protected:
            total += max(0, min(end, p.end) - max(start, p.start))
    return total




def _value(problem: Problem, plan, appt, advisor_id: str, start: int) -> int:
    """The score an appointment brings at (advisor, start), beyond being booked: continuity,
    separation and disruption (protected time is the advisor's, not the appointment's)."""
    w = problem.weights
    value = 0
    named = problem.home_of(appt.client, plan.allocations)
    if named == advisor_id:
        value += w.continuity * problem.client_by_id[appt.client].complexity if appt.kind == "support" else -w.separation
    before = problem.previous.get(appt.id)
    if before is not None and before != Placement(advisor_id, start):
        value -= w.disruption
    return value


def match_same_times(plan) -> int:
    """Re-deal appointments that share a start and a length among the advisors who hold them, to the
    best assignment (continuity, separation, disruption). Returns the score gained.

    Such a trade changes no advisor's busy time, day count or protected time and no client's time,
    so only skills and roles can stop it: every result is valid. It takes a fill-first plan (the
    earliest desk scatters clients over everyone free at the time) most of the way back to the
    clients' own advisors in milliseconds, which the neighbourhood search would do one part at a time.
    """
    from ortools.graph.python import linear_sum_assignment

    problem: Problem = plan.problem
    groups: dict[tuple[int, int], list[str]] = {}
    for appt_id, placed in plan.assignments.items():
        appt = problem.appointment_by_id[appt_id]
        if appt.pinned is None:
            groups.setdefault((placed.start, appt.duration), []).append(appt_id)
    gained = 0
    for (start, _), ids in groups.items():
        if len(ids) < 2:
            continue
        ids.sort()
        holders = [plan.assignments[a].advisor for a in ids]
        appts = [problem.appointment_by_id[a] for a in ids]
        if not _could_gain(problem, plan, appts, holders, start):
            continue
        values = {}
        for i, appt in enumerate(appts):
            for j, advisor_id in enumerate(holders):
                if problem.advisor_by_id[advisor_id].can_do(appt.kind, appt.skill):
                    values[(i, j)] = _value(problem, plan, appt, advisor_id, start)
        current = sum(values[(i, i)] for i in range(len(ids)))
        best = {}
        for (i, _), v in values.items():
            best[i] = max(best.get(i, v), v)
        if all(values[(i, i)] >= best[i] for i in range(len(ids))):
            continue  # everyone already has their best holder
        solver = linear_sum_assignment.SimpleLinearSumAssignment()
        for (i, j), v in values.items():
            solver.add_arc_with_cost(i, j, -v)
        if solver.solve() != solver.OPTIMAL or -solver.optimal_cost() <= current:
            continue
        for i, appt_id in enumerate(ids):
            plan.assignments[appt_id] = Placement(holders[solver.right_mate(i)], start)
        gained += -solver.optimal_cost() - current
    return gained


def _could_gain(problem: Problem, plan, appts, holders, start: int) -> bool:
    """Whether some appointment of a same-time group is worse off than it could be with another holder."""
    here = set(holders)
    for appt, holder in zip(appts, holders):
        named = problem.home_of(appt.client, plan.allocations)
        before = problem.previous.get(appt.id)
        if appt.kind == "support" and named in here and named != holder:
            return True
        if appt.kind == "policing" and named == holder:
            return True
        if before is not None and before.start == start and before.advisor != holder and before.advisor in here:
            return True
    return False


# How many moves of a blocker one unbooked appointment, and the whole pass, may try. A blocker that
# found no other place is not tried again (free time only shrinks as the pass books more), so the
# tries are cheap enough to leave nearly unbounded: on varied 60 s11 (3,104 appointments, ~600
# unbooked) the old caps (40 a appointment, 3,000 in all) left the start plan at 2,505 booked, the
# pass now books 26 more in ~1 s (120 s7: 1-2 s a pass at load 4).
EJECT_TRIES = 200
EJECT_TOTAL = 20000


def book_by_ejection(plan, budget: Budget | None = None, deep: bool = False) -> int:
    """Book unbooked appointments by moving appointments out of the way: at a place where one
    unpinned appointment blocks it (deep: or two, EJECT_GROUP), or where the time is free but the
    advisor's day is at its daily limit (then one of that day's appointments), those move to their
    earliest free places (their clients' own advisors first, the same advisor at another time
    included) and the unbooked one takes the place; deep, a lone blocker with no free place may go to
    a day at its daily limit whose own appointment moves on (_eject_onward: about three times the
    time). Kept only if the plan scores higher with protected time seated again; returns how many
    were booked. Stops early (keeping what it booked) once `budget` is spent."""
    problem: Problem = plan.problem
    unbooked = [a for a in baselines.booking_order(problem) if a.id not in plan.assignments and a.pinned is None]
    if not unbooked:
        return 0
    before = plan.score()
    assignments = dict(plan.assignments)
    book = _Book.holding(problem, assignments)
    total = problem.horizon.total_slots
    spd = problem.horizon.slots_per_day
    owner: dict[str, list] = {v.id: [None] * total for v in problem.advisors}
    for appt_id, placed in assignments.items():
        owner[placed.advisor][placed.start:placed.start + problem.appointment_by_id[appt_id].duration] = \
            [appt_id] * problem.appointment_by_id[appt_id].duration
    fixed = {a.id for a in problem.appointments if a.pinned is not None}
    stuck: set[str] = set()  # blockers that found no other place alone
    memo = _Earliest(problem, book, plan.allocations)
    booked = tries = 0
    for count, appt in enumerate(unbooked):
        if tries >= EJECT_TOTAL or (budget is not None and count % 8 == 7 and budget.expired()):
            break
        home = problem.home_of(appt.client, plan.allocations)
        options = baselines.qualified(problem, appt)
        options.sort(key=lambda v: v != home if appt.kind == "support" else v == home)
        client = book.client_busy[appt.client]
        mine = 0
        done = None
        for advisor_id in options:
            slots, seen = owner[advisor_id], set()
            limit = problem.advisor_by_id[advisor_id].max_appointments_per_day
            for start in feasible_starts(problem, appt, advisor_id):
                end = start + appt.duration
                if any(client[start:end]):
                    continue
                blockers = set(slots[start:end])
                blockers.discard(None)
                if len(blockers) > (EJECT_GROUP if deep else 1) or blockers & fixed:
                    continue
                if not blockers:
                    if book.can_place(appt, advisor_id, start):  # free after earlier moves
                        book.place(appt, advisor_id, start)
                        done = (advisor_id, start, [])
                        break
                    day = start // spd
                    if limit is None or book.starts[(advisor_id, day)] < limit:
                        continue
                    blockers = set(slots[day * spd:(day + 1) * spd])  # the day is full: one of its own moves
                    blockers.discard(None)
                    groups = [(b,) for b in sorted(blockers - stuck - fixed)]
                elif len(blockers) == 1:
                    groups = [tuple(blockers)] if not blockers & stuck else []
                else:  # two in the way: both move (the day re-packed around the newcomer)
                    groups = [tuple(sorted(blockers))]
                for group in groups:
                    if group in seen:
                        continue
                    seen.add(group)
                    mine += 1
                    moves, nowhere = _eject(problem, plan, book, assignments, appt, advisor_id, start, group,
                                            owner if deep else None, fixed, memo)
                    if moves is not None:
                        done = (advisor_id, start, moves)
                        break
                    if nowhere and len(group) == 1:
                        stuck.add(group[0])
                    if mine >= EJECT_TRIES:
                        break
                if done is not None or mine >= EJECT_TRIES:
                    break
            if done is not None or mine >= EJECT_TRIES:
                break
        tries += mine
        if done is None:
            continue
        advisor_id, start, moves = done
        memo.forget()  # the diary the remembered places were found in has changed
        for other_id, there, _ in moves:
            other = problem.appointment_by_id[other_id]
            owner[there.advisor][there.start:there.start + other.duration] = [None] * other.duration
        for other_id, _, moved in moves:
            other = problem.appointment_by_id[other_id]
            owner[moved.advisor][moved.start:moved.start + other.duration] = [other_id] * other.duration
            assignments[other_id] = moved
        owner[advisor_id][start:start + appt.duration] = [appt.id] * appt.duration
        assignments[appt.id] = Placement(advisor_id, start)
        booked += 1
    return _kept_if_higher(plan, assignments, book, before, booked)


def _eject(problem: Problem, plan, book: _Book, assignments: dict, appt, advisor_id: str, start: int,
           group: tuple, owner: dict | None = None, fixed: set = frozenset(),
           memo: _Earliest | None = None) -> tuple[list | None, bool]:
    """Move the appointments of `group` out of the way and book `appt` at (advisor_id, start), each of
    them then at its earliest free place (named advisor first). Returns ([(id, old, new placement)],
    False) with `book` changed, or (None, whether one of them found no other place) with `book` as it was.
    With `owner` (who holds each advisor slot), one appointment with no free place may still go to a
    day at its daily limit whose own appointment then moves on (_eject_onward). `memo`: places found
    in the diary as it was before this try (_Earliest)."""
    memo = memo or _Earliest(problem, book, plan.allocations)
    out = [(problem.appointment_by_id[o], assignments[o]) for o in group]
    for other, there in out:
        book.remove(other, there.advisor, there.start)
    moves = []
    nowhere = False
    if book.can_place(appt, advisor_id, start):
        nowhere = True  # unless all of them move
        book.place(appt, advisor_id, start)
        for other, there in out:
            # What changed since the try began, besides `other` taken out: the newcomer, the rest of
            # the group taken out, and those of them already moved.
            advisors = {advisor_id} | {t.advisor for o, t in out if o is not other} | {m.advisor for _, _, m in moves}
            clients = {appt.client} | {o.client for o, _ in out if o is not other}
            moved = memo.named_first(other, advisors, clients)
            if moved is None:
                break
            book.place(other, moved.advisor, moved.start)
            moves.append((other.id, there, moved))
        if len(moves) < len(out) and len(out) == 1 and owner is not None:
            onward = _eject_onward(problem, plan, book, assignments, owner, fixed | {appt.id}, out[0][0],
                                   memo, advisor_id, appt.client)
            if onward is not None:
                return onward, False
        if len(moves) == len(out):
            return moves, False
        for other_id, _, moved in moves:
            book.remove(problem.appointment_by_id[other_id], moved.advisor, moved.start)
        book.remove(appt, advisor_id, start)
    for other, there in out:
        book.place(other, there.advisor, there.start)
    return None, nowhere


# Days at their daily limit tried for the moved appointment, and their appointments tried as the one
# to move on, per blocker: a tight week's days are full by count while time is left in them.
ONWARD_DAYS = 12
ONWARD_TRIES = 60


def _eject_onward(problem: Problem, plan, book: _Book, assignments: dict, owner: dict, fixed: set, other,
                  memo: _Earliest | None = None, newcomer_advisor: str | None = None,
                  newcomer_client: str | None = None):
    """Place `other` (already out of the book) on an advisor-day at its daily limit where it has free
    time, moving one of that day's appointments to its earliest free place (named advisor first; the
    day `other` left included). Returns [(id, from, to)] with `book` changed, or None with it as it was.
    `memo` (_Earliest): places found in the diary before the try, which since then took `other` out
    and the newcomer in (at `newcomer_advisor`, for `newcomer_client`)."""
    memo = memo or _Earliest(problem, book, plan.allocations)
    spd = problem.horizon.slots_per_day
    there = assignments[other.id]
    days = tries = 0
    for advisor_id in baselines.qualified(problem, other):
        limit = problem.advisor_by_id[advisor_id].max_appointments_per_day
        if limit is None:
            continue
        for window in other.windows:
            for d in range(window.start // spd, (window.end - 1) // spd + 1):
                if book.starts[(advisor_id, d)] < limit:
                    continue
                start = _free_start(book, other, advisor_id, max(window.start, d * spd), min(window.end, (d + 1) * spd))
                if start is None:
                    continue
                days += 1
                members = set(owner[advisor_id][d * spd:(d + 1) * spd])
                members.discard(None)
                for y_id in sorted(members - fixed - {other.id}):
                    y, y_there = problem.appointment_by_id[y_id], assignments[y_id]
                    if y_there.advisor != advisor_id or y_there.start // spd != d:
                        continue  # moved earlier in this attempt
                    tries += 1
                    book.remove(y, y_there.advisor, y_there.start)
                    if book.can_place(other, advisor_id, start):
                        book.place(other, advisor_id, start)
                        moved = memo.named_first(y, {newcomer_advisor, there.advisor, advisor_id} - {None},
                                                 {newcomer_client, other.client} - {None})
                        if moved is not None:
                            book.place(y, moved.advisor, moved.start)
                            return [(other.id, there, Placement(advisor_id, start)), (y_id, y_there, moved)]
                        book.remove(other, advisor_id, start)
                    book.place(y, y_there.advisor, y_there.start)
                    if tries >= ONWARD_TRIES:
                        return None
                if days >= ONWARD_DAYS:
                    return None
    return None


def _free_start(book: _Book, appt, advisor_id: str, lo: int, hi: int) -> int | None:
    """The earliest start in [lo, hi) where the advisor and the client are free, whatever the daily
    limit (`blocked` holds the advisor's time off too)."""
    blocked, client = book.blocked[advisor_id], book.client_busy[appt.client]
    need = b"\x00" * appt.duration
    pos = lo
    while pos + appt.duration <= hi:
        pos = blocked.find(need, pos, hi)
        if pos < 0:
            return None
        clash = client.rfind(1, pos, pos + appt.duration)
        if clash < 0:
            return pos
        pos = clash + 1
    return None


class _Earliest:
    """baselines.choose_named_first for appointments taken out of a diary, remembered between tries.

    book_by_ejection asks where a blocker would go ~15 times per blocker between two bookings (80,895
    asks for 5,222 appointments on varied 120 s19), each a search of every qualified advisor's diary.
    Between bookings the diary is always the same `base` (a failed try puts everything back), and a
    try changes only a few advisors and clients (`touched`). So per appointment x this keeps, for the
    diary `base` without x: the named advisor's earliest start and the earliest (start, advisor) of
    the others; an ask then searches only the touched advisors and reuses the rest. The answer is
    always what choose_named_first gives on the live diary (tests/scheduler/test_repair_memo.py). forget()
    after every booking (the base changes)."""

    def __init__(self, problem: Problem, book: _Book, allocations: dict):
        self.problem, self.book, self.allocations = problem, book, allocations
        self.memo: dict[str, tuple] = {}
        self.ranks: dict[tuple, dict[str, int]] = {}

    def forget(self) -> None:
        self.memo.clear()

    def _rank(self, appt) -> dict[str, int]:
        """Each qualified advisor's place in baselines.qualified's order (ties go to the first)."""
        key = (appt.kind, appt.skill)
        rank = self.ranks.get(key)
        if rank is None:
            rank = self.ranks[key] = {v: i for i, v in enumerate(baselines.qualified(self.problem, appt))}
        return rank

    def named_first(self, appt, advisors: set, clients: set) -> Placement | None:
        """Where `appt` (out of the diary) goes, named-first, given that since `base` the diary changed
        only at `advisors` and `clients` (besides taking `appt` out)."""
        problem, book = self.problem, self.book
        named = problem.home_of(appt.client, self.allocations)
        if appt.client in clients:
            return baselines.choose_named_first(problem, book, appt, named)
        options = baselines.qualified(problem, appt)
        found = self.memo.get(appt.id)
        if found is None or (found[1] is not None and found[1][1] in advisors):
            # Remember the others' best over the advisors not touched now (touched ones differ from base).
            others = [v for v in options if v != named and v not in advisors]
            found = (frozenset(advisors), _earliest(book, appt, others),
                     None if named not in options or named in advisors else book.earliest_start(appt, named))
            self.memo[appt.id] = found
        skipped, best_other, named_start = found
        if named in options:
            named_start = book.earliest_start(appt, named) if named in advisors or named in skipped else named_start
        # The others' best: the remembered one (its advisor is untouched, and the untouched only lost
        # room) against the touched and the skipped ones, searched now; ties to the first listed.
        best = best_other
        rank = self._rank(appt)
        for v in advisors | skipped:
            if v == named or v not in rank:
                continue
            start = book.earliest_start(appt, v, None if best is None else best[0] + 1)
            if start is not None and (best is None or (start, rank[v]) < (best[0], rank[best[1]])):
                best = (start, v)
        other = None if best is None else Placement(best[1], best[0])
        here = None if named_start is None else Placement(named, named_start)
        if appt.kind == "policing":
            return other or here
        return here or other


def _earliest(book: _Book, appt, advisors: list[str]) -> tuple[int, str] | None:
    placed = baselines.earliest_of(book, appt, advisors)
    return None if placed is None else (placed.start, placed.advisor)


# Appointments that may be moved out of one place to book another there: two lets a day re-pack
# around the newcomer (one on each side of its place).
EJECT_GROUP = 2


def book_more(plan, budget: Budget | None = None) -> int:
    """Book more of the unbooked: trade long bookings for short ones (book_two_for_one), then move
    blockers out of the way (book_by_ejection, deep), again while either gains (at most
    BOOK_MORE_ROUNDS rounds). Measured from the start plan of varied 60 s11 (tight: 2,531 of 3,104
    booked): +73 by trades, +4 by ejection, +2 in the second round. Returns the appointments gained;
    stops early (keeping what it booked) once `budget` is spent."""
    gained = 0
    for _ in range(BOOK_MORE_ROUNDS):
        if budget is not None and budget.expired():
            break
        step = book_two_for_one(plan, budget)
        if budget is None or not budget.expired():
            step += book_by_ejection(plan, budget, deep=True)
        gained += step
        if not step:
            break
    return gained


# The second round gains a little (+2 above); the third nothing on the weeks measured.
BOOK_MORE_ROUNDS = 2


def book_two_for_one(plan, budget: Budget | None = None) -> int:
    """Give up a booked appointment for unbooked ones that fit, at the same advisor, in the time it
    frees with the free time around it (in a tight week each booking is worth the same whatever its
    length, so one long appointment may make way for two short ones); the one given up then goes to
    its earliest free place elsewhere, or stays unbooked. A trade is made only if it books more than
    it gives up and gains score (continuity, separation, disruption counted); the whole pass is kept
    only if the plan scores higher with protected time seated again. Returns the appointments gained."""
    problem: Problem = plan.problem
    w = problem.weights
    spd = problem.horizon.slots_per_day
    unbooked = sorted((a for a in problem.appointments if a.id not in plan.assignments and a.pinned is None),
                      key=lambda a: (a.duration, a.id))
    if len(unbooked) < 2:
        return 0
    before = plan.score()
    assignments = dict(plan.assignments)
    book = _Book.holding(problem, assignments)
    fixed = {a.id for a in problem.appointments if a.pinned is not None}
    # Per (kind, skill) and day: the unbooked ones a window of which touches that day, shortest first.
    waiting: dict[tuple, list] = {}
    for a in unbooked:
        for day in sorted({d for iv in a.windows for d in range(iv.start // spd, (iv.end - 1) // spd + 1)}):
            waiting.setdefault((a.kind, a.skill, day), []).append(a)
    gained = 0
    for advisor in problem.advisors:
        if budget is not None and budget.expired():
            break  # what was traded so far is kept
        blocked = book.blocked[advisor.id]
        mine = sorted(((problem.appointment_by_id[a].duration, a) for a, p in assignments.items()
                       if p.advisor == advisor.id and a not in fixed), reverse=True)
        for _, out_id in mine:
            there = assignments.get(out_id)
            if there is None or there.advisor != advisor.id:
                continue
            out = problem.appointment_by_id[out_id]
            day = there.start // spd
            shorter = [a for kind in advisor.roles for skill in advisor.skills for a in waiting.get((kind, skill, day), ())
                       if a.duration < out.duration and a.id not in assignments]
            if len(shorter) < 2:
                continue
            book.remove(out, advisor.id, there.start)
            lo, hi = there.start, there.start + out.duration
            while lo > day * spd and not blocked[lo - 1]:
                lo -= 1
            while hi < (day + 1) * spd and not blocked[hi]:
                hi += 1
            taken = []
            for a in sorted(shorter, key=lambda a: (a.duration, a.id)):
                if a.duration > hi - lo or a.id in assignments or any(x.id == a.id for x, _ in taken):
                    continue
                start = _start_within(book, a, advisor.id, lo, hi)
                if start is not None:
                    book.place(a, advisor.id, start)
                    taken.append((a, start))
            moved = None
            if taken:
                moved = baselines.choose_named_first(problem, book, out, problem.home_of(out.client, plan.allocations))
            change = w.assigned * (len(taken) - (moved is None)) - _value(problem, plan, out, advisor.id, there.start)
            change += sum(_value(problem, plan, a, advisor.id, start) for a, start in taken)
            if moved is not None:
                change += _value(problem, plan, out, moved.advisor, moved.start)
            elif out_id in problem.previous:
                change -= w.disruption  # published, now unbooked
            if change <= 0:
                for a, start in taken:
                    book.remove(a, advisor.id, start)
                book.place(out, advisor.id, there.start)
                continue
            del assignments[out_id]
            if moved is not None:
                book.place(out, moved.advisor, moved.start)
                assignments[out_id] = moved
            else:
                for d in sorted({d for iv in out.windows for d in range(iv.start // spd, (iv.end - 1) // spd + 1)}):
                    waiting.setdefault((out.kind, out.skill, d), []).append(out)
            for a, start in taken:
                assignments[a.id] = Placement(advisor.id, start)
            gained += len(taken) - (moved is None)
    return _kept_if_higher(plan, assignments, book, before, gained)


def _kept_if_higher(plan, assignments: dict, book: _Book, before: int, gained: int) -> int:
    """Put `assignments` (with protected time seated again from `book`) into `plan` if that scores
    above `before` (points); returns `gained`, or 0 when nothing was gained or the plan is kept."""
    if not gained:
        return 0
    old = (plan.assignments, plan.protected)
    plan.assignments, plan.protected = assignments, baselines.place_protected(plan.problem, book)
    if plan.score() <= before:
        plan.assignments, plan.protected = old
        return 0
    return gained


def _start_within(book: _Book, appt, advisor_id: str, lo: int, hi: int) -> int | None:
    """The earliest start of `appt` with `advisor_id` wholly inside [lo, hi), or None."""
    for window in appt.windows:
        a, b = max(lo, window.start), min(hi, window.end)
        for start in range(a, b - appt.duration + 1):
            if book.can_place(appt, advisor_id, start):
                return start
    return None


__all__ = ["bring_home", "book_more", "book_by_ejection", "book_two_for_one", "clear_preferred_time", "match_same_times"]
