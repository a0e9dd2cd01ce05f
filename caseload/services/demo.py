"""The demo office: two teams (north, south) with advisors, clients, history and a week of requests; a region
demo adds teams office03, office04, … (`flask seed-demo --teams N`), each with its own leader (leader3, …).
`flask seed-demo` (what `make run` loads) also closes the office on the region's public holidays this year and
next (services/public_holidays) and books past appointments with their attendance (last week's and this
week's before now, some not attended, and attended compliance reviews over the last weeks), so a new user's desk,
DNA report, separation report and series see what a real office has. The requests are for the week still ahead
(demo_week: this week from its next working day, or next week late in the week). Client names are unique and none
is an advisor's.
The tests' demo (seed_demo's defaults) has neither: tests of closures and attendance add their own.

Deterministic (seeded) and idempotent: running it again adds nothing that is already there.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from caseload.passwords import hash_password
from caseload.extensions import db
from caseload.localtime import end_after, this_week_start, to_local, to_utc, week_days
from caseload.models import (
    Absence, Advisor, AppointmentRequest, AppointmentType, Client, Contact, RequestWindow, Role, Skill, Team,
    User, WeightProfile, utcnow,
)
from caseload.services import audit, public_holidays
from caseload.services.clients import name_search
from caseload.services.people.users import by_username

TIMEZONE = "Europe/London"
SKILLS = {"debt": "Debt advice", "housing": "Housing", "benefits": "Benefits", "employment": "Employment support",
          "compliance": "Compliance reviews"}
NEED_SKILLS = ("debt", "housing", "benefits", "employment")
TYPES = [  # code, name, kind, skill (None: the client's need), minutes
    ("first-meeting", "First meeting", "support", None, 60),
    ("follow-up", "Follow-up", "support", None, 30),
    ("short-contact", "Short contact", "support", None, 15),
    ("compliance-review", "Compliance review", "policing", "compliance", 30),
]
FULL_DAY = [["09:00", "12:30"], ["13:30", "17:00"]]
FIRST = ["Asha", "Ben", "Chloe", "Dev", "Ewa", "Femi", "Grace", "Hamid", "Isla", "Jon", "Kiran", "Lena",
         "Marek", "Nadia", "Owen", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Yusuf"]
# Clients' first names: none an advisor's (FIRST), so no client is named like an advisor; same length as FIRST, so
# the seeded choices (and the tests' demo) stay as they were.
CLIENT_FIRST = ["Aisha", "Bilal", "Carys", "Darius", "Elif", "Farah", "Gethin", "Hana", "Imran", "Jade", "Kofi",
                "Layla", "Mateo", "Niamh", "Omar", "Petra", "Rhys", "Sana", "Tomas", "Una", "Vera", "Wiktor", "Yara",
                "Zofia"]
LAST = ["Patel", "Okafor", "Nowak", "Hughes", "Khan", "Murphy", "Silva", "Evans", "Ahmed", "Clarke", "Byrne",
        "Jones", "Reid", "Walsh", "Hassan", "Price", "Lewis", "Young", "Shah", "Wood"]
TEAM_SIZE = 12
CLIENTS_PER_TEAM = 150
REQUESTS_PER_TEAM = 190  # a busy week: some clients come twice, named advisors are over-asked
MIN_DAYS_AHEAD = 2  # fewer working days than this left in the week: the demo's requests are for next week
NOON = 12  # today still counts as a day ahead for requests before noon


def demo_week(now) -> tuple[date, int]:
    """(Monday of the week the demo's requests are for, index 0-4 of its first day still ahead) at `now` (aware
    UTC): this week (this_week_start) from its first working day still ahead (today before noon counts), or next
    week from Monday when fewer than MIN_DAYS_AHEAD remain, so a new user can place the requests any day."""
    week = this_week_start(TIMEZONE, now)
    local = to_local(now, TIMEZONE)
    ahead = [i for i, day in enumerate(week_days(week))
             if day > local.date() or (day == local.date() and local.hour < NOON)]
    if len(ahead) < MIN_DAYS_AHEAD:
        return week + timedelta(days=7), 0
    return week, ahead[0]


class _Names:
    """Names taken so far in a demo (advisors' and clients'), and the first middle-initial tier not yet full."""

    def __init__(self, taken):
        self.taken = set(taken)
        self.tier = 0  # 0: no initial; k: the k-th letter as a middle initial


INITIALS = ["", *(f" {chr(65 + k)}." for k in range(26))]


def _unique_name(first: int, last: int, names: _Names) -> str:
    """A client name from CLIENT_FIRST[first] and LAST[last] not yet taken: the next free pair in a fixed order
    when taken, with a middle initial once every pair is (a tier found full is not walked again); taken after."""
    pairs = len(CLIENT_FIRST) * len(LAST)
    start = first * len(LAST) + last
    while names.tier < len(INITIALS):
        for step in range(pairs):
            i, j = divmod((start + step) % pairs, len(LAST))
            name = f"{CLIENT_FIRST[i]}{INITIALS[names.tier]} {LAST[j]}"
            if name not in names.taken:
                names.taken.add(name)
                return name
        names.tier += 1
    raise ValueError("too many demo clients for unique names")  # 24 x 20 x 27 = 12,960 per demo


def _skills() -> dict[str, Skill]:
    existing = {s.code: s for s in db.session.scalars(select(Skill))}
    for code, name in SKILLS.items():
        if code not in existing:
            existing[code] = Skill(code=code, name=name)
            db.session.add(existing[code])
    return existing


def _types(skills) -> dict[str, AppointmentType]:
    existing = {t.code: t for t in db.session.scalars(select(AppointmentType))}
    for code, name, kind, skill, minutes in TYPES:
        if code not in existing:
            existing[code] = AppointmentType(code=code, name=name, kind=kind, default_minutes=minutes,
                                             skill=skills[skill] if skill else None)
            db.session.add(existing[code])
    return existing


class DemoClash(ValueError):
    """An account the demo needs exists with another role, or is already another team's advisor: the demo stops
    before its one commit (nothing written once the caller rolls back)."""


def _user(username: str, name: str, role: Role, password_hash: str) -> User:
    """The demo account `username` with `role`: found by the username's key, as sign-in finds it (an account `Admin`
    made by hand is the demo's admin, not beside it, where users.username_key, unique, would refuse the demo's), or
    made. An account of that key with another role is never taken over (an advisor `Leader` made north's team
    leader, an administrator `Advisor1` given a caseload): DemoClash naming it and its role. Stopping, not skipping
    that demo user with a warning, is what an administrator expects: the demo's teams need every leader and
    advisor it names, and a demo loaded with holes (a team with no leader, an advisor short) would not be the demo
    the guide describes; they rename the account, or load the demo into an empty database."""
    user = by_username(username)
    if user is None:
        user = User(username=username, display_name=name, role=role, password_hash=password_hash)
        db.session.add(user)
    elif user.role != role:
        raise DemoClash(f"the account {user.username} exists as {user.role.label.lower()}, and the demo needs "
                        f"{username} as {role.label.lower()}; nothing was changed: rename that account, or load "
                        "the demo into an empty database.")
    return user


def _pattern(rng: random.Random, index: int) -> tuple[dict, int]:
    """Weekly working pattern and protected-time target; every fifth advisor is part-time."""
    days = ["mon", "tue", "wed", "thu", "fri"]
    if index % 5 == 3:  # part-time: three days
        return {d: FULL_DAY for d in days[:3]}, 120
    if index % 5 == 4 and index % 2 == 0:  # part-time: mornings
        return {d: [["09:00", "13:00"]] for d in days}, 120
    return {d: FULL_DAY for d in days}, 240


def _team(name: str, number: int, leader: User, skills, types, week: date, password_hash: str, rng: random.Random,
          clients_per_team: int = CLIENTS_PER_TEAM, plan_week: tuple[date, int] | None = None,
          used: _Names | None = None) -> tuple[Team, list[Client]]:
    """One demo team, its advisors and clients with their history (its requests: _requests), and the clients in
    id order. `week`: this week (history before it); `plan_week`: (Monday, first day index ahead) of the week the
    requests and absences are for (demo_week; default `week` from Monday); `used`: names taken so far."""
    plan_week = plan_week or (week, 0)
    used = _Names(()) if used is None else used
    team = Team(name=name, timezone=TIMEZONE, leader=leader)
    db.session.add(team)
    advisors = []
    for i in range(TEAM_SIZE):
        n = number * TEAM_SIZE + i + 1
        user = _user(f"advisor{n}", f"{FIRST[(n - 1) % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}", Role.ADVISOR, password_hash)
        if user.advisor is not None:  # an advisor account of its own already (users.advisor is one record)
            raise DemoClash(f"the account {user.username} is already an advisor of team {user.advisor.team.name}, "
                            f"and the demo needs it for team {name}; nothing was changed: rename that account, "
                            "or load the demo into an empty database.")
        pattern, protected = _pattern(rng, i)
        policing_only = i == TEAM_SIZE - 1
        does_policing = policing_only or i % 4 == 2
        own = rng.sample(NEED_SKILLS, k=1 + (i % 3))
        advisor = Advisor(
            user=user, team=team, name=user.display_name, does_support=not policing_only,
            does_policing=does_policing, work_pattern=pattern, protected_minutes=protected,
            max_appointments_per_day=6, max_caseload=22,
            skills=[skills[c] for c in own] + ([skills["compliance"]] if does_policing else []),
        )
        db.session.add(advisor)
        advisors.append(advisor)
    # A few absences: a whole day and a half day in the week to plan.
    days = week_days(plan_week[0])
    db.session.add(Absence(advisor=advisors[2], starts_at=to_utc(days[2], "00:00", TIMEZONE),
                           ends_at=to_utc(days[3], "00:00", TIMEZONE), reason="annual leave"))
    db.session.add(Absence(advisor=advisors[6], starts_at=to_utc(days[3], "13:00", TIMEZONE),
                           ends_at=to_utc(days[3], "17:00", TIMEZONE), reason="training"))
    db.session.flush()

    supporters = [a for a in advisors if a.does_support]
    clients = []
    for c in range(clients_per_team):
        need = rng.choice(NEED_SKILLS)
        complexity = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
        qualified = [a for a in supporters if need in a.skill_codes] or supporters
        named = rng.choice(qualified) if rng.random() < 0.9 else None
        first, last = FIRST.index(rng.choice(FIRST)), LAST.index(rng.choice(LAST))  # the same draws as ever
        client = Client(team=team, reference=f"{name[0].upper()}{c + 1:04d}",
                        name=_unique_name(first, last, used), named_advisor=named,
                        need=skills[need], complexity=complexity)
        db.session.add(client)
        if named is not None:
            for k in range(rng.randint(1, 5)):
                seen_by = named if rng.random() < 0.8 else rng.choice(supporters)
                day = week - timedelta(days=7 * (k + 1)) + timedelta(days=rng.randint(0, 4))  # Mon-Fri
                db.session.add(Contact(client=client, advisor=seen_by, kind="support",
                                       occurred_at=to_utc(day, f"{rng.randint(9, 16):02d}:00", TIMEZONE)))
        clients.append(client)
    db.session.flush()
    return team, clients


def _requests(team: Team, clients: list[Client], types, rng: random.Random, plan_week: tuple[date, int],
              requests_per_team: int = REQUESTS_PER_TEAM) -> None:
    """The team's requests for the week to plan (`plan_week`: as _team's), made after its past appointments
    (_past_appointments): a visit already held this week was booked before the follow-up it led to, so it has the
    lower id and meets no request (met_requests: only a booking made after a request meets it)."""
    days = week_days(plan_week[0])
    chosen = rng.sample(clients, len(clients))
    chosen = chosen[:requests_per_team] + rng.sample(clients, max(0, requests_per_team - len(clients)))
    for r, client in enumerate(chosen):
        if client.named_advisor is None:
            kind = types["first-meeting"]
        elif r % 7 == 0:
            kind = types["compliance-review"]
        else:
            kind = rng.choice([types["follow-up"], types["follow-up"], types["short-contact"], types["first-meeting"]])
        first = rng.randint(0, 3)
        span = rng.randint(1, 3)
        request = AppointmentRequest(team=team, week_start=plan_week[0], client=client, type=kind,
                                     duration_minutes=kind.default_minutes, purpose=kind.name)
        lo = plan_week[1]  # the days still ahead: the windows' days squeezed into lo..4
        for d in sorted({lo + day * (5 - lo) // 5 for day in range(first, min(first + span, 5))}):
            request.windows.append(RequestWindow(starts_at=to_utc(days[d], "09:00", TIMEZONE),
                                                 ends_at=to_utc(days[d], "17:00", TIMEZONE)))
        db.session.add(request)


DAY_KEYS = ("mon", "tue", "wed", "thu", "fri")
PAST_DNAS_PER_CLIENTS = 20  # one "did not attend" last week per 20 clients: a DNA rate a service would see
PAST_THIS_WEEK = 6  # appointments booked this week at times already gone (while there are such times)
THIS_WEEK_OUTCOMES = ("attended", "attended", "dna", "attended", None, "attended")  # None: not recorded yet
REVIEW_WEEKS = 4  # attended compliance reviews in each of the last weeks, for the "Policing kept apart" report
REVIEWS_PER_WEEK = 3  # of them, the first week's first is with the named advisor (something for the report to show)


def _works(advisor: Advisor, day: date, hour: int, absences: list[Absence]) -> bool:
    """Whether `advisor` works hour:00-hour:30 on `day` by the pattern and is not absent then."""
    start = to_utc(day, f"{hour:02d}:00", TIMEZONE)
    end = end_after(start, 30)
    spans = advisor.work_pattern.get(DAY_KEYS[day.weekday()], []) if day.weekday() < 5 else []
    in_pattern = any(a <= f"{hour:02d}:00" and f"{hour:02d}:30" <= b for a, b in spans)
    return in_pattern and not any(a.advisor_id == advisor.id and a.starts_at < end and start < a.ends_at
                                  for a in absences)


def _booked(team: Team, client: Client, advisor: Advisor, kind: AppointmentType, week: date, start,
            outcome: str | None, leader: User) -> AppointmentRequest:
    """A desk booking at `start` (aware UTC) with its attendance `outcome` (None: not recorded yet)."""
    end = end_after(start, kind.default_minutes)
    day = start.date()
    request = AppointmentRequest(
        team=team, week_start=week, client=client, type=kind, duration_minutes=kind.default_minutes,
        purpose=kind.name, pinned_advisor=advisor, pinned_start=start, booked_by_id=leader.id,
        booked_at=start - timedelta(days=7), attendance=outcome, attendance_at=end if outcome else None,
        attendance_by_id=advisor.user_id if outcome else None,
        windows=[RequestWindow(starts_at=to_utc(day, "09:00", TIMEZONE), ends_at=to_utc(day, "17:00", TIMEZONE))])
    db.session.add(request)
    return request


def _past_appointments(team: Team, types, week: date, now, rng: random.Random) -> int:
    """Book the team's past appointments with their attendance; returns how many.

    Last week: each history contact (the seeded visits) becomes the attended appointment behind it, so the
    planner's history is the same as without them, and one client in PAST_DNAS_PER_CLIENTS did not attend
    one. This week, at times already gone by `now`: up to PAST_THIS_WEEK, mostly attended, one DNA and one
    not recorded yet (for the advisor to record)."""
    leader = team.leader
    previous = week - timedelta(days=7)
    clients = sorted((c for c in db.session.scalars(select(Client).where(Client.team_id == team.id))),
                     key=lambda c: c.id)
    absences = list(db.session.scalars(select(Absence).join(Advisor).where(Advisor.team_id == team.id)))
    taken: set = set()  # (advisor id or client id tagged, start): no one is booked twice at once
    count = 0
    contacts = db.session.scalars(select(Contact).join(Client).where(
        Client.team_id == team.id, Contact.request_id.is_(None), Contact.advisor_id.is_not(None),
        Contact.occurred_at >= to_utc(previous, "00:00", TIMEZONE), Contact.occurred_at < to_utc(week, "00:00", TIMEZONE),
    ).order_by(Contact.occurred_at, Contact.id))
    for contact in contacts:
        keys = {("a", contact.advisor_id, contact.occurred_at), ("c", contact.client_id, contact.occurred_at)}
        if keys & taken:
            continue  # two seeded visits at one hour: the second stays a visit without its appointment
        taken |= keys
        request = _booked(team, contact.client, contact.advisor, types["follow-up"], previous,
                          contact.occurred_at, "attended", leader)
        db.session.flush()
        contact.request_id = request.id
        count += 1

    def place(client: Client, days: list[date], outcome: str | None, week_of: date) -> bool:
        advisor = client.named_advisor
        slots = [(d, h) for d in days for h in range(9, 17)
                 if _works(advisor, d, h, absences) and end_after(to_utc(d, f"{h:02d}:00", TIMEZONE), 30) <= now]
        rng.shuffle(slots)
        for d, h in slots:
            start = to_utc(d, f"{h:02d}:00", TIMEZONE)
            keys = {("a", advisor.id, start), ("c", client.id, start)}
            if not keys & taken:
                taken.update(keys)
                request = _booked(team, client, advisor, types["follow-up"], week_of, start, outcome, leader)
                if outcome == "attended":  # as attendance.mark records it: the visit, linked to its appointment
                    db.session.flush()
                    db.session.add(Contact(client=client, advisor=advisor, kind="support", occurred_at=start,
                                           request_id=request.id))
                return True
        return False

    named = [c for c in clients if c.named_advisor is not None]
    for client in rng.sample(named, min(len(named), max(1, len(clients) // PAST_DNAS_PER_CLIENTS))):
        count += place(client, week_days(previous), "dna", previous)
    this_week = [d for d in week_days(week) if to_utc(d, "09:30", TIMEZONE) <= now]
    if this_week:
        for client, outcome in zip(rng.sample(named, min(len(named), PAST_THIS_WEEK)), THIS_WEEK_OUTCOMES):
            count += place(client, this_week, outcome, week)
    count += _past_reviews(team, types["compliance-review"], week, named, absences, taken, rng)
    db.session.flush()
    return count


def _past_reviews(team: Team, review: AppointmentType, week: date, named: list[Client], absences: list[Absence],
                  taken: set, rng: random.Random) -> int:
    """Book attended compliance reviews (policing) in each of the REVIEW_WEEKS weeks before `week`: mostly with a
    policing advisor other than the client's named one (the separation the plan aims for), and in the latest week
    the first with the named advisor where one does policing (what the separation report asks to act on). Each
    attended review is its policing contact, as attendance.mark records it. Returns how many."""
    reviewers = sorted((a for a in team.advisors if a.does_policing), key=lambda a: a.id)
    if not reviewers or not named:
        return 0
    own = [c for c in named if c.named_advisor.does_policing]  # clients a named advisor could review themselves
    count = 0
    for back in range(1, REVIEW_WEEKS + 1):
        monday = week - timedelta(days=7 * back)
        for k, client in enumerate(rng.sample(named, min(len(named), REVIEWS_PER_WEEK))):
            if back == 1 and k == 0 and own:
                client, by = own[0], [own[0].named_advisor]
            else:
                by = [a for a in reviewers if a.id != client.named_advisor_id]
            slots = [(a, d, h) for a in by for d in week_days(monday) for h in range(9, 17) if _works(a, d, h, absences)]
            rng.shuffle(slots)
            for advisor, d, h in slots:
                start = to_utc(d, f"{h:02d}:00", TIMEZONE)
                keys = {("a", advisor.id, start), ("c", client.id, start)}
                if keys & taken:
                    continue
                taken.update(keys)
                request = _booked(team, client, advisor, review, monday, start, "attended", team.leader)
                db.session.flush()
                db.session.add(Contact(client=client, advisor=advisor, kind="policing", occurred_at=start,
                                       request_id=request.id))
                count += 1
                break
    return count


def team_names(teams: int) -> list[str]:
    """The demo's team names: north, south, then office03, office04, … (`teams` of them, at least 1)."""
    return ["north", "south", *(f"office{n:02d}" for n in range(3, teams + 1))][:teams]


def seed_demo(password: str, teams: int = 2, clients_per_team: int = CLIENTS_PER_TEAM,
              requests_per_team: int = REQUESTS_PER_TEAM, holidays: bool = False, past: bool = False,
              ahead: bool = False) -> str:
    """Load the demo (idempotent): `teams` teams of TEAM_SIZE advisors, `clients_per_team` clients and
    `requests_per_team` requests this week each. The default (2 teams, 150 clients, 190 requests) is the demo
    office; more teams make a region. `holidays`: close the whole service on the public holidays
    (public_holidays.REGION) of this year and next; `past`: book new teams' past appointments with their
    attendance (_past_appointments); `ahead`: the requests on the days still ahead (demo_week: `flask seed-demo`),
    else this week's Monday to Friday whatever the day (what the tests build, so their demo is the same any
    day). Raises ValueError when a count is below 1, DemoClash (a ValueError) when an account the demo needs
    exists with another role (_user); nothing is committed then, and the caller rolls back."""
    for field, value in (("teams", teams), ("clients_per_team", clients_per_team),
                         ("requests_per_team", requests_per_team)):
        if value < 1:
            raise ValueError(f"{field} must be at least 1 (got {value})")
    rng = random.Random(20261123)
    password_hash = hash_password(password)  # one hash for every demo account keeps seeding fast
    skills = _skills()
    types = _types(skills)
    if not db.session.scalar(select(func.count(WeightProfile.id))):
        db.session.add(WeightProfile(name="default", is_active=True))
    admin = _user("admin", "Alex Admin", Role.ADMIN, password_hash)
    leaders = [_user("leader", "Lee Leader", Role.LEADER, password_hash),
               _user("leader2", "Sasha Leader", Role.LEADER, password_hash)]
    leaders += [_user(f"leader{n}", f"{FIRST[n % len(FIRST)]} Leader", Role.LEADER, password_hash)
                for n in range(3, teams + 1)]
    now = utcnow()
    week = this_week_start(TIMEZONE, now)
    plan_week = demo_week(now) if ahead else (week, 0)
    used = _Names([*db.session.scalars(select(Advisor.name)), *db.session.scalars(select(Client.name)),
                   *(f"{FIRST[(n - 1) % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}" for n in range(1, teams * TEAM_SIZE + 1))])
    created = []
    for number, name in enumerate(team_names(teams)):
        # A team whose name looks the same (North) is the demo's team already: a second would break teams.name_key.
        if db.session.scalar(select(Team.id).where(name_search.key_equals(Team.name, Team.name_key, name)).limit(1)) is None:
            team, clients = _team(name, number, leaders[number], skills, types, week, password_hash, rng,
                                  clients_per_team, plan_week, used)
            created.append(name)
            if past:
                db.session.flush()
                # Its own generator, so the rest of the demo is the same with or without the past. Before the
                # requests, as in an office: this week's visits already held were booked before the follow-ups
                # they led to (made after them, each would meet one: met_requests, and the planner drop it).
                _past_appointments(team, types, week, now, random.Random(20261123 + number))
            _requests(team, clients, types, rng, plan_week, requests_per_team)
    db.session.flush()
    closed = []
    if holidays:
        for year in (week.year, week.year + 1):  # a series booked now runs into next year
            closed += public_holidays.add_public_holidays(year, by=admin)[0]
    if created:
        audit.record("demo_seeded", user=admin, teams=created)
    db.session.commit()
    said = f" Office closed on {len(closed)} public holidays ({public_holidays.REGION})." if closed else ""
    if not created:
        return "Demo office already present; nothing added." + said
    return (f"Demo office loaded: teams {', '.join(created)}, requests for the week of {plan_week[0].isoformat()}.{said} "
            f"Sign in as admin, leader or advisor1..advisor{len(team_names(teams)) * TEAM_SIZE}.")
