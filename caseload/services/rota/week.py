"""The week's working time and work to place: absences, protected-time targets, clients and appointment requests."""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.localtime import to_local, to_utc
from caseload.models import (
    WEEKDAYS, Absence, Advisor, AppointmentRequest, AppointmentType, Client, RequestWindow, Role, Skill, Team,
    WeekProtectedTarget, hold_version,
)
from caseload.services import audit
from caseload.services.planning.problem import (
    HORIZON_DAYS, availability, local_naive, team_advisors, week_absences, week_targets,
)
from caseload.services.rota import pins
from caseload.timegrid import SLOT_MINUTES, OffGrid, at, check_on_grid, clock, clock_text, end_text, merge_spans


class RotaError(ValueError):
    """A change that cannot be made; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class EditConflict(RotaError):
    """The record was changed since it was opened (by another user or another window); nothing was saved."""


class PinClash(RotaError):
    """The pin cannot hold beside another pinned appointment of the week (named in the message)."""


def teams_for(user) -> list[Team]:
    query = select(Team).order_by(Team.name)
    if user.role != Role.ADMIN:
        query = query.where(Team.leader_id == user.id)
    return list(db.session.scalars(query))


def week_bounds_utc(team: Team, week_start: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, local time, as UTC."""
    return to_utc(week_start, "00:00", team.timezone), to_utc(week_start + timedelta(days=7), "00:00", team.timezone)


# --- absences -------------------------------------------------------------------------------------

def _check_absence(advisor: Advisor, team: Team, week_start: date, starts_at: datetime, ends_at: datetime) -> None:
    if advisor.team_id != team.id:
        raise RotaError("That advisor is not in this team.", "advisor")
    if ends_at <= starts_at:
        raise RotaError("The absence must end after it starts.", "end_time")
    lo, hi = week_bounds_utc(team, week_start)
    if starts_at < lo or ends_at > hi:
        raise RotaError("The absence must lie inside the week being planned.", "start_day")


def add_absence(team: Team, week_start: date, advisor: Advisor, starts_at: datetime, ends_at: datetime,
                reason: str, note: str | None, by) -> Absence:
    _check_absence(advisor, team, week_start, starts_at, ends_at)
    absence = Absence(advisor=advisor, starts_at=starts_at, ends_at=ends_at, reason=reason or "leave", note=note or None)
    db.session.add(absence)
    db.session.flush()
    audit.record("absence_added", user=by, obj=absence, advisor=advisor.id, starts_at=starts_at.isoformat(),
                 ends_at=ends_at.isoformat(), reason=absence.reason)
    db.session.commit()
    return absence


def update_absence(absence: Absence, team: Team, week_start: date, advisor: Advisor, starts_at: datetime,
                   ends_at: datetime, reason: str, note: str | None, by, expected_version: int | None = None) -> Absence:
    """Change an absence read at `expected_version` (the edit form's; None: the current one). A change saved
    since is an EditConflict and nothing is written; a bad time is a RotaError naming the field."""
    expected = absence.version_id if expected_version is None else expected_version
    if absence.version_id != expected:
        raise EditConflict(changed_since("absence"))
    _check_absence(advisor, team, week_start, starts_at, ends_at)
    if not hold_version(db.session, absence, expected):
        db.session.rollback()
        raise EditConflict(changed_since("absence"))
    try:
        absence.advisor, absence.starts_at, absence.ends_at = advisor, starts_at, ends_at
        absence.reason, absence.note = reason or "leave", note or None
        audit.record("absence_changed", user=by, obj=absence, advisor=advisor.id, starts_at=starts_at.isoformat(),
                     ends_at=ends_at.isoformat())
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise EditConflict(changed_since("absence")) from err
    return absence


def changed_since(what: str) -> str:
    """The conflict message for a record saved since the form was opened: by another user, or by the same user
    in another window (so not "someone else")."""
    return (f"This {what} was changed since you opened it (by another user, or by you in another window). "
            "Nothing was saved: reload to see the change, then make yours again.")


def remove_absence(absence: Absence, by) -> None:
    audit.record("absence_removed", user=by, obj=absence, advisor=absence.advisor_id,
                 starts_at=absence.starts_at.isoformat(), ends_at=absence.ends_at.isoformat())
    db.session.delete(absence)
    db.session.commit()


def set_protected_target(advisor: Advisor, minutes: int, by, week_start: date | None = None) -> None:
    """Set the advisor's protected-time target: for the week starting `week_start` only (an override kept in
    week_protected_targets; other weeks keep the standing target), or, with week_start None, the standing target
    (`Advisor.protected_minutes`, every week without an override). Minutes 0-2400 (RotaError "minutes")."""
    if minutes < 0 or minutes > 60 * 40:
        raise RotaError("Protected time must be between 0 and 2400 minutes a week.", "minutes")
    if week_start is None:
        before = advisor.protected_minutes
        advisor.protected_minutes = minutes
        audit.record("protected_target_set", user=by, obj=advisor, before=before, after=minutes)
        db.session.commit()
        return
    override = _week_override(advisor, week_start)
    before = override.minutes if override else advisor.protected_minutes
    if override is None:
        override = WeekProtectedTarget(advisor_id=advisor.id, week_start=week_start, minutes=minutes)
        db.session.add(override)
    override.minutes = minutes
    try:
        db.session.flush()
    except IntegrityError:  # the same week's override saved a moment ago by someone else: change that one
        db.session.rollback()
        override = _week_override(advisor, week_start)
        override.minutes = minutes
    audit.record("protected_target_set", user=by, obj=advisor, week=week_start.isoformat(), before=before, after=minutes)
    db.session.commit()


def clear_week_target(advisor: Advisor, week_start: date, by) -> bool:
    """Drop the advisor's override for the week starting `week_start` (the standing target applies again);
    False when there was none."""
    override = _week_override(advisor, week_start)
    if override is None:
        return False
    audit.record("protected_target_set", user=by, obj=advisor, week=week_start.isoformat(), before=override.minutes,
                 after=advisor.protected_minutes, back_to_standing=True)
    db.session.delete(override)
    db.session.commit()
    return True


def _week_override(advisor: Advisor, week_start: date) -> WeekProtectedTarget | None:
    return db.session.scalar(select(WeekProtectedTarget).where(
        WeekProtectedTarget.advisor_id == advisor.id, WeekProtectedTarget.week_start == week_start))


# --- clients --------------------------------------------------------------------------------------

def add_client(team: Team, reference: str, name: str, named_advisor: Advisor | None, need: Skill | None,
               complexity: int, by) -> Client:
    """A new client of `team`. References are unique within the team only (case-insensitively): another
    team's clients are never looked at, so the refusal cannot reveal what another team holds."""
    reference = reference.strip()
    if team_reference_taken(team, reference):
        raise RotaError(f"Team {team.name} already has a client with reference {reference}.", "reference")
    if named_advisor is not None and named_advisor.team_id != team.id:
        raise RotaError("The named advisor must be in this team.", "named_advisor")
    client = Client(team=team, reference=reference, name=name.strip(), named_advisor=named_advisor, need=need,
                    complexity=complexity)
    db.session.add(client)
    try:
        db.session.flush()
    except IntegrityError as err:  # the same reference saved in this team a moment ago
        db.session.rollback()
        raise RotaError(f"Team {team.name} already has a client with reference {reference}.", "reference") from err
    audit.record("client_added", user=by, obj=client, reference=reference)
    db.session.commit()
    return client


def team_reference_taken(team: Team, reference: str) -> bool:
    """Whether a client of `team` (erased ones too: their reference is replaced) has this reference."""
    return db.session.scalar(select(Client.id).where(
        Client.team_id == team.id, func.lower(Client.reference) == reference.strip().lower()).limit(1)) is not None


def update_client(client: Client, named_advisor: Advisor | None, need: Skill | None, complexity: int,
                  expected_version: int, by) -> Client:
    """Change a client's named advisor, need and complexity (optimistic lock on the client row)."""
    if client.version_id != expected_version:
        raise EditConflict(changed_since("client"))
    if named_advisor is not None and named_advisor.team_id != client.team_id:
        raise RotaError("The named advisor must be in the client's team.", "named_advisor")
    if complexity not in (1, 2, 3):
        raise RotaError("Complexity is 1, 2 or 3.", "complexity")
    conflict = changed_since("client")
    if not hold_version(db.session, client, expected_version):
        db.session.rollback()
        raise EditConflict(conflict)
    before = {"named_advisor": client.named_advisor_id, "need": client.need_id, "complexity": client.complexity}
    try:
        client.named_advisor, client.need, client.complexity = named_advisor, need, complexity
        audit.record("client_changed", user=by, obj=client, before=before,
                     after={"named_advisor": getattr(named_advisor, "id", None), "need": getattr(need, "id", None),
                            "complexity": complexity})
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise EditConflict(conflict) from err
    return client


# --- appointment requests -------------------------------------------------------------------------

WINDOW = re.compile(r"^\s*(?P<day>\d{4}-\d{2}-\d{2}|[A-Za-z]{3})[a-z]*\s+(?P<start>\S+?)\s*-\s*(?P<end>\S+)\s*$")


@dataclass
class Window:
    """One window, local: `day`, and "HH:MM" `start` and `end` on the grid ("24:00" ends at midnight)."""

    day: date
    start: str
    end: str


def parse_windows(text: str, week_start: date) -> list[Window]:
    """Windows written one per line (or separated by ';'): "2026-11-23 09:00-12:00" or "tue 13:00-17:00".

    Times must be on the slot grid; an end of 24:00 (or 00:00) is midnight. Windows of one day that touch
    or overlap are merged into one (the client can come for the whole stretch). RotaError("windows") else."""
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
        windows.append((day, start, end))
    if not windows:
        raise RotaError("Give at least one window when the client can come.", "windows")
    # Keyed by day, so a window ending at 24:00 and the next day's from 00:00 stay two windows.
    merged = merge_spans(((day, start), (day, end)) for day, start, end in windows)
    return [Window(day, clock_text(start), clock_text(end)) for (day, start), (_, end) in merged]


def windows_text(request: AppointmentRequest, tz: str) -> str:
    """The request's windows as the form takes them back unchanged ("2026-11-24 20:00-24:00")."""
    lines = []
    for w in request.windows:
        start, end = to_local(w.starts_at, tz), to_local(w.ends_at, tz)
        lines.append(f"{start:%Y-%m-%d %H:%M}-{end_text(start.replace(tzinfo=None), end.replace(tzinfo=None))}")
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
                  book: pins.PinBook | None = None) -> None:
    """RotaError naming the field at fault; a pin is also checked against the week's other pins (leaving out
    the request `request_id` being changed), or against `book` (a CSV import: the stored pins and the file's)."""
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
        mine = pins.make_pin(request_id, fields.client, fields.pinned_advisor, fields.pinned_start,
                             fields.duration_minutes, team.timezone)
        book = book or pins.PinBook(pins.week_pins(team.id, week_start, team.timezone, leave_out=request_id))
        why = book.clash(mine)
        if why:
            raise PinClash(f"The pin clashes: {why}. Choose another time or advisor, or change that pin first.",
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


def add_request(team: Team, week_start: date, fields: RequestFields, by) -> AppointmentRequest:
    request = new_request(team, week_start, fields)
    db.session.add(request)
    db.session.flush()
    audit.record("request_added", user=by, obj=request, client=fields.client.id, week=week_start.isoformat())
    db.session.commit()
    return request


def update_request(request: AppointmentRequest, fields: RequestFields, expected_version: int, by) -> AppointmentRequest:
    if request.version_id != expected_version:
        raise EditConflict(changed_since("request"))
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
    audit.record("request_removed", user=by, obj=request, client=request.client_id,
                 week=request.week_start.isoformat())
    db.session.delete(request)
    db.session.commit()


def team_clients(team: Team, search: str | None = None) -> list[Client]:
    query = select(Client).where(Client.team_id == team.id, Client.erased_at.is_(None)).order_by(Client.reference)
    if search:
        like = f"%{search.strip()}%"
        query = query.where(Client.reference.ilike(like) | Client.name.ilike(like))
    return list(db.session.scalars(query))


def client_by_reference(team: Team, reference: str) -> Client | None:
    return db.session.scalar(select(Client).where(Client.team_id == team.id, Client.reference == reference.strip(),
                                                  Client.erased_at.is_(None)))


# --- the week page ---------------------------------------------------------------------------------

@dataclass
class AdvisorWeek:
    advisor: Advisor
    days: list  # per day: list of (start, end) local "HH:MM" strings of bookable time
    absences: list  # (absence, local start, local end)
    minutes: int
    target: int = 0  # this week's protected-time target (minutes)
    overridden: bool = False  # the target is this week's own, not the advisor's standing one


def week_rows(team: Team, week_start: date) -> list[AdvisorWeek]:
    """Each advisor's bookable time per day (pattern minus absences) and the week's absences, in local time."""
    rows = []
    advisors = team_advisors(team)
    targets = week_targets([a.id for a in advisors], week_start)
    for advisor in advisors:
        spans = availability(advisor, week_start, team.timezone, 7)
        days = [[(s.strftime("%H:%M"), end_text(s, e)) for s, e in spans if s.date() == week_start + timedelta(days=d)]
                for d in range(HORIZON_DAYS)]
        absences = [(a, local_naive(a.starts_at, team.timezone), local_naive(a.ends_at, team.timezone))
                    for a in week_absences(advisor, week_start, team.timezone, 7)]
        minutes = sum(int((e - s).total_seconds() // 60) for s, e in spans if s.date() < week_start + timedelta(days=HORIZON_DAYS))
        rows.append(AdvisorWeek(advisor, days, absences, minutes, targets.get(advisor.id, advisor.protected_minutes),
                                advisor.id in targets))
    return rows
