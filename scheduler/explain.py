"""Plain-words explanations: why an appointment was left out, and which pins cannot all hold."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from scheduler.model import Appointment, Placement, Problem, ProblemError


class PinConflict(ProblemError):
    """Pinned appointments that cannot all be kept; `.errors` names each clash."""


# The `code` of an unassigned appointment (problem-format.md, "Unassigned reason codes"): reports
# group by it, people read `reason`.
CODES = ("no_skill", "no_time", "advisors_full", "client_busy", "daily_limit", "caseload_full", "pin_clash", "traded")


class Unplaced(NamedTuple):
    """Why an appointment is not placed: a code from CODES and the sentence for people."""

    code: str
    reason: str


def _when(problem: Problem, slot: int) -> str:
    return datetime.strptime(problem.horizon.to_text(slot), "%Y-%m-%dT%H:%M").strftime("%a %d %b %H:%M")


def _windows_text(problem: Problem, appt: Appointment) -> str:
    return ", ".join(f"{_when(problem, w.start)}–{_when(problem, w.end)}" for w in appt.windows)


def pin_conflicts(problem: Problem) -> list[str]:
    """Every clash among pins: same advisor or client at overlapping times, or too many on one day."""
    pinned = [a for a in problem.appointments if a.pinned is not None]
    clashes = []
    for i, a in enumerate(pinned):
        a_end = a.pinned.start + a.duration
        for b in pinned[i + 1:]:
            if not (b.pinned.start < a_end and a.pinned.start < b.pinned.start + b.duration):
                continue
            if a.pinned.advisor == b.pinned.advisor:
                clashes.append(f"pins of {a.id} and {b.id} overlap: both are with advisor {a.pinned.advisor} "
                               f"at {_when(problem, a.pinned.start)} and {_when(problem, b.pinned.start)}")
            if a.client == b.client:
                clashes.append(f"pins of {a.id} and {b.id} overlap: client {a.client} cannot be in both "
                               f"at {_when(problem, a.pinned.start)} and {_when(problem, b.pinned.start)}")
    per_day = defaultdict(list)
    for a in pinned:
        per_day[(a.pinned.advisor, problem.horizon.day_of(a.pinned.start))].append(a.id)
    for (advisor_id, day), ids in sorted(per_day.items()):
        limit = problem.advisor_by_id[advisor_id].max_appointments_per_day
        if limit is not None and len(ids) > limit:
            clashes.append(f"pins of {', '.join(sorted(ids))} put {len(ids)} appointments on advisor {advisor_id} "
                           f"on {_when(problem, day * problem.horizon.slots_per_day)[:10]}, more than the daily "
                           f"limit of {limit}")
    return clashes


def pin_clash(problem: Problem, appt: Appointment, assignments: dict[str, Placement]) -> Unplaced:
    """Why the pin of `appt` cannot hold beside the pinned appointments already in `assignments`,
    naming the clashing pin(s)."""
    pin = appt.pinned
    end = pin.start + appt.duration
    day = problem.horizon.day_of(pin.start)
    same_day = []
    for other_id, placed in sorted(assignments.items()):
        other = problem.appointment_by_id[other_id]
        if other.pinned is None or other_id == appt.id:
            continue
        overlap = placed.start < end and pin.start < placed.start + other.duration
        if overlap and placed.advisor == pin.advisor:
            return Unplaced("pin_clash", f"its pin overlaps the pin of {other_id}: both are with advisor "
                                         f"{pin.advisor} at {_when(problem, pin.start)}")
        if overlap and other.client == appt.client:
            return Unplaced("pin_clash", f"its pin overlaps the pin of {other_id}: client {appt.client} "
                                         f"cannot be in both at {_when(problem, pin.start)}")
        if placed.advisor == pin.advisor and problem.horizon.day_of(placed.start) == day:
            same_day.append(other_id)
    limit = problem.advisor_by_id[pin.advisor].max_appointments_per_day
    return Unplaced("pin_clash", f"its pin would put more than {limit} appointments on advisor {pin.advisor} on "
                                 f"{_when(problem, pin.start)[:10]}, beside the pins of {', '.join(same_day)}")


def raise_for_clashing_pins(problem: Problem) -> None:
    clashes = pin_conflicts(problem)
    if clashes:
        raise PinConflict(clashes)


def reasons(problem: Problem, assignments: dict[str, Placement]) -> dict[str, str]:
    """The most specific true reason (a sentence) for each unassigned appointment."""
    return {appt_id: why.reason for appt_id, why in unplaced(problem, assignments).items()}


class Diary:
    """Busy slots of each advisor as one byte per slot (1 = busy): `diary[v].intersection(range)` as
    a set would answer it, and `diary[v].free_starts(lo, hi, d)` finds free runs in C (bytes.find of d
    zero bytes), so that explaining 1,300 unbooked appointments of a 120-advisor week costs a find per
    advisor and window instead of a set intersection per start (12.8 s at load 3 before)."""

    def __init__(self, length: int):
        self.length = length
        self.rows: dict[str, _DiaryRow] = {}

    def __getitem__(self, advisor_id: str) -> _DiaryRow:
        row = self.rows.get(advisor_id)
        if row is None:
            row = self.rows[advisor_id] = _DiaryRow(bytearray(self.length))
        return row


class _DiaryRow:
    def __init__(self, row: bytearray):
        self.row = row

    def book(self, start: int, end: int) -> None:
        self.row[start:end] = b"\x01" * (end - start)

    def intersection(self, slots: range) -> bool:
        return self.row.find(1, slots.start, slots.stop) >= 0

    def free_starts(self, lo: int, hi: int, duration: int):
        """Every start in lo..hi (inclusive) whose `duration` slots are all free, in order."""
        gap = bytes(duration)
        at = self.row.find(gap, lo, hi + duration)
        while at >= 0:
            yield at
            at = self.row.find(gap, at + 1, hi + duration)


def _free_starts(row, lo: int, hi: int, duration: int):
    if isinstance(row, _DiaryRow):
        return row.free_starts(lo, hi, duration) if row.row.find(bytes(duration), lo, hi + duration) >= 0 else ()
    return (s for s in range(lo, hi + 1) if not row.intersection(range(s, s + duration)))


def unplaced(problem: Problem, assignments: dict[str, Placement]) -> dict[str, Unplaced]:
    """The most specific true reason, with its code, for each appointment not in `assignments`."""
    ends = [iv.end for a in problem.advisors for iv in a.availability]
    ends += [w.end for a in problem.appointments for w in a.windows]
    ends += [p.start + problem.appointment_by_id[a].duration for a, p in assignments.items()]
    busy = Diary(max([problem.horizon.days * problem.horizon.slots_per_day, *ends]) + 1)
    client_busy = defaultdict(set)
    starts = defaultdict(int)
    for appt_id, placed in assignments.items():
        appt = problem.appointment_by_id[appt_id]
        busy[placed.advisor].book(placed.start, placed.start + appt.duration)
        client_busy[appt.client].update(range(placed.start, placed.start + appt.duration))
        starts[(placed.advisor, problem.horizon.day_of(placed.start))] += 1
    out = {}
    for appt in problem.appointments:
        if appt.id not in assignments:
            out[appt.id] = reason_for(problem, appt, busy, client_busy, starts)
    return out


def reason_for(problem: Problem, appt: Appointment, busy, client_busy, starts) -> Unplaced:
    """Why `appt` is not placed, given who is busy when: `busy` advisor id -> busy slots (a set, or
    anything with .intersection(range) -> truthy when busy, e.g. a Diary row), `client_busy` client
    id -> set of slots, `starts` (advisor id, day) -> appointments starting.
    The checks run from the most basic (nobody qualified) to the last resort (`traded`), and each
    later check keeps only the starts that passed the earlier ones, so `traded` means a start exists
    that breaks no hard rule: the reason is the furthest check any start gets through."""
    role_ok = [a for a in problem.advisors if appt.kind in a.roles]
    qualified = [a for a in role_ok if appt.skill in a.skills]
    if not qualified:
        if not role_ok:
            return Unplaced("no_skill", f"no advisor has the {appt.kind} role")
        return Unplaced("no_skill", f"no advisor has the {appt.skill} skill and the {appt.kind} role")
    day = problem.horizon.day_of
    duration = appt.duration
    reached = 0  # 1 fits a window and a shift, 2 advisor free, 3 under the daily limit, 4 client free
    for advisor in qualified:
        limit = advisor.max_appointments_per_day
        row = busy[advisor.id]
        for window in appt.windows:
            for avail in advisor.availability:
                lo, hi = max(window.start, avail.start), min(window.end, avail.end) - duration
                if hi < lo:
                    continue
                if reached == 0:
                    reached = 1
                for s in _free_starts(row, lo, hi, duration):
                    if reached < 2:
                        reached = 2
                    if limit is not None and starts[(advisor.id, day(s))] >= limit:
                        continue
                    reached = 3
                    if not client_busy[appt.client].intersection(range(s, s + duration)):
                        return Unplaced("traded", "qualified advisors are free, but placing it would take time kept "
                                                  "for protected case work or displace appointments that count for "
                                                  "more (continuity, separation)")
    windows = _windows_text(problem, appt)
    if reached == 0:
        return Unplaced("no_time", f"no advisor with skill {appt.skill} works inside its windows ({windows})")
    if reached == 1:
        return Unplaced("advisors_full", f"every advisor with skill {appt.skill} who works inside its windows "
                                         f"({windows}) is fully booked then")
    if reached == 2:
        return Unplaced("daily_limit",
                        f"every qualified advisor free inside its windows ({windows}) is at their daily limit")
    return Unplaced("client_busy", "the client already has appointments at every time a qualified advisor is free")
