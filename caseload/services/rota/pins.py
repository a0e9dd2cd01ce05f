"""Pins that cannot all hold: two appointments pinned to one advisor (or one client) at overlapping
times, more pins on an advisor's day than their daily limit, or a pin to an advisor who cannot do the work.

Used when a pin is made (request forms, CSV import, API, moving an appointment in a draft), so a clashing
pin is refused with the other appointment named; and before planning (boundary.to_problem), so a clash
that got in anyway (a pin kept from an old draft, data from before this check) leaves the later pin's
appointment unassigned with the reason, while the rest of the week is planned.
Every sentence names people and local times, never internal ids.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import local_end, to_local
from caseload.models import Advisor, AppointmentRequest, AppointmentType, Client


@dataclass(frozen=True)
class Pin:
    """One pinned appointment, in the team's local wall-clock time (naive)."""

    request_id: int | None
    client: Client
    advisor: Advisor
    start: datetime
    end: datetime

    @property
    def who(self) -> str:
        return f"{self.client.name} ({self.client.reference})"

    @property
    def when(self) -> str:
        return f"{self.start:%a %d %b %H:%M}–{self.end:%H:%M}"


def make_pin(request_id: int | None, client: Client, advisor: Advisor, start_utc: datetime, minutes: int,
             tz: str) -> Pin:
    start = to_local(start_utc, tz).replace(tzinfo=None)
    return Pin(request_id, client, advisor, start, local_end(start, minutes, tz))


def pin_of(request: AppointmentRequest) -> Pin | None:
    if request.pinned_advisor is None or request.pinned_start is None:
        return None
    return make_pin(request.id, request.client, request.pinned_advisor, request.pinned_start,
                    request.duration_minutes, request.team.timezone)


def week_pins(team_id: int, week_start: date, tz: str, leave_out: int | None = None) -> list[Pin]:
    """The pins of the week's other requests (all but `leave_out`; a cancelled booking holds none), in request order."""
    requests = db.session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.team_id == team_id, AppointmentRequest.week_start == week_start,
        AppointmentRequest.pinned_advisor_id.is_not(None), AppointmentRequest.cancelled_at.is_(None))
        .order_by(AppointmentRequest.id))
    return [p for r in requests if r.id != leave_out and r.client.erased_at is None and (p := pin_of(r))]


def unfit(advisor: Advisor, kind: AppointmentType, client: Client) -> str | None:
    """Why `advisor` cannot take this appointment at all (role, skill, no appointments), or None."""
    skill = kind.skill or client.need
    if kind.kind == "policing" and not advisor.does_policing:
        return f"{advisor.name} does not do policing work ({kind.name})"
    if kind.kind == "support" and not advisor.does_support:
        return f"{advisor.name} does not see clients for support"
    if skill is not None and skill.code not in advisor.skill_codes:
        return f"{advisor.name} does not have the {skill.name} skill this appointment needs"
    if advisor.max_appointments_per_day == 0:
        return f"{advisor.name} takes no appointments"
    return None


class PinBook:
    """Kept pins by advisor and by client, so checking one pin looks only at the pins it could clash with
    (a CSV file of 70,000 pinned rows is checked in linear time)."""

    def __init__(self, pins=()):
        self.by_advisor: dict[int, list[Pin]] = {}
        self.by_client: dict[int, list[Pin]] = {}
        self.hours: dict = {}  # advisor id -> their bookable spans that week (requests.check_pin_hours' cache)
        for pin in pins:
            self.add(pin)

    def add(self, pin: Pin) -> None:
        self.by_advisor.setdefault(pin.advisor.id, []).append(pin)
        self.by_client.setdefault(pin.client.id, []).append(pin)

    def clash(self, pin: Pin) -> str | None:
        """Why `pin` cannot hold beside the kept pins, naming the other appointment; None if it can."""
        for other in self.by_advisor.get(pin.advisor.id, []):
            if other.start < pin.end and pin.start < other.end:
                return f"{pin.advisor.name} already has {other.who} pinned {other.when}"
        for other in self.by_client.get(pin.client.id, []):
            if other.start < pin.end and pin.start < other.end:
                return (f"{pin.client.name} ({pin.client.reference}) is already pinned {other.when} "
                        f"with {other.advisor.name}")
        limit = pin.advisor.max_appointments_per_day
        same_day = [o for o in self.by_advisor.get(pin.advisor.id, []) if o.start.date() == pin.start.date()]
        if limit is not None and len(same_day) >= limit:
            return (f"{pin.advisor.name} takes at most {limit} appointment{'s' if limit != 1 else ''} a day and "
                    f"already has {len(same_day)} pinned on {pin.start:%a %d %b} ({', '.join(o.who for o in same_day)})")
        return None


def clash(pin: Pin, others: list[Pin]) -> str | None:
    """Why `pin` cannot hold beside `others` (kept pins), naming the other appointment; None if it can."""
    return PinBook(others).clash(pin)
