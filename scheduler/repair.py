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
from scheduler.model import Placement, Problem


_Book = baselines.Diary


def bring_home(plan) -> int:
    """Improve `plan` (scheduler.lns.Plan) in place by single moves; returns how many it made."""
    problem: Problem = plan.problem
    before = plan.score()
    assignments = dict(plan.assignments)
    book = _Book.holding(problem, assignments)
    moves = 0
    for appt in problem.appointments:
        placed = assignments.get(appt.id)
        if placed is None or appt.pinned is not None or problem.previous.get(appt.id) == placed:
            continue  # pins stay; so do published placements (moving one costs disruption)
        home = problem.home_of(appt.client, plan.allocations)
        if home is None:
            continue
        if appt.kind == "support" and placed.advisor != home and problem.advisor_by_id[home].can_do(appt.kind, appt.skill):
            targets = [home]
        elif appt.kind == "policing" and placed.advisor == home:
            targets = [v for v in baselines.qualified(problem, appt) if v != home]
        else:
            continue
        book.remove(appt, placed.advisor, placed.start)
        better = baselines._earliest_of(book, appt, targets)
        if better is None:
            better = placed
        else:
            moves += 1
        book.place(appt, better.advisor, better.start)
        assignments[appt.id] = better
    moves += _swap_home(problem, plan, book, assignments)
    for appt in baselines.booking_order(problem):  # the moves may have opened room for the unbooked
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



def _swap_home(problem: Problem, plan, book: _Book, assignments: dict) -> int:
    """Where the client's advisor has no free time: trade places with one of that advisor's
    appointments that is not at home there either, if the other one fits at the first's advisor."""
    by_advisor: dict[str, list[str]] = {}
    for appt_id, placed in assignments.items():
        by_advisor.setdefault(placed.advisor, []).append(appt_id)
    fixed = {a.id for a in problem.appointments if a.pinned is not None}
    fixed |= {a for a, before in problem.previous.items() if assignments.get(a) == before}
    swaps = 0
    for appt in problem.appointments:
        placed = assignments.get(appt.id)
        home = problem.home_of(appt.client, plan.allocations)
        if (placed is None or appt.id in fixed or appt.kind != "support" or home is None or placed.advisor == home
                or not problem.advisor_by_id[home].can_do(appt.kind, appt.skill)):
            continue
        for other_id in list(by_advisor.get(home, [])):
            other = problem.appointment_by_id[other_id]
            there = assignments[other_id]
            other_home = problem.home_of(other.client, plan.allocations)
            if other_id in fixed or other_home == home or (other.kind == "policing" and other_home == placed.advisor) \
                    or not problem.advisor_by_id[placed.advisor].can_do(other.kind, other.skill) \
                    or not any(w.start < there.start + other.duration and there.start < w.end for w in appt.windows):
                continue
            book.remove(appt, placed.advisor, placed.start)
            book.remove(other, there.advisor, there.start)
            new_self = baselines._earliest_of(book, appt, [home])
            if new_self is not None:
                book.place(appt, new_self.advisor, new_self.start)
                new_other = baselines._earliest_of(book, other, [placed.advisor])
                if new_other is not None:
                    book.place(other, new_other.advisor, new_other.start)
                    assignments[appt.id], assignments[other_id] = new_self, new_other
                    by_advisor[home].remove(other_id)
                    by_advisor[home].append(appt.id)
                    by_advisor[placed.advisor].remove(appt.id)
                    by_advisor[placed.advisor].append(other_id)
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
    from scheduler.variables import feasible_starts

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


__all__ = ["bring_home", "clear_preferred_time"]
