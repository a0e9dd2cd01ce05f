"""A week's appointment requests: the client's windows ("tue 09:00-12:00") read and checked, a request's fields
checked (length on the grid, a pin inside the week that fits its advisor and clashes with no other pin), and
requests added, changed and removed (audited; a change made on a stale copy is an EditConflict)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.localtime import NoSuchLocalTime, to_local, to_utc, typed_to_utc, wall_clock
from caseload.models import WEEKDAYS, Advisor, AppointmentRequest, AppointmentType, Client, RequestWindow, Team, hold_version
from caseload.services import audit
from caseload.services.planning.problem import availability, local_naive
from caseload.services.rota import pins
from caseload.services.team_lock import lock_team
from caseload.services.rota.week import EditConflict, PinClash, RotaError, changed_since, week_bounds_utc
from caseload.timegrid import SLOT_MINUTES, OffGrid, at, check_on_grid, clock, clock_text, end_text, merge_spans

WINDOW = re.compile(r"^\s*(?P<day>\d{4}-\d{2}-\d{2}|[A-Za-z]{3})[a-z]*\s+(?P<start>\S+?)\s*-\s*(?P<end>\S+)\s*$")


@dataclass
class Window:
    """One window, local: `day`, and "HH:MM" `start` and `end` on the grid ("24:00" ends at midnight)."""

    day: date
    start: str
    end: str


def parse_windows(text: str, week_start: date, tz: str | None = None) -> list[Window]:
    """Windows written one per line (or separated by ';'): "2026-11-23 09:00-12:00" or "tue 13:00-17:00".

    Times must be on the slot grid; an end of 24:00 (or 00:00) is midnight. With the team's zone `tz`, a
    start or end the clocks skip is refused (localtime.typed_to_utc); a midnight is the day's bound. Windows
    of one day that touch or overlap are merged into one (the client can come for the whole stretch).
    RotaError("windows") else."""
    windows = []
    for part in re.split(r"[;\n]", text or ""):
        if not part.strip():
            continue
        match = WINDOW.match(part)
        if not match:
            raise RotaError(f'"{part.strip()}" is not a window: write e.g. "tue 09:00-12:00" or '
                            f'"{week_start.isoformat()} 09:00-12:00".', "windows")
        day_text = match["day"].lower()
        if day_text[:3] in WEEKDAYS:
            day = week_start + timedelta(days=WEEKDAYS.index(day_text[:3]))
        else:
            try:
                day = date.fromisoformat(day_text)
            except ValueError:
                raise RotaError(f'"{day_text}" is not a date.', "windows") from None
        if not week_start <= day < week_start + timedelta(days=7):
            raise RotaError(f"{day:%a %d %b %Y} is not in the week of {week_start:%a %d %b %Y}.", "windows")
        try:
            start, end = clock(match["start"]), clock(match["end"], end=True)
        except OffGrid as err:
            raise RotaError(f"{part.strip()}: {err}.", "windows") from None
        if end <= start:
            raise RotaError(f"{part.strip()}: the window must end after it starts, within the day.", "windows")
        if tz is not None:
            _check_exists(part.strip(), day, (start, end), tz)
        windows.append((day, start, end))
    if not windows:
        raise RotaError("Give at least one window when the client can come.", "windows")
    # Keyed by day, so a window ending at 24:00 and the next day's from 00:00 stay two windows.
    merged = merge_spans(((day, start), (day, end)) for day, start, end in windows)
    return [Window(day, clock_text(start), clock_text(end)) for (day, start), (_, end) in merged]


def _check_exists(part: str, day: date, span: tuple[int, int], tz: str) -> None:
    """RotaError("windows") when the clocks skip a window's start or end; its midnights are the day's bounds."""
    for minutes in span:
        if minutes % (24 * 60):
            try:
                typed_to_utc(day, at(day, minutes).time(), tz)
            except NoSuchLocalTime as err:
                raise RotaError(f"{part}: {err}.", "windows") from None


def windows_text(request: AppointmentRequest, tz: str) -> str:
    """The request's windows as the form takes them back unchanged ("2026-11-24 20:00-24:00")."""
    lines = []
    for w in request.windows:
        start, end = wall_clock(w.starts_at, tz), wall_clock(w.ends_at, tz)
        lines.append(f"{start:%Y-%m-%d %H:%M}-{end_text(start, end)}")
    return "\n".join(lines)


def check_duration(minutes: int) -> None:
    if minutes is None or minutes <= 0 or minutes % SLOT_MINUTES or minutes > 8 * 60:
        raise RotaError(f"The duration must be a whole number of {SLOT_MINUTES}-minute slots, up to 8 hours.",
                        "duration_minutes")


@dataclass
class RequestFields:
    client: Client
    type: AppointmentType
    duration_minutes: int
    windows: list[Window]
    purpose: str | None = None
    pinned_advisor: Advisor | None = None
    pinned_start: datetime | None = None


def check_request(team: Team, week_start: date, fields: RequestFields, request_id: int | None = None,
                  book: pins.PinBook | None = None, hours: dict | None = None) -> None:
    """RotaError naming the field at fault; a pin is also checked against the week's other pins (leaving out
    the request `request_id` being changed), or against `book` (a CSV import: the stored pins and the file's,
    read by the caller under the team's lock). Checking a pin against the stored ones takes the team's lock
    (services/team_lock.py) for the rest of the transaction. `hours`: check_pin_hours's cache (a CSV import's)."""
    if fields.client.team_id != team.id or fields.client.erased_at is not None:
        raise RotaError("That client is not in this team.", "client")
    check_duration(fields.duration_minutes)
    if (fields.pinned_advisor is None) != (fields.pinned_start is None):
        raise RotaError("A pin needs both an advisor and a start time.", "pinned_advisor")
    if fields.pinned_advisor is not None:
        if fields.pinned_advisor.team_id != team.id:
            raise RotaError("The pinned advisor is not in this team.", "pinned_advisor")
        lo, hi = week_bounds_utc(team, week_start)
        if not lo <= fields.pinned_start < hi:
            raise RotaError("The pinned time must be inside the week.", "pinned_day")
        try:
            check_on_grid(to_local(fields.pinned_start, team.timezone))
        except OffGrid as err:
            raise RotaError(f"The pinned start {err}.", "pinned_time") from None
        why = pins.unfit(fields.pinned_advisor, fields.type, fields.client)
        if why:
            raise RotaError(f"Cannot pin it there: {why}.", "pinned_advisor")
        check_pin_hours(team, week_start, fields, hours)
        mine = pins.make_pin(request_id, fields.client, fields.pinned_advisor, fields.pinned_start,
                             fields.duration_minutes, team.timezone)
        if book is None:
            # The team's lock before reading the week's pins: two saves pinning at once are serialised, and the
            # second sees the first's pin (each row's version lock alone let three clashing pins all save).
            lock_team(team)
            book = pins.PinBook(pins.week_pins(team.id, week_start, team.timezone, leave_out=request_id))
        why = book.clash(mine)
        if why:
            raise PinClash(f"The pin clashes: {why}. Choose another time or advisor, or change that pin first.",
                           "pinned_time")


def check_pin_hours(team: Team, week_start: date, fields: RequestFields, hours: dict | None = None) -> None:
    """RotaError (pinned_time) when the pinned time is not all inside the advisor's bookable time that week (their
    work pattern less absences and office closures, as the planner reads it: problem.availability). Such a pin
    was saved (a time in a lunch gap) and then dropped by the planner, blamed on an absence or changed hours.
    `hours`: advisor id -> their spans, reused across rows (a CSV import)."""
    advisor, tz = fields.pinned_advisor, team.timezone
    cache = hours if hours is not None else {}
    if advisor.id not in cache:
        cache[advisor.id] = availability(advisor, week_start, tz)
    start = local_naive(fields.pinned_start, tz)
    end = start + timedelta(minutes=fields.duration_minutes)
    if any(s <= start and end <= e for s, e in cache[advisor.id]):
        return
    that_day = [f"{s:%H:%M}–{end_text(s, e)}" for s, e in cache[advisor.id] if s.date() == start.date()]
    works = f"their working time that day is {', '.join(that_day)}" if that_day else "they do not work that day"
    raise RotaError(f"Cannot pin it there: {advisor.name} is not working all of {start:%a %d %b} {start:%H:%M}–"
                    f"{end_text(start, end)} ({works}; absences and office closures are left out). Choose a time inside it.",
                    "pinned_time")


def _utc(local: datetime, tz: str) -> datetime:
    return to_utc(local.date(), local.time(), tz)


def window_times(windows: list[Window], tz: str) -> list[tuple[datetime, datetime]]:
    """Each window's (start, end) as aware UTC datetimes ("24:00" is the next day's midnight)."""
    return [(_grid_utc(w.day, clock(w.start), tz), _grid_utc(w.day, clock(w.end, end=True), tz)) for w in windows]


@lru_cache(maxsize=4096)
def _grid_utc(day: date, minutes: int, tz: str) -> datetime:
    # A week has 7 x 97 grid times: a CSV import of 50,000 rows converts each once, not 200,000 times.
    return _utc(at(day, minutes), tz)


def _apply(request: AppointmentRequest, team: Team, fields: RequestFields) -> None:
    request.client, request.type, request.duration_minutes = fields.client, fields.type, fields.duration_minutes
    request.purpose = fields.purpose or fields.type.name
    request.pinned_advisor, request.pinned_start = fields.pinned_advisor, fields.pinned_start
    request.windows = [RequestWindow(starts_at=start, ends_at=end) for start, end in window_times(fields.windows, team.timezone)]


def new_request(team: Team, week_start: date, fields: RequestFields) -> AppointmentRequest:
    """An unsaved request (the CSV import adds many before one commit)."""
    check_request(team, week_start, fields)
    request = AppointmentRequest(team=team, week_start=week_start)
    _apply(request, team, fields)
    return request


def add_request(team: Team, week_start: date, fields: RequestFields, by, **detail) -> AppointmentRequest:
    """Check and save one request, audited as `request_added` by `by` (with `detail` added to the event: an
    advisor's follow-up says so, services/clients/follow_ups.py). RotaError naming the field (check_request)."""
    request = new_request(team, week_start, fields)
    db.session.add(request)
    db.session.flush()
    audit.record("request_added", user=by, obj=request, client=fields.client.id, week=week_start.isoformat(),
                 **detail)
    db.session.commit()
    return request


def _not_a_booking(request: AppointmentRequest, instead: str, what: str) -> None:
    """RotaError for an appointment booked at the desk and not cancelled: the desk changes it (Rebook, Cancel),
    in a new published version under the team's lock, so the plan, the client's page and the audit agree."""
    if request.booked_at is not None and request.cancelled_at is None:
        raise RotaError(f"This is an appointment booked at the desk for {request.client.reference}: {instead} from "
                        f"the client's appointments, so the published plan and the client's record say so. "
                        f"Nothing was {what}.")


def _not_cancelled(request: AppointmentRequest) -> None:
    """RotaError for a cancelled appointment: it is kept as it was, for the record (who cancelled it, when, and
    what had been booked); changing its client, type or time afterwards rewrote that record (PATCH answered 200)."""
    if request.cancelled_at is not None:
        raise RotaError(f"This appointment for {request.client.reference} was cancelled at the desk; it is kept as it "
                        "was, for the record. Nothing was changed: add a new request instead.")


def update_request(request: AppointmentRequest, fields: RequestFields, expected_version: int, by) -> AppointmentRequest:
    if request.version_id != expected_version:
        raise EditConflict(changed_since("request"))
    _not_cancelled(request)
    _not_a_booking(request, "rebook or cancel it", "changed")
    check_request(request.team, request.week_start, fields, request_id=request.id)
    conflict = changed_since("request")
    # Lock the row at the version the editor read before changing anything: a second writer waits here and
    # gets a conflict, and no autoflush can meet a stale row outside the try below.
    if not hold_version(db.session, request, expected_version):
        db.session.rollback()
        raise EditConflict(conflict)
    try:
        with db.session.no_autoflush:  # one flush at commit: one new version (windows alone bump it too)
            _apply(request, request.team, fields)
            audit.record("request_changed", user=by, obj=request, client=fields.client.id)
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise EditConflict(conflict) from err
    return request


def remove_request(request: AppointmentRequest, by) -> None:
    """Delete a request. RotaError for an appointment booked at the desk and not cancelled: that is the
    desk's Cancel, which frees its time in a new published version and records it as cancelled."""
    _not_a_booking(request, "cancel it", "removed")
    audit.record("request_removed", user=by, obj=request, client=request.client_id,
                 week=request.week_start.isoformat())
    db.session.delete(request)
    db.session.commit()

