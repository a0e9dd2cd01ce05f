"""The week a team leader is sent to plan: the current week (localtime.this_week_start), or the next one when the
current week has no requests waiting to be placed and the next week has some (late in the week, the requests are
for next week: the demo office seeded on a Thursday evening, or a leader who imported next week's on Friday).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import AppointmentRequest, Team


def _waiting(team: Team, week: date) -> bool:
    """Whether the team has a request in `week` still to place: not booked at the desk, not cancelled."""
    return db.session.scalar(select(AppointmentRequest.id).where(
        AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == week,
        AppointmentRequest.booked_at.is_(None), AppointmentRequest.cancelled_at.is_(None)).limit(1)) is not None


def week_to_plan(team: Team, now: datetime | None = None) -> date:
    """Monday of the week to plan for `team` (see the module); `now`: aware UTC, default the clock."""
    week = this_week_start(team.timezone, now)
    following = week + timedelta(days=7)
    if not _waiting(team, week) and _waiting(team, following):
        return following
    return week
