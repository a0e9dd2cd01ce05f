"""The problem document (caseload-problem/1) as typed objects; scheduler.parse reads and validates one.

Inside the package every time is an integer slot index: slot 0 is horizon.start at 00:00 local
wall-clock time, and slot s is `s * slot_minutes` minutes of wall-clock time later. Times in the
documents are wall-clock strings, so a clock change inside the horizon does not move the grid.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

PROBLEM_FORMAT = "caseload-problem/1"
SOLUTION_FORMAT = "caseload-solution/1"
KINDS = ("support", "policing")
ROLES = ("support", "policing")
DEFAULT_WEIGHTS = {"assigned": 10000, "continuity": 100, "protected": 1, "separation": 500, "disruption": 200}
TIME_FORMAT = "%Y-%m-%dT%H:%M"
# An advisor without max_caseload may take any number of new clients: more than any week has.
UNLIMITED_CASELOAD = 10**9


class ProblemError(ValueError):
    """Input that breaks the contract. `.errors` lists every problem, each naming its field."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True, order=True)
class Interval:
    start: int
    end: int  # exclusive

    @property
    def length(self) -> int:
        return self.end - self.start

    def contains(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


def merge_intervals(intervals) -> list[Interval]:
    """Sorted, with touching or overlapping intervals joined into one (problem-format.md, round 2:
    touching or overlapping availability intervals of one advisor count as one interval)."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, interval.end))
        else:
            merged.append(interval)
    return merged


@dataclass(frozen=True)
class Placement:
    advisor: str
    start: int


@dataclass(frozen=True)
class Horizon:
    start: date
    days: int
    slot_minutes: int
    timezone: str
    protected_block_minutes: int = 60

    @property
    def slots_per_day(self) -> int:
        return 1440 // self.slot_minutes

    @property
    def total_slots(self) -> int:
        return self.days * self.slots_per_day

    @property
    def protected_block_slots(self) -> int:
        return -(-self.protected_block_minutes // self.slot_minutes)  # round up: a block must be at least this long

    def to_slot(self, text: str) -> int:
        """Slot index of a `YYYY-MM-DDTHH:MM` wall-clock time; ValueError if malformed or off the grid."""
        minutes = _fast_minutes(self.start, text)
        if minutes is None:
            try:
                moment = datetime.strptime(text, TIME_FORMAT)
            except (TypeError, ValueError):
                raise ValueError(f"{text!r} is not a time of the form YYYY-MM-DDTHH:MM") from None
            minutes = (moment.date() - self.start).days * 1440 + moment.hour * 60 + moment.minute
        if minutes % self.slot_minutes:
            raise ValueError(f"{text} is not on the {self.slot_minutes}-minute slot grid")
        return minutes // self.slot_minutes

    def to_text(self, slot: int) -> str:
        moment = datetime.combine(self.start, datetime.min.time()) + timedelta(minutes=slot * self.slot_minutes)
        return moment.strftime(TIME_FORMAT)

    def day_of(self, slot: int) -> int:
        return slot // self.slots_per_day


@lru_cache(maxsize=4096)
def _days_after(start: date, day_text: str) -> int | None:
    try:
        return (date(int(day_text[:4]), int(day_text[5:7]), int(day_text[8:10])) - start).days
    except ValueError:
        return None


_TIME = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d):(\d\d)", re.ASCII)


def _fast_minutes(start: date, text) -> int | None:
    """Minutes after `start` 00:00 of a well-formed `YYYY-MM-DDTHH:MM`, without strptime (a 12-week
    horizon holds ~10^5 times; strptime took most of the parse). None: let strptime judge it."""
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    day, hour, minute = match.groups()
    days = _days_after(start, day)
    hour, minute = int(hour), int(minute)
    if days is None or hour > 23 or minute > 59:
        return None
    return days * 1440 + hour * 60 + minute


@dataclass(frozen=True)
class Weights:
    assigned: int = DEFAULT_WEIGHTS["assigned"]
    continuity: int = DEFAULT_WEIGHTS["continuity"]
    protected: int = DEFAULT_WEIGHTS["protected"]
    separation: int = DEFAULT_WEIGHTS["separation"]
    disruption: int = DEFAULT_WEIGHTS["disruption"]


@dataclass(frozen=True)
class Advisor:
    id: str
    name: str
    skills: frozenset[str]
    roles: frozenset[str]
    availability: tuple[Interval, ...]
    protected_minutes: int = 0
    max_appointments_per_day: int | None = None
    caseload: int = 0
    max_caseload: int | None = None
    # Extra field (allowed by the contract): when the advisor prefers protected time. A preference
    # only decides where protected blocks go among equally good plans; it never changes the score.
    preferred_protected: tuple[Interval, ...] = ()

    def can_do(self, kind: str, skill: str) -> bool:
        return kind in self.roles and skill in self.skills

    def spare_caseload(self) -> int:
        """New clients this advisor may still take (rule 6): max_caseload - caseload, never below 0;
        UNLIMITED_CASELOAD when it has no max_caseload."""
        if self.max_caseload is None:
            return UNLIMITED_CASELOAD
        return max(0, self.max_caseload - self.caseload)


@dataclass(frozen=True)
class Visit:
    advisor: str
    date: date


@dataclass(frozen=True)
class Client:
    id: str
    named_advisor: str | None
    need: str | None
    complexity: int = 1
    history: tuple[Visit, ...] = ()


@dataclass(frozen=True)
class Appointment:
    id: str
    client: str
    kind: str
    skill: str
    duration: int  # slots
    windows: tuple[Interval, ...]
    pinned: Placement | None = None


@dataclass(frozen=True)
class Problem:
    horizon: Horizon
    weights: Weights
    advisors: tuple[Advisor, ...]
    clients: tuple[Client, ...]
    appointments: tuple[Appointment, ...]
    previous: dict[str, Placement] = field(default_factory=dict)
    advisor_by_id: dict[str, Advisor] = field(default_factory=dict)
    client_by_id: dict[str, Client] = field(default_factory=dict)
    appointment_by_id: dict[str, Appointment] = field(default_factory=dict)

    def slots(self, minutes: int) -> int:
        return minutes // self.horizon.slot_minutes

    def home_of(self, client_id: str, allocations: dict[str, str] | None = None) -> str | None:
        """The client's named advisor: its `named_advisor`, or the advisor `allocations` (client id ->
        advisor id) gives a new client; None for a new client not allocated (problem-format.md, Score)."""
        named = self.client_by_id[client_id].named_advisor
        return named if named is not None or allocations is None else allocations.get(client_id)
