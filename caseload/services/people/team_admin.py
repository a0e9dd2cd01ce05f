"""Administrators' changes to teams: name, time zone and leader.

A refused change raises admin_saves.AdminError naming the form field at fault; nothing is saved.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Role, Team, User
from caseload.services import audit
from caseload.services.people.admin_saves import AdminError, apply_changes, claim, flush_unique, stored_look_alike
from caseload.values import key_problem, name_key, stored_as


def check_timezone(name: str) -> str:
    name = name.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise AdminError(f"{name or 'An empty name'} is not a time zone (use e.g. Europe/London).", "timezone") from err
    if name not in available_timezones():  # ZoneInfo also accepts file paths such as "zone.tab"
        raise AdminError(f"{name} is not a time zone (use e.g. Europe/London).", "timezone")
    return name


def save_team(team: Team | None, name: str, timezone: str, leader: User | None, by,
              expected_version: int | None = None) -> Team:
    claim(team, expected_version, "This team")
    name = name.strip()
    if not name:
        raise AdminError("Give the team a name.", "name")
    if problem := key_problem(name):  # the Kelvin sign's "Team \u212a" would be the key of "Team K"
        raise AdminError(f"The name {problem}", "name")
    stored = stored_look_alike(Team, Team.name, name, getattr(team, "id", None), key_column=Team.name_key)
    if stored is not None:
        raise AdminError(f"There is already a team called {name}{stored_as(stored, name)}.", "name")
    timezone = check_timezone(timezone)
    if leader is not None and leader.role not in (Role.LEADER, Role.ADMIN):
        raise AdminError(f"{leader.display_name} is not a team leader; change their role first.", "leader")
    created = team is None
    team = team or Team()
    changed = apply_changes(team, {"name": name, "timezone": timezone, "leader_id": getattr(leader, "id", None)})
    db.session.add(team)

    def taken_words() -> str:  # the same name, or a look-alike (UNIQUE name_key), saved by another since the check
        stored = db.session.scalar(select(Team.name).where(Team.name_key == name_key(name))) or name
        return f"There is already a team called {name}{stored_as(stored, name)}."

    flush_unique("name", taken_words)
    audit.record("team_created" if created else "team_updated", user=by, obj=team, changes=changed)
    db.session.commit()
    return team
