"""The service's own time zone: the one the administrator's pages show times in.

Teams keep their own zone (a region can span several); the administrator, who belongs to no team, reads times
in the zone most teams use, so "Last changed 30 Nov 19:02" is the wall clock the office sees, as every team
page shows it (the rota, My week, the desk), not UTC.
"""
from __future__ import annotations

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import Team

DEFAULT_ZONE = "Europe/London"  # a new team's default (admin TeamForm) when there is no team yet


def service_zone() -> str:
    """The IANA zone most teams use (ties: the first by name); DEFAULT_ZONE when there are no teams."""
    count = func.count(Team.id)
    found = db.session.execute(select(Team.timezone, count).group_by(Team.timezone)
                               .order_by(count.desc(), Team.timezone).limit(1)).first()
    return found[0] if found else DEFAULT_ZONE
