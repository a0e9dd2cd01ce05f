"""A quick greedy pass over a valid plan before the neighbourhood search: bring appointments home.

The best booking-desk start for fill (earliest) scatters clients across advisors, and the search
then spends most of its time moving them back one part at a time. This pass does the easy moves
at once: each support appointment away from its client's advisor moves to that advisor's earliest
free time in its windows, each policing appointment with the client's own advisor moves to
another advisor, then anything still unbooked is booked where it now fits. Protected blocks are
placed again in the time left. The result is kept only if it scores higher, so it never hurts.
"""
from __future__ import annotations

from scheduler import baselines
from scheduler.model import Appointment, Problem


class _Book(baselines.Diary):
    """A diary that can also take an appointment out."""

    def remove(self, appt: Appointment, advisor_id: str, start: int) -> None:
        end = start + appt.duration
        self.advisor_busy[advisor_id][start:end] = bytes(appt.duration)
        self.client_busy[appt.client][start:end] = bytes(appt.duration)
        self.starts[(advisor_id, self.problem.horizon.day_of(start))] -= 1


def bring_home(plan) -> int:
    """Improve `plan` (scheduler.lns.Plan) in place by single moves; returns how many it made."""
    problem: Problem = plan.problem
    before = plan.score()
    assignments = dict(plan.assignments)
    book = _Book(problem)
    for appt_id, placed in assignments.items():
        book.place(problem.appointment_by_id[appt_id], placed.advisor, placed.start)
    moves = 0
    for appt in problem.appointments:
        placed = assignments.get(appt.id)
        if placed is None or appt.pinned is not None or problem.previous.get(appt.id) == placed:
            continue  # pins stay; so do published placements (moving one costs disruption)
        client = problem.client_by_id[appt.client]
        home = client.named_advisor or plan.allocations.get(client.id)
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
    for appt in baselines.booking_order(problem):  # the moves may have opened room for the unbooked
        if appt.id in assignments or appt.pinned is not None:
            continue
        client = problem.client_by_id[appt.client]
        home = client.named_advisor or plan.allocations.get(client.id)
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


__all__ = ["bring_home"]
