"""The lists the administrators' pages show: every team, skill or advisor for a choice, and the users and advisors
lists searched and paged in the database.
"""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from caseload.extensions import db
from caseload.models import Advisor, AppointmentType, Role, Skill, Team, User
from caseload.services.clients import name_search
from caseload.services.people.users import by_username
from caseload.services.rota.listings import PER_PAGE, ListQuery, Listing, paged


USER_MATCHES_SHOWN = 10  # names listed when a search for a user matches several


def users_matching(text: str, limit: int = USER_MATCHES_SHOWN + 1) -> list[User]:
    """The account whose username is `text` (case and ZWNJ/ZWJ ignored: users.by_username) as a one-item list;
    else up to `limit` accounts whose username or full name contains it, by username. For filters that take a
    typed name instead of a list of every account (hundreds at 50 teams)."""
    text = text.strip()
    exact = by_username(text)
    if exact is not None:
        return [exact]
    return list(db.session.scalars(select(User).where(or_(name_search.column_contains(User.username, text),
                                                          name_search.column_contains(User.display_name, text)))
                                   .order_by(User.username).limit(limit)))


def natural_order(column) -> list:
    """ORDER BY terms that sort names ending in a number by that number: advisor2 before advisor10 (a plain sort
    gave advisor1, advisor10, advisor11, …, advisor2). The name without its trailing digits, then the shorter
    (smaller) number first, then the name; SQLite and PostgreSQL both have rtrim(text, characters)."""
    return [func.rtrim(column, "0123456789"), func.length(column), column]


def all_users() -> list[User]:
    """Every account, with its advisor record loaded in one more query (the users page shows it on each row)."""
    return list(db.session.scalars(select(User).options(selectinload(User.advisor))
                                   .order_by(User.role, *natural_order(User.username))))


def all_teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def preferred_team(teams: list[Team], user) -> Team | None:
    """The team a page about one team starts on, of `teams`: the user's own (an advisor's team, or the first of
    `teams` they lead), else the first with active advisors (a new empty team, first by name, showed "Nothing to
    show"), else the first; None when there are none."""
    advisor = getattr(user, "advisor", None)
    own = [t for t in teams if (advisor is not None and t.id == advisor.team_id)
           or t.leader_id == getattr(user, "id", None)]
    staffed = set(db.session.scalars(select(Advisor.team_id).where(Advisor.active.is_(True),
                                                                   Advisor.team_id.in_([t.id for t in teams]))))
    for group in (own, teams):
        if found := next((t for t in group if t.id in staffed), None):
            return found
    return own[0] if own else (teams[0] if teams else None)


def all_skills() -> list[Skill]:
    return list(db.session.scalars(select(Skill).order_by(Skill.code)))


def all_advisors() -> list[Advisor]:
    """Every advisor with the team, skills and account the advisors page shows, loaded in bulk (not per row)."""
    return list(db.session.scalars(select(Advisor).options(
        selectinload(Advisor.team), selectinload(Advisor.skills), selectinload(Advisor.user))
        .order_by(Advisor.team_id, Advisor.name)))


def all_appointment_types() -> list[AppointmentType]:
    return list(db.session.scalars(select(AppointmentType).order_by(AppointmentType.code)))


# --- the administrators' lists, searched and paged in the database (50 teams: 650 users, 600 advisors) ------

def user_list(query: ListQuery, per_page: int = PER_PAGE) -> Listing:
    """One page of accounts, by role then username in natural order (advisor2 before advisor10; ties by id). q: username or display name contains; filters:
    role (a Role value), status ("active"/"inactive"); anything else means "any". Advisor records in one more
    query."""
    conditions = []
    if query.q.strip():
        conditions.append(or_(name_search.column_contains(User.username, query.q),
                              name_search.column_contains(User.display_name, query.q)))
    if query.filters.get("role") in {r.value for r in Role}:
        conditions.append(User.role == Role(query.filters["role"]))
    if query.filters.get("status") in ("active", "inactive"):
        conditions.append(User.active.is_(query.filters["status"] == "active"))
    statement = select(User).where(*conditions).options(selectinload(User.advisor))
    return paged(statement, select(func.count(User.id)).where(*conditions), query,
                 [User.role, *natural_order(User.username), User.id], per_page)


def advisor_list(query: ListQuery, per_page: int = PER_PAGE) -> Listing:
    """One page of advisors, by team name then name (ties by id). q: name contains; filters: team (a team id);
    anything else means "any". Team, skills and account in bulk (three more queries, not one per row)."""
    conditions = []
    if query.q.strip():
        conditions.append(name_search.column_contains(Advisor.name, query.q))
    if isinstance(query.filters.get("team"), int):
        conditions.append(Advisor.team_id == query.filters["team"])
    statement = select(Advisor).join(Team, Advisor.team_id == Team.id).where(*conditions).options(
        selectinload(Advisor.team), selectinload(Advisor.skills), selectinload(Advisor.user))
    return paged(statement, select(func.count(Advisor.id)).where(*conditions), query,
                 [Team.name, Advisor.name, Advisor.id], per_page)
