"""Where one new appointment (or each instance of a series) can go in a plan, and what it is worth.

Everything here is exact and local: a placement's value is its own score terms (assigned,
continuity, separation) plus the change in its advisor's protected minutes under the best
re-seating of that advisor's blocks, which only the free stretch the placement falls in can change.
Times are slots (scheduler.model).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

from scheduler.model import Appointment, Problem


def free_runs(problem: Problem, advisor, busy: bytearray) -> list[tuple[int, int]]:
    """The advisor's maximal free stretches (start, end), each inside one availability interval, sorted."""
    runs = []
    for avail in advisor.availability:
        pos = avail.start
        while pos < avail.end:
            start = busy.find(0, pos, avail.end)
            if start < 0:
                break
            end = busy.find(1, start, avail.end)
            end = avail.end if end < 0 else end
            runs.append((start, end))
            pos = end
    return runs


def eligible(length: int, block: int) -> int:
    """Slots of a free stretch that protected blocks can use: all of it when a block fits, else none."""
    return length if length >= block else 0


class AdvisorTime:
    """One advisor's free stretches and protected minutes in the current plan."""

    def __init__(self, problem: Problem, advisor, busy: bytearray, blocks: list[tuple[int, int]]):
        self.advisor = advisor
        self.runs = free_runs(problem, advisor, busy)
        self.run_starts = [a for a, _ in self.runs]
        self.block = problem.horizon.protected_block_slots
        self.slot_minutes = problem.horizon.slot_minutes
        self.free_for_blocks = sum(eligible(b - a, self.block) for a, b in self.runs)
        self.kept = min(advisor.protected_minutes, self.slot_minutes * sum(e - s for s, e in blocks))

    def run_of(self, start: int) -> int:
        """Index of the free stretch holding slot `start` (which must be free)."""
        return bisect_right(self.run_starts, start) - 1

    def kept_with(self, index: int, start: int, end: int) -> int:
        """best_kept for one span in free stretch `index` (the fast path of a single appointment)."""
        target = self.advisor.protected_minutes
        if target <= 0:
            return 0
        a, b = self.runs[index]
        free = (self.free_for_blocks - eligible(b - a, self.block) + eligible(start - a, self.block)
                + eligible(b - end, self.block))
        return min(target, self.slot_minutes * free)

    def best_kept(self, placed: list[tuple[int, int]]) -> int:
        """Protected minutes the best re-seating keeps once the (start, end) spans in `placed`, all in
        free time, are booked: min(target, minutes of free stretches still long enough for a block)."""
        target = self.advisor.protected_minutes
        if target <= 0:
            return 0
        by_run = defaultdict(list)
        for span in placed:
            by_run[self.run_of(span[0])].append(span)
        free = self.free_for_blocks
        for index, spans in by_run.items():
            a, b = self.runs[index]
            free -= eligible(b - a, self.block)
            cursor = a
            for s, e in sorted(spans):
                free += eligible(s - cursor, self.block)
                cursor = e
            free += eligible(b - cursor, self.block)
        return min(target, self.slot_minutes * free)

    def starts_in(self, appt: Appointment) -> list[tuple[int, int]]:
        """(start, free-stretch index) of every start where `appt` fits in its windows and this
        advisor's free time (not yet checking the client or the daily limit)."""
        out = []
        d = appt.duration
        for w in appt.windows:
            first = max(0, bisect_left(self.run_starts, w.start) - 1)
            for index in range(first, len(self.runs)):
                a, b = self.runs[index]
                if a >= w.end:
                    break
                lo, hi = max(a, w.start), min(b, w.end) - d
                out += [(s, index) for s in range(lo, hi + 1)]
        return out


def placement_value(problem: Problem, named: str | None, appt: Appointment, advisor_id: str) -> int:
    """The score terms one placement adds: assigned, continuity (support with the named advisor,
    times complexity) and separation (policing with the named advisor, a penalty)."""
    w = problem.weights
    value = w.assigned
    if named is not None and advisor_id == named:
        if appt.kind == "support":
            value += w.continuity * problem.client_by_id[appt.client].complexity
        else:
            value -= w.separation
    return value
