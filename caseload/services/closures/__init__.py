"""Office closure days (bank holidays, the office shut): kept, read, and what they break.

A closure is a local calendar day (the team's own wall-clock date) for one team or the whole service
(`team_id` None). planning/problem.availability takes a closed day out of every affected advisor's working
time, so everything built from it (planning, re-planning, region runs, background jobs, what-if, the desk's
offers and series, the rota's week) places nothing on it. What a closure breaks (booked appointments to rebook)
is in `closures.broken`, kept apart because it reads the desk, which planning (and so this module) sits below.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from caseload.extensions import db
from caseload.models import ClosureDay, Role, Team
from caseload.services import audit
from caseload.services.rota.listings import PER_PAGE, ListQuery, Listing, paged
from caseload.values import LAST_WEEK

REASON_MAX = 120
EARLIEST = date(2000, 1, 1)
RECENT_DAYS = 30  # the administrator's list shows upcoming closures and those of the last 30 days; older on request


class ClosureRejected(ValueError):
    """Bad input, naming the form field (`field`: day, team or reason)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class ClosureDuplicate(ClosureRejected):
    """The day is already closed for that team or for the whole service (also when another request closed it a
    moment earlier: the unique indexes refused the twin). The API answers 409, the page names the day."""


def closed_days(team_id: int | None, first: date, last: date) -> dict[date, str]:
    """day -> reason for each day from `first` to `last` (inclusive) on which team `team_id` is closed: its own
    closures and the whole service's (both on one day: their reasons joined)."""
    rows = db.session.scalars(select(ClosureDay).where(
        ClosureDay.day >= first, ClosureDay.day <= last,
        or_(ClosureDay.team_id.is_(None), ClosureDay.team_id == team_id)).order_by(ClosureDay.day, ClosureDay.id))
    out: dict[date, str] = {}
    for row in rows:
        out[row.day] = f"{out[row.day]}; {row.reason}" if row.day in out else row.reason
    return out


def closure_list(query: ListQuery, first: date | None = None, last: date | None = None,
                 team_ids: list[int] | None = None, newest_first: bool = False, per_page: int = PER_PAGE) -> Listing:
    """One page (`query.page`, clamped) of closures from `first` to `last` (inclusive; None: no bound), by day
    (`newest_first`: latest first), whole-service ones first on a day, ties by id, so paging is stable.
    `team_ids`: only those teams' closures and the whole service's (None: every closure). Team loaded in bulk."""
    conditions = []
    if first is not None:
        conditions.append(ClosureDay.day >= first)
    if last is not None:
        conditions.append(ClosureDay.day <= last)
    if team_ids is not None:
        conditions.append(or_(ClosureDay.team_id.is_(None), ClosureDay.team_id.in_(team_ids)))
    day = ClosureDay.day.desc() if newest_first else ClosureDay.day
    return paged(select(ClosureDay).where(*conditions).options(selectinload(ClosureDay.team)),
                 select(func.count(ClosureDay.id)).where(*conditions), query,
                 [day, ClosureDay.team_id.is_not(None), ClosureDay.id], per_page)


def count_closures_before(day: date) -> int:
    """How many closures fall before `day` (the administrator's "older closures" link)."""
    return db.session.scalar(select(func.count(ClosureDay.id)).where(ClosureDay.day < day)) or 0


def add_closure(day: date | None, team: Team | None, reason: str, by) -> ClosureDay:
    """Add a closure (the caller commits). Raises ClosureRejected naming the field: no or impossible day, an
    empty or too long reason, or the same day already closed for that team or for the whole service."""
    if day is None:
        raise ClosureRejected("Give the day (YYYY-MM-DD).", "day")
    if not EARLIEST <= day <= LAST_WEEK + timedelta(days=6):
        raise ClosureRejected(f"Give a day from {EARLIEST:%Y} to {LAST_WEEK:%Y}.", "day")
    reason = (reason or "").strip()
    if not reason:
        raise ClosureRejected("Say why the office is closed, e.g. \"Christmas Day\".", "reason")
    if len(reason) > REASON_MAX:
        raise ClosureRejected(f"At most {REASON_MAX} characters.", "reason")
    same = db.session.scalars(select(ClosureDay).where(ClosureDay.day == day)).all()
    for other in same:
        if other.team_id is None:
            raise ClosureDuplicate(f"{day:%a %d %b %Y} is already closed for the whole service ({other.reason}).", "day")
        if team is not None and other.team_id == team.id:
            raise ClosureDuplicate(f"{day:%a %d %b %Y} is already closed for team {team.name} ({other.reason}).", "day")
    closure = ClosureDay(day=day, team_id=team.id if team else None, reason=reason, created_by_id=getattr(by, "id", None))
    try:
        with db.session.begin_nested():  # a savepoint: a refused twin undoes only itself (public holidays add many)
            db.session.add(closure)
    except IntegrityError:  # closed by another request between the check above and this insert
        raise ClosureDuplicate(f"{day:%a %d %b %Y} was closed for {closure_scope(team)} a moment ago by someone "
                               "else.", "day") from None
    audit.record("closure_added", user=by, obj=closure, day=day.isoformat(), team=team.id if team else None,
                 reason=reason)
    return closure


def closure_scope(team: Team | None) -> str:
    return f"team {team.name}" if team is not None else "the whole service"


def visible_team_ids(user) -> list[int] | None:
    """The teams whose closures `user` sees beside the whole service's (None: every team, an administrator):
    a team leader the teams they lead, an advisor their own team."""
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.LEADER:
        return list(db.session.scalars(select(Team.id).where(Team.leader_id == user.id)))
    return [user.advisor.team_id] if user.advisor is not None else []


def remove_closure(closure: ClosureDay, by) -> None:
    """Remove a closure (the caller commits); audited with what it was."""
    audit.record("closure_removed", user=by, obj=closure, day=closure.day.isoformat(), team=closure.team_id,
                 reason=closure.reason)
    db.session.delete(closure)
