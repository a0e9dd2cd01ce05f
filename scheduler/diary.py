"""Who is busy when, for the booking desks and the greedy repairs (scheduler.baselines, scheduler.repair)."""
from __future__ import annotations

from collections import defaultdict

from scheduler.model import Appointment, Placement, Problem, merge_intervals


class Diary:
    """Who is busy when: one byte per slot per advisor and per client; starts per advisor-day.

    `blocked` is each advisor's busy slots plus the slots outside its availability, so the earliest
    free start is one bytes.find per window (the desks ask ~10^6 times on a 120-advisor week)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        total = problem.horizon.total_slots
        self.advisor_busy = {a.id: bytearray(total) for a in problem.advisors}
        self.blocked = {a.id: bytearray(mask) for a, mask in zip(problem.advisors, _unavailable(problem))}
        self.client_busy = defaultdict(lambda: bytearray(total))
        self.starts = defaultdict(int)

    @classmethod
    def holding(cls, problem: Problem, assignments: dict[str, Placement]):
        """A diary with `assignments` (appointment id -> Placement) already booked."""
        diary = cls(problem)
        for appt_id, placed in assignments.items():
            diary.place(problem.appointment_by_id[appt_id], placed.advisor, placed.start)
        return diary

    def can_place(self, appt: Appointment, advisor_id: str, start: int) -> bool:
        end = start + appt.duration
        advisor = self.problem.advisor_by_id[advisor_id]
        day = self.problem.horizon.day_of(start)
        limit = advisor.max_appointments_per_day
        return (not any(self.advisor_busy[advisor_id][start:end]) and not any(self.client_busy[appt.client][start:end])
                and (limit is None or self.starts[(advisor_id, day)] < limit))

    def place(self, appt: Appointment, advisor_id: str, start: int) -> None:
        end = start + appt.duration
        self.advisor_busy[advisor_id][start:end] = b"\x01" * appt.duration
        self.blocked[advisor_id][start:end] = b"\x01" * appt.duration
        self.client_busy[appt.client][start:end] = b"\x01" * appt.duration
        self.starts[(advisor_id, self.problem.horizon.day_of(start))] += 1

    def remove(self, appt: Appointment, advisor_id: str, start: int) -> None:
        """Take a booked appointment out again."""
        end = start + appt.duration
        self.advisor_busy[advisor_id][start:end] = bytes(appt.duration)
        self.blocked[advisor_id][start:end] = bytes(appt.duration)
        self.client_busy[appt.client][start:end] = bytes(appt.duration)
        self.starts[(advisor_id, self.problem.horizon.day_of(start))] -= 1

    def earliest_start(self, appt: Appointment, advisor_id: str, before: int | None = None) -> int | None:
        """The earliest start at which `advisor_id` can take `appt`, or None; with `before`, only a
        start earlier than that is looked for (None if there is none)."""
        blocked, client = self.blocked[advisor_id], self.client_busy[appt.client]
        duration = appt.duration
        need = b"\x00" * duration
        limit = self.problem.advisor_by_id[advisor_id].max_appointments_per_day
        spd = self.problem.horizon.slots_per_day
        best = before
        for window in appt.windows:
            lo, hi = window.start, window.end
            if best is not None:
                if lo >= best:
                    continue
                if hi > best + duration - 1:
                    hi = best + duration - 1  # only starts before `best` matter
            pos = lo
            while pos + duration <= hi:
                pos = blocked.find(need, pos, hi)
                if pos < 0:
                    break
                if limit is not None and self.starts[(advisor_id, pos // spd)] >= limit:
                    pos = (pos // spd + 1) * spd  # this day is full: try the next
                    continue
                clash = client.rfind(1, pos, pos + duration)
                if clash >= 0:
                    pos = clash + 1  # the client is busy until after its last busy slot here
                    continue
                best = pos
                break
        return None if best == before else best


def _unavailable(problem: Problem) -> list[bytes]:
    """Per advisor (in order): one byte per slot, 1 outside its availability. Cached per problem.
    Availability intervals are merged when read (scheduler.parse), so a free run never joins two."""
    key = id(problem.advisors)
    found = _UNAVAILABLE.get(key)
    if found is None or found[0] is not problem.advisors:
        total = problem.horizon.total_slots
        masks = []
        for advisor in problem.advisors:
            mask = bytearray(b"\x01" * total)
            for avail in merge_intervals(advisor.availability):
                mask[avail.start:avail.end] = bytes(avail.length)
            masks.append(bytes(mask))
        if len(_UNAVAILABLE) > 64:
            _UNAVAILABLE.clear()
        found = (problem.advisors, masks)
        _UNAVAILABLE[key] = found
    return found[1]


_UNAVAILABLE: dict = {}
