"""The week's working time and its clients: absences, protected-time targets, clients, the week page's rows, and
the errors the rota's services raise (its appointment requests are in requests.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.localtime import NoSuchLocalTime, to_utc, typed_to_utc, wall_clock
from caseload.models import Absence, Advisor, Client, Role, Skill, Team, WeekProtectedTarget, hold_version
from caseload.services import audit
from caseload.services.clients import erased_reference, name_search, reference_lookup
from caseload.services.planning.problem import (
    HORIZON_DAYS, availability, protected_over_working, team_advisors, usual_week_minutes, week_absences,
    week_targets,
)
from caseload.timegrid import end_text
from caseload.values import name_key, stored_as


class RotaError(ValueError):
    """A change that cannot be made; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def typed_utc(day: date, clock, tz: str, field: str, label: str, midnight_is_day_start: bool = False) -> datetime:
    """A time a person typed in a form (`clock` on `day`, local to `tz`) as UTC; RotaError naming `field` (and
    saying `label`) when the clocks skip it: "Pinned start: 00:30 on Fri 30 Apr 2027 does not exist in
    Africa/Cairo: the clocks go forward from 00:00 to 01:00." (localtime.typed_to_utc)."""
    try:
        return typed_to_utc(day, clock, tz, midnight_is_day_start)
    except NoSuchLocalTime as err:
        raise RotaError(f"{label}: {err}.", field) from None


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
    (`Advisor.protected_minutes`, every week without an override). Minutes 0-2400 and no more than the advisor's
    usual working week (planning.problem.protected_over_working), else RotaError "minutes"."""
    if minutes < 0 or minutes > 60 * 40:
        raise RotaError("Protected time must be between 0 and 2400 minutes a week.", "minutes")
    if reason := protected_over_working(minutes, usual_week_minutes(advisor.work_pattern), advisor.name):
        raise RotaError(f"Protected minutes a week: {reason}", "minutes")
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
    """A new client of `team`. References are unique within the team only, compared by values.name_key (case and
    ZWNJ/ZWJ ignored: "S0001" and "s0001", or a reference with and without a joiner, look the same): another
    team's clients are never looked at, so the refusal cannot reveal what another team holds."""
    reference = reference.strip()
    reserved = erased_reference.reserved_problem(reference)
    if reserved:
        raise RotaError(f"Reference {reserved}", "reference")
    stored = stored_reference(team, reference)
    if stored is not None:
        raise RotaError(reference_taken_text(team, stored, reference), "reference")
    if named_advisor is not None and named_advisor.team_id != team.id:
        raise RotaError("The named advisor must be in this team.", "named_advisor")
    client = Client(team=team, reference=reference, name=name.strip(), named_advisor=named_advisor, need=need,
                    complexity=complexity)
    db.session.add(client)
    try:
        db.session.flush()
    except IntegrityError as err:  # the same reference, or a look-alike (UNIQUE reference_key), saved a moment ago
        db.session.rollback()
        stored = db.session.scalar(select(Client.reference).where(
            Client.team_id == team.id, Client.reference_key == name_key(reference))) or reference
        raise RotaError(reference_taken_text(team, stored, reference), "reference") from err
    audit.record("client_added", user=by, obj=client, reference=reference)
    db.session.commit()
    return client


def stored_reference(team: Team, reference: str) -> str | None:
    """The reference of a client of `team` (erased ones too: their reference is replaced) that is `reference` but
    for case and ZWNJ/ZWJ (by its stored key: name_search.key_equals), as stored; None when there is none."""
    return db.session.scalar(select(Client.reference).where(
        Client.team_id == team.id, name_search.key_equals(Client.reference, Client.reference_key, reference))
        .order_by(Client.id).limit(1))


def team_reference_taken(team: Team, reference: str) -> bool:
    """Whether a client of `team` has this reference, case and ZWNJ/ZWJ ignored (stored_reference)."""
    return stored_reference(team, reference) is not None


def reference_taken_text(team: Team, stored: str, reference: str) -> str:
    """The refusal of `reference` because `team` has `stored`, saying what alone tells them apart if anything."""
    return f"Team {team.name} already has a client with reference {reference}{stored_as(stored, reference)}."


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


def team_clients(team: Team, search: str | None = None) -> list[Client]:
    query = select(Client).where(Client.team_id == team.id, Client.erased_at.is_(None)).order_by(Client.reference)
    if search and name_search.typed_key(search):  # as the desk searches: case and ZWNJ/ZWJ ignored
        query = query.where(name_search.column_contains(Client.reference, search)
                            | name_search.column_contains(Client.name, search))
    return list(db.session.scalars(query))


def client_by_reference(team: Team, reference: str) -> Client | None:
    """The not-erased client of `team` whose reference is the typed `reference` but for case and ZWNJ/ZWJ ("ab-12"
    finds "AB-12": reference_lookup.team_client), or None. Of look-alikes stored before migration 0021 the one
    stored exactly as typed; with none, RotaError on the "client" field saying the reference is ambiguous."""
    try:
        return reference_lookup.team_client(team, reference)
    except reference_lookup.AmbiguousReference as err:
        raise RotaError(f"Client: {err}.", "client") from None


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
        absences = [(a, wall_clock(a.starts_at, team.timezone), wall_clock(a.ends_at, team.timezone))
                    for a in week_absences(advisor, week_start, team.timezone, 7)]
        minutes = sum(int((e - s).total_seconds() // 60) for s, e in spans if s.date() < week_start + timedelta(days=HORIZON_DAYS))
        rows.append(AdvisorWeek(advisor, days, absences, minutes, targets.get(advisor.id, advisor.protected_minutes),
                                advisor.id in targets))
    return rows
