"""Administrators' changes: users, teams, skills, advisors and appointment types.

Every change is checked here (so the CLI and API get the same rules as the forms), audited with
the old and new values in the same transaction, and committed. A refused change raises AdminError
naming the form field at fault; nothing is saved.
"""
from __future__ import annotations

import re
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from caseload.extensions import db
from caseload.models import KINDS, WEEKDAYS, Advisor, AppointmentType, Role, Skill, Team, User, claim_edit, hold_version
from caseload.services import audit
from caseload.services.clients import name_search
from caseload.services.planning.problem import protected_over_working, usual_week_minutes
from caseload.services.people import skill_codes
from caseload.services.people.users import (
    USERNAME, UsernameTaken, UserError, by_username, create_user, rename_user, stored_username,
)
from caseload.services.rota import type_codes
from caseload.services.rota.listings import PER_PAGE, ListQuery, Listing, paged
from caseload.services.unique_keys import unique_clash
from caseload.timegrid import OffGrid, clock, clock_text, first_overlap, merge_spans
from caseload.values import name_key, stored_as


CHANGED = ("This advisor was changed since you opened the form (by another user, or by you in another window). "
           "Nothing was saved: reload to see the change, then make yours again.")


def _claim(obj, expected_version: int | None, what: str) -> None:
    """AdminError naming `version` when `obj` (a user, team, skill or appointment type) was saved from its form
    since this form was opened at `expected_version`; else its edit version moves on, the row locked until the
    commit (models.versioning.claim_edit). None: a caller without a form (scripts), not checked."""
    if obj is None or expected_version is None:
        return
    if obj.edit_version != expected_version or not claim_edit(db.session, obj, expected_version):
        db.session.rollback()
        raise AdminError(CHANGED.replace("This advisor", what), "version")


class AdminError(ValueError):
    """A change that cannot be made; `field` names the form field at fault. `conflict`: refused because another
    save came first (the page answers 409, not 400)."""

    def __init__(self, message: str, field: str | None = None, conflict: bool = False):
        super().__init__(message)
        self.field = field
        self.conflict = conflict


def _changes(obj, values: dict) -> dict:
    """Set `values` on `obj`; return {name: [old, new]} for the ones that changed (for the audit log)."""
    changed = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
            setattr(obj, name, new)
    return changed


def _plain(value):
    if isinstance(value, (Role,)):
        return value.value
    if isinstance(value, (Team, User, Skill, Advisor)):
        return value.id
    return value


def _flush_unique(field: str, refusal: Callable[[], str]) -> None:
    """Flush this save's writes. When a UNIQUE key refuses them (another administrator saved the same value since
    this save's duplicate check passed: both checks saw it free), roll back everything this save did and raise
    AdminError(refusal(), field): the same field error as the check, so the form is shown again as typed, nothing
    saved. `refusal` runs after the rollback, so it can read the winner's row (None on SQLite, where the twin of a
    test goes with the rollback). Any other IntegrityError is raised as it is (errors.write_race: 409)."""
    try:
        db.session.flush()
    except IntegrityError as err:
        db.session.rollback()
        if not unique_clash(err):
            raise
        raise AdminError(refusal(), field) from err


def _taken(model, column, value, exclude_id=None) -> bool:
    return _stored(model, column, value, exclude_id) is not None


def _stored(model, column, value, exclude_id=None) -> str | None:
    """The value of `column` on another row of `model` that is `value` but for case and ZWNJ/ZWJ (two that look
    the same: name_search.column_equals), as stored; None when there is none."""
    query = select(column).where(name_search.column_equals(column, value))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query.limit(1))


# --- users ----------------------------------------------------------------------------------------

def add_user(username: str, display_name: str, role: Role, password: str, by) -> User:
    """A new account from the administrator's form (users.create_user); AdminError names the field, "The username
    racer is already taken (stored as Racer: they differ only by case)." also when another created it at the same
    moment."""
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise AdminError("Use 2-64 letters, digits, dots, dashes or underscores.", "username")
    try:
        return create_user(username, display_name.strip() or username, role, password, by=by)
    except UsernameTaken as err:  # before its check, or since (users.username_key is unique): said the same way
        raise AdminError(f"The username {err}.", "username") from err
    except UserError as err:
        raise AdminError(str(err)[:1].upper() + str(err)[1:] + ".", err.field) from err


def update_user(user: User, display_name: str, role: Role, active: bool, advisor: Advisor | None, by,
                expected_version: int | None = None, username: str | None = None) -> User:
    """Change a user's name, role, active flag and linked advisor record, and with `username` (None: unchanged)
    rename the account (users.rename_user: its own user_renamed event; the session stays signed in), all or
    nothing. AdminError("version") when the account was saved since its form was opened at `expected_version`
    (see _claim); AdminError("username") for an empty, malformed or taken username ("The username anna is already
    taken (stored as Anna: they differ only by case)."), with `conflict` when another took it since the check;
    AdminError("advisor") for an advisor record linked to another account, naming it ("Sam Patel is already linked
    to the account sam (Sam P.)."), also when it was linked at the same moment (_link)."""
    _claim(user, expected_version, "This account")
    if user.id == getattr(by, "id", None) and (role != user.role or not active):
        # An administrator locking themselves out leaves nobody to undo it.
        raise AdminError("You cannot change your own role or deactivate yourself.", "role" if role != user.role else "active")
    if user.role == Role.LEADER and role != Role.LEADER and user.led_teams:
        raise AdminError(f"{user.display_name} leads {', '.join(t.name for t in user.led_teams)}; "
                         "give the team another leader first.", "role")
    if advisor is not None and role != Role.ADVISOR:
        raise AdminError("Only advisor accounts can be linked to an advisor record.", "advisor")
    if advisor is not None and advisor.user_id not in (None, user.id):
        raise AdminError(_linked_words(advisor.name, advisor.user), "advisor")
    if username is not None:
        _rename(user, username, by)
    changed = _changes(user, {"display_name": display_name.strip() or user.display_name, "role": role, "active": active})
    current = user.advisor
    if current is not advisor:
        changed["advisor"] = [getattr(current, "id", None), getattr(advisor, "id", None)]
        if current is not None:
            current.user_id = None
            db.session.flush()  # free the unique user_id before giving it to another advisor
        if advisor is not None:
            _link(advisor, user)
    if "active" in changed or "role" in changed:
        user.session_version += 1  # sign them out everywhere: their access changed
    if changed:
        audit.record("user_updated", user=by, obj=user, changes=changed)
    db.session.commit()
    db.session.expire(user, ["advisor"])
    return user


def _linked_words(advisor_name: str, holder) -> str:
    """'Sam Patel is already linked to the account sam (Sam P.).': `holder` is the account holding the record (a
    User, or a row of its username and display_name), None when unknown."""
    if holder is None:  # taken by a save this one cannot see (its own transaction was rolled back with it)
        return f"{advisor_name} is already linked to another account."
    return f"{advisor_name} is already linked to the account {holder.username} ({holder.display_name})."


def _link(advisor: Advisor, user: User) -> None:
    """Link `advisor` to `user` in one UPDATE that finds the record still free (or already theirs) as it writes:
    two administrators linking one advisor record to two accounts at the same moment both pass the check in
    update_user, and the second would take it from the first unseen (or meet the first's new version: the generic
    409 page, what was typed gone). Refused, the whole save is rolled back and AdminError("advisor") names the
    account that holds it, as the check does; so does the UNIQUE advisors.user_id when another record was linked
    to `user` at the same moment (_flush_unique's rule: a UNIQUE clash is a field error, anything else raised)."""
    table = Advisor.__table__
    linking = (update(table).where(table.c.id == advisor.id,
                                   or_(table.c.user_id.is_(None), table.c.user_id == user.id))
               .values(user_id=user.id, version_id=table.c.version_id + 1))  # the version moves, as an ORM save's
    try:
        linked = db.session.execute(linking).rowcount == 1
    except IntegrityError as err:
        db.session.rollback()
        if not unique_clash(err):
            raise
        raise AdminError("Another advisor record was linked to this account at the same moment; nothing was "
                         "saved. Reload to see it.", "advisor") from err
    if not linked:
        # The holder read before the rollback: on SQLite the winner's write is in this transaction (tests) or
        # committed; on PostgreSQL this statement sees the committed winner.
        holder = db.session.execute(select(User.username, User.display_name).join(Advisor, Advisor.user_id == User.id)
                                    .where(Advisor.id == advisor.id)).first()
        name = advisor.name
        db.session.rollback()
        raise AdminError(_linked_words(name, holder), "advisor")
    db.session.expire(advisor)  # its user_id and version as just written


def _rename(user: User, username: str, by) -> None:
    """users.rename_user in the caller's transaction, its refusals as AdminError("username"). The username posted
    as stored (the form's own value) is no rename: the other changes are saved, and a look-alike whose key
    migration 0022 left unset gets its key only when no other account holds it (else it is left for a rename:
    an unrelated edit of that row is not refused, as models.name_keys.keep_key has it)."""
    if username == user.username and (user.username_key is not None
                                      or stored_username(username, other_than=user.id) is not None):
        return
    try:
        rename_user(user, username, by=by, commit=False)
    except UsernameTaken as err:  # before its check, or since (users.username_key is unique): said the same way
        raise AdminError(f"The username {err}.", "username", conflict=err.raced) from err
    except UserError as err:
        raise AdminError(str(err)[:1].upper() + str(err)[1:] + ".", err.field) from err


# --- teams and skills -----------------------------------------------------------------------------

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
    _claim(team, expected_version, "This team")
    name = name.strip()
    if not name:
        raise AdminError("Give the team a name.", "name")
    stored = _stored(Team, Team.name, name, getattr(team, "id", None))
    if stored is not None:
        raise AdminError(f"There is already a team called {name}{stored_as(stored, name)}.", "name")
    timezone = check_timezone(timezone)
    if leader is not None and leader.role not in (Role.LEADER, Role.ADMIN):
        raise AdminError(f"{leader.display_name} is not a team leader; change their role first.", "leader")
    created = team is None
    team = team or Team()
    changed = _changes(team, {"name": name, "timezone": timezone, "leader_id": getattr(leader, "id", None)})
    db.session.add(team)

    def taken_words() -> str:  # the same name, or a look-alike (UNIQUE name_key), saved by another since the check
        stored = db.session.scalar(select(Team.name).where(Team.name_key == name_key(name))) or name
        return f"There is already a team called {name}{stored_as(stored, name)}."

    _flush_unique("name", taken_words)
    audit.record("team_created" if created else "team_updated", user=by, obj=team, changes=changed)
    db.session.commit()
    return team


def skill_code_from(name: str, skill_id: int | None = None) -> str:
    """A skill's code made from its name: lower case, runs of anything but letters and digits as one dash,
    at most 40 characters ("Mental health" -> "mental-health"); "-2", "-3", … added when another skill
    (not `skill_id`) has it. "skill" for a name with no letter or digit."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-") or "skill"
    code, n = base, 1
    while _skill_code_stored(code, skill_id) is not None:
        n += 1
        code = f"{base[:40 - len(str(n)) - 1].rstrip('-')}-{n}"
    return code


def _skill_code_stored(code: str, skill_id: int | None) -> str | None:
    """Another skill's stored code that `code` would match on a typed path (skill_codes: its key, spaces and case
    ignored: a "Debt " stored before the rule takes "debt"), or one equal but for ZWNJ/ZWJ; None when free."""
    return skill_codes.code_taken(code, skill_id) or _stored(Skill, Skill.code, code, skill_id)


def save_skill(skill: Skill | None, code: str | None, name: str, by, expected_version: int | None = None) -> Skill:
    """Add or edit a skill; an empty `code` is made from the name (skill_code_from). AdminError names the
    field at fault; a save since `expected_version` is refused (_claim)."""
    _claim(skill, expected_version, "This skill")
    code = (code or "").strip().lower()
    if not code and name.strip():
        code = skill_code_from(name.strip(), getattr(skill, "id", None))
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", code):
        raise AdminError("Use lower-case letters, digits, dashes or underscores (up to 40).", "code")
    skill_id = getattr(skill, "id", None)

    def taken_words(stored: str) -> str:
        return f"There is already a skill with code {code}{stored_as(stored, code)}."

    stored = _skill_code_stored(code, skill_id)
    if stored is not None:
        raise AdminError(taken_words(stored), "code")
    if not name.strip():
        raise AdminError("Give the skill a name.", "name")
    created = skill is None
    skill = skill or Skill()
    changed = _changes(skill, {"code": code, "name": name.strip()})
    db.session.add(skill)
    # the same code saved by another since the check (UNIQUE code)
    _flush_unique("code", lambda: taken_words(_skill_code_stored(code, skill_id) or code))
    audit.record("skill_created" if created else "skill_updated", user=by, obj=skill, changes=changed)
    db.session.commit()
    return skill


# --- advisors -------------------------------------------------------------------------------------

_SPAN = re.compile(r"^(\S+?)\s*-\s*(\S+)$")


def parse_work_pattern(text: str) -> dict[str, list[list[str]]]:
    """'mon 09:00-12:30, 13:30-17:00' one day a line -> {"mon": [["09:00", "12:30"], ["13:30", "17:00"]]}.

    Times are on the slot grid (timegrid.clock); an end of 24:00 (or 00:00) is midnight and is stored as
    "24:00". Spans of one day that touch are joined ("09:00-13:00, 13:00-17:00" is one 09:00-17:00 stretch);
    spans that overlap are refused. AdminError(field "work_pattern") names the line at fault."""
    pattern: dict[str, list[list[str]]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        day, _, rest = line.partition(" ")
        day = day.lower()[:3]
        if day not in WEEKDAYS:
            raise AdminError(f"Line {number}: start with a day (mon, tue, ...), not {line.split()[0]!r}.", "work_pattern")
        if day in pattern:
            raise AdminError(f"Line {number}: {day} is given twice; put all its times on one line.", "work_pattern")
        spans = []
        for part in filter(None, (p.strip() for p in rest.split(","))):
            match = _SPAN.match(part)
            if not match:
                raise AdminError(f"Line {number}: write times as 09:00-12:30, not {part!r}.", "work_pattern")
            try:
                start, end = clock(match[1]), clock(match[2], end=True)
            except OffGrid as err:
                raise AdminError(f"Line {number}: {part}: {err}.", "work_pattern") from None
            if end <= start:
                raise AdminError(f"Line {number}: {part} ends before it starts.", "work_pattern")
            spans.append((start, end))
        if not spans:
            raise AdminError(f"Line {number}: give the working times for {day}.", "work_pattern")
        clash = first_overlap(spans)
        if clash:
            (s1, e1), (s2, e2) = clash
            raise AdminError(f"Line {number}: {clock_text(s1)}-{clock_text(e1)} and {clock_text(s2)}-{clock_text(e2)} "
                             "overlap; give each working time once.", "work_pattern")
        pattern[day] = [[clock_text(s), clock_text(e)] for s, e in merge_spans(spans)]
    return dict(sorted(pattern.items(), key=lambda kv: WEEKDAYS.index(kv[0])))


def work_pattern_text(pattern: dict) -> str:
    return "\n".join(f"{day} " + ", ".join(f"{s}-{e}" for s, e in spans)
                     for day, spans in sorted((pattern or {}).items(), key=lambda kv: WEEKDAYS.index(kv[0])))


def save_advisor(advisor: Advisor | None, *, name: str, team: Team, skills: list[Skill], does_support: bool,
                 does_policing: bool, work_pattern: str, protected_minutes: int, max_appointments_per_day: int | None,
                 max_caseload: int | None, active: bool, by, expected_version: int | None = None) -> Advisor:
    """Create (advisor None) or change an advisor. A change names the version its form was opened at
    (`expected_version`): if the advisor was saved since (by an administrator, a leader setting the protected
    target, the advisor's own preferences), AdminError("version") and nothing is written."""
    if advisor is not None and expected_version is not None and (
            advisor.version_id != expected_version or not hold_version(db.session, advisor, expected_version)):
        db.session.rollback()
        raise AdminError(CHANGED, "version")
    if not name.strip():
        raise AdminError("Give the advisor's name.", "name")
    if not (does_support or does_policing):
        raise AdminError("An advisor needs at least one role: support or policing.", "does_support")
    pattern = parse_work_pattern(work_pattern)
    if protected_minutes is None or not 0 <= protected_minutes <= 60 * 40:
        raise AdminError("Protected time target (minutes a week): from 0 to 2400 minutes.", "protected_minutes")
    if reason := protected_over_working(protected_minutes, usual_week_minutes(pattern), name.strip()):
        raise AdminError(f"Protected time target (minutes a week): {reason}", "protected_minutes")
    created = advisor is None
    advisor = advisor or Advisor()
    changed = _changes(advisor, {
        "name": name.strip(), "team_id": team.id, "does_support": does_support, "does_policing": does_policing,
        "work_pattern": pattern, "protected_minutes": protected_minutes,
        "max_appointments_per_day": max_appointments_per_day, "max_caseload": max_caseload, "active": active})
    old_skills = sorted(s.code for s in advisor.skills) if not created else []
    advisor.skills = list(skills)
    new_skills = sorted(s.code for s in skills)
    if old_skills != new_skills:
        changed["skills"] = [old_skills, new_skills]
    db.session.add(advisor)
    db.session.flush()
    audit.record("advisor_created" if created else "advisor_updated", user=by, obj=advisor, changes=changed)
    db.session.commit()
    return advisor


# --- appointment types ----------------------------------------------------------------------------

def save_appointment_type(kind_type: AppointmentType | None, *, code: str, name: str, kind: str, skill: Skill | None,
                          default_minutes: int, active: bool, by, expected_version: int | None = None) -> AppointmentType:
    """Add or edit an appointment type. `code` is stored by its key (type_codes.code_key: " Follow-Up " is saved
    as "follow-up"), the key every path matches a typed code by; another type whose stored code has that key
    (even one stored as "Follow-up " before the rule) is refused. AdminError names the field at fault; a save
    since `expected_version` is refused (_claim)."""
    _claim(kind_type, expected_version, "This appointment type")
    code = type_codes.code_key(code)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", code):
        raise AdminError("Use lower-case letters, digits, dashes or underscores (up to 40).", "code")
    type_id = getattr(kind_type, "id", None)

    def taken_words(stored: str) -> str:
        return f"There is already an appointment type with code {code}{stored_as(stored, code)}."

    stored = type_codes.code_taken(code, type_id)
    if stored is not None:
        raise AdminError(taken_words(stored), "code")
    if kind not in KINDS:
        raise AdminError(f"The kind is one of {', '.join(KINDS)}.", "kind")
    if kind == "policing" and skill is None:
        # Policing work is not matched to the client's need: say which skill it takes.
        raise AdminError("A policing type needs its own skill (e.g. compliance).", "skill")
    if default_minutes <= 0 or default_minutes % 15:
        raise AdminError("Use a positive multiple of 15 minutes.", "default_minutes")
    created = kind_type is None
    kind_type = kind_type or AppointmentType()
    changed = _changes(kind_type, {"code": code, "name": name.strip() or code, "kind": kind,
                                   "skill_id": getattr(skill, "id", None), "default_minutes": default_minutes,
                                   "active": active})
    db.session.add(kind_type)
    # The same code saved by another since the check (UNIQUE code): named as the check names it.
    _flush_unique("code", lambda: taken_words(type_codes.code_taken(code, type_id) or code))
    audit.record("appointment_type_created" if created else "appointment_type_updated", user=by, obj=kind_type,
                 changes=changed)
    db.session.commit()
    return kind_type


# --- lists for the pages --------------------------------------------------------------------------

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
