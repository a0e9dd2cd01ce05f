"""The booking desk: offers for one appointment in a team's week, booking one, cancelling one.

Offers come from the planner's warm offers engine (`scheduler.booking.Desk`) over the week as the
database has it now: the problem built by services/planning/problem.py, and as the plan either the week's
published plan or, for a week not yet published, the pinned appointments (earlier bookings) with
protected time seated around them.

Booking a published week adds the appointment to a new published version of the plan (a new `plans`
row, the old one superseded), so the advisor's week and calendar feed show it at once and a leader who
publishes a draft made before it is told the week moved on. Booking a week not yet published saves a
pinned request, which the planner keeps.

No double booking: a booking (or cancellation) first locks the team's row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite the UPDATE takes the database's write lock), then re-reads the week and asks the
Desk again, under that lock, whether the chosen advisor and time are still free for that client. Two
desks booking at once are serialised by the database; the second finds the time taken and gets a
BookingConflict carrying fresh offers. The new plan version also checks the old plan row's version and
the unique (team, week, published_version), so even a publish racing a booking cannot lose either.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.models import (
    Advisor, AppointmentRequest, AppointmentType, Client, Plan, PlanItem, ProtectedBlock, RequestWindow, Team,
    hold_version, utcnow,
)
from caseload.services import audit
from caseload.services.planning.plans import published_plan
from caseload.services.planning.boundary import plan_figures, to_problem
from caseload.services.planning.problem import (
    advisor_sid, availability, client_doc, client_sid, db_id, horizon_bounds, local_naive, request_sid, snap_in,
    team_advisors, utc_of_local,
)
from caseload.services.rota.week import Window
from caseload.values import text_problem
from scheduler import baselines
from scheduler.booking import Desk
from scheduler.document import read_placements
from scheduler.model import ProblemError, TIME_FORMAT
from scheduler.parse import parse_problem

DEFAULT_COUNT = 5
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class BookingError(ValueError):
    """Bad input for a booking, naming the field at fault (`field`: client, type, windows, purpose, start…)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class BookingConflict(RuntimeError):
    """The chosen time was taken (or the week changed) first; nothing was booked. `offers`: fresh ones."""

    def __init__(self, message: str, offers: list | None = None):
        super().__init__(message)
        self.offers = offers or []


@dataclass
class Ask:
    """What the desk is asked: an appointment of `type` for `client` in the week of `week_start`, inside
    one of `windows` (local days and times). `advisor`: only offers with this advisor (an advisor booking
    their own diary). The duration and kind follow the type."""

    client: Client
    type: AppointmentType
    week_start: date
    windows: list[Window]
    purpose: str | None = None
    advisor: Advisor | None = None
    replacing: AppointmentRequest | None = None  # rebooking: the appointment this one replaces

    @property
    def duration(self) -> int:
        return self.type.default_minutes

    @property
    def skill(self):
        return self.type.skill or self.client.need


@dataclass
class Offer:
    """One place the appointment could go: advisor, start and end (aware UTC), `local` start text
    (YYYY-MM-DDTHH:MM in the team's zone), the planner's score change and reasons in plain words."""

    advisor: Advisor
    start: datetime
    end: datetime
    local: str
    score_delta: int
    reasons: list[str] = field(default_factory=list)
    document: dict = field(default_factory=dict, repr=False)  # the caseload-offers/1 entry


@dataclass
class Booked:
    request: AppointmentRequest
    plan: Plan | None  # the new published version, or None for a week not yet published
    offer: Offer


# --- checking what is asked ----------------------------------------------------------------------------

def clean_text(value: str | None, field_name: str, limit: int = 200) -> str | None:
    """Text a person typed, stripped; control characters (NUL, escapes…) are refused naming the field."""
    if value is None:
        return None
    problem = text_problem(value, multiline=field_name == "windows")
    if problem:
        raise BookingError(problem, field_name)
    value = value.strip()
    if len(value) > limit:
        raise BookingError(f"is longer than {limit} characters.", field_name)
    return value or None


def _local_span(window: Window) -> tuple[datetime, datetime]:
    start = datetime.combine(window.day, datetime.strptime(window.start, "%H:%M").time())
    if window.end == "24:00":
        end = datetime.combine(window.day + timedelta(days=1), datetime.min.time())
    else:
        end = datetime.combine(window.day, datetime.strptime(window.end, "%H:%M").time())
    return start, end


def qualified(team: Team, ask: Ask) -> list[Advisor]:
    """The team's active advisors who may take the appointment (kind and skill)."""
    skill = ask.skill
    return [a for a in team_advisors(team)
            if ask.type.kind in a.roles and skill is not None and skill.code in a.skill_codes]


def check_ask(team: Team, ask: Ask) -> None:
    """Refuse what cannot be booked, naming the field: client, type, purpose, windows."""
    if ask.client is None or ask.client.team_id != team.id or ask.client.erased_at is not None:
        raise BookingError("That client is not in this team.", "client")
    if ask.type is None or not ask.type.active:
        raise BookingError("Choose an appointment type.", "type")
    ask.purpose = clean_text(ask.purpose, "purpose")
    if ask.skill is None:
        raise BookingError(f"{ask.type.name} needs the client's need, and {ask.client.reference} has none set: "
                           "set it on the client first.", "type")
    able = qualified(team, ask)
    if ask.advisor is not None:
        if ask.advisor.team_id != team.id:
            raise BookingError("That advisor is not in this team.", "advisor")
        if ask.advisor not in able:
            raise BookingError(f"{ask.advisor.name} does not do {ask.type.kind} appointments with the skill "
                               f"{ask.skill.name} that {ask.type.name} needs.", "type")
        able = [ask.advisor]
    elif not able:
        raise BookingError(f"Nobody in team {team.name} does {ask.type.kind} appointments with the skill "
                           f"{ask.skill.name} that {ask.type.name} needs.", "type")
    if not ask.windows:
        raise BookingError("Give at least one time the client can come.", "windows")
    lo, hi = horizon_bounds(ask.week_start)
    now = local_naive(utcnow(), team.timezone)
    need = timedelta(minutes=ask.duration)
    free = [span for a in able for span in availability(a, ask.week_start, team.timezone)]
    for window in ask.windows:
        start, end = _local_span(window)
        said = f"{start:%a %d %b} {window.start}–{window.end}"
        if end - start < need:
            raise BookingError(f"{said} is shorter than the {ask.duration} minutes of {ask.type.name}.", "windows")
        if end - max(start, now) < need:
            raise BookingError(f"{said} is in the past.", "windows")
        if start < lo or end > hi:
            raise BookingError(f"{said} is outside the bookable days of the week ({lo:%a %d %b} – "
                               f"{hi - timedelta(days=1):%a %d %b}).", "windows")
        if not any(min(end, e) - max(start, s) >= need for s, e in free):
            who = ask.advisor.name if ask.advisor else "nobody who could take it"
            raise BookingError(f"{said}: {who} is working {ask.duration} minutes in a row then "
                               f"({start:%A} may be a day off or an absence).", "windows")


# --- the week as the Desk sees it ------------------------------------------------------------------

@dataclass
class DeskWeek:
    team: Team
    week_start: date
    plan: Plan | None
    problem: dict
    desk: Desk


def _inside(start: str, end: str, spans: list[dict]) -> bool:
    return any(s["start"] <= start and end <= s["end"] for s in spans)


def _published_doc(problem: dict, plan: Plan, tz: str) -> dict:
    """The published plan as a solution of `problem` (the week as it is now): its placements that still
    fit (an absence added since, or a cancelled request, drops them), its protected blocks that still fit."""
    advisors = {a["id"]: a for a in problem["advisors"]}
    appointments = {a["id"]: a for a in problem["appointments"]}
    assignments = []
    for item in plan.items:
        if item.request_id is None or item.advisor_id is None or item.starts_at is None:
            continue
        appt, advisor = appointments.get(request_sid(item.request_id)), advisors.get(advisor_sid(item.advisor_id))
        if appt is None or advisor is None:
            continue
        start = local_naive(item.starts_at, tz)
        text, end = start.strftime(TIME_FORMAT), (start + timedelta(minutes=appt["duration_minutes"])).strftime(TIME_FORMAT)
        pin = appt.get("pinned")
        if pin and (pin["advisor"], pin["start"]) != (advisor["id"], text):
            continue
        if _inside(text, end, advisor["availability"]) and _inside(text, end, appt["windows"]):
            assignments.append({"appointment": appt["id"], "advisor": advisor["id"], "start": text})
    placed = {a["appointment"] for a in assignments}
    # A pinned appointment the published plan lacks (a booking's pin is always in its plan) stays unplaced.
    protected = []
    for block in plan.protected_blocks:
        advisor = advisors.get(advisor_sid(block.advisor_id))
        start, end = local_naive(block.starts_at, tz).strftime(TIME_FORMAT), local_naive(block.ends_at, tz).strftime(TIME_FORMAT)
        if advisor is not None and _inside(start, end, advisor["availability"]):
            protected.append({"advisor": advisor["id"], "start": start, "end": end})
    return {"format": "caseload-solution/1", "status": "feasible", "assignments": assignments,
            "unassigned": [{"appointment": a, "reason": "not in the published plan"}
                           for a in appointments if a not in placed],
            "allocations": [], "protected": protected}


def _pinned_doc(parsed) -> dict:
    """A week not yet published: its pinned appointments where pinned, protected time seated around them."""
    h = parsed.horizon
    assignments = {a.id: a.pinned for a in parsed.appointments if a.pinned is not None}
    diary = baselines.Diary.holding(parsed, assignments)
    protected = [(a.id, s, e) for a in parsed.advisors for s, e in baselines.seat_advisor(parsed, a, diary.advisor_busy[a.id])]
    return {"format": "caseload-solution/1", "status": "feasible",
            "assignments": [{"appointment": k, "advisor": p.advisor, "start": h.to_text(p.start)} for k, p in assignments.items()],
            "unassigned": [], "allocations": [],
            "protected": [{"advisor": v, "start": h.to_text(s), "end": h.to_text(e)} for v, s, e in protected]}


def desk_week(team: Team, week_start: date, client: Client, without: int | None = None) -> DeskWeek:
    """The week now, ready for offers: problem (with `client` in it) and its plan in a warm Desk.
    `without`: a request left out (the appointment being rebooked), so its time is free.

    Raises BookingError when the week's own plan breaks a rule (e.g. two pins overlapping)."""
    tz = team.timezone
    problem, maps = to_problem(team, week_start)
    if without is not None:
        gone = request_sid(without)
        problem["appointments"] = [a for a in problem["appointments"] if a["id"] != gone]
        if "previous" in problem:
            problem["previous"] = [p for p in problem["previous"] if p["appointment"] != gone]
    if client_sid(client.id) not in {c["id"] for c in problem["clients"]}:
        problem["clients"].append(client_doc(client, set(maps.advisors.values()), week_start, tz))
    plan = published_plan(team, week_start)
    try:
        parsed = parse_problem(problem)
        solution = _published_doc(problem, plan, tz) if plan is not None else _pinned_doc(parsed)
        desk = Desk(parsed, solution)
    except ProblemError as err:
        raise BookingError("This week's plan no longer fits the rota (" + "; ".join(err.errors[:2])
                           + "): re-plan the week before booking into it.") from None
    return DeskWeek(team, week_start, plan, problem, desk)


def _window_texts(ask: Ask) -> list[dict]:
    spans = []
    for window in ask.windows:
        start, end = snap_in(*_local_span(window))
        spans.append({"start": start.strftime(TIME_FORMAT), "end": end.strftime(TIME_FORMAT)})
    return spans


def request_doc(ask: Ask, ident: str = "new", windows: list[dict] | None = None) -> dict:
    return {"id": ident, "client": client_sid(ask.client.id), "kind": ask.type.kind, "skill": ask.skill.code,
            "duration_minutes": ask.duration, "windows": windows if windows is not None else _window_texts(ask)}


# --- offers ------------------------------------------------------------------------------------------

def _first(name: str) -> str:
    return name.split()[0] if name else name


def _days(blocks: list[dict], advisor: str) -> str:
    names = sorted({datetime.strptime(b["start"], TIME_FORMAT).weekday() for b in blocks if b["advisor"] == advisor})
    if not names:
        return ""
    words = [DAY_NAMES[d] for d in names]
    return (" and ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + " and " + words[-1]) + " "


def plain_reasons(week: DeskWeek, ask: Ask, doc: dict, advisor: Advisor) -> list[str]:
    """The planner's reasons in a desk's words: names instead of roles, days instead of ids."""
    name, first = advisor.name, _first(advisor.name)
    named = ask.client.named_advisor
    if doc["reseated"]:
        blocks = doc["protected"]
    else:  # the advisor's blocks stay where they are
        h = week.desk.problem.horizon
        blocks = [{"advisor": advisor_sid(advisor.id), "start": h.to_text(s)}
                  for s, _e in week.desk.blocks.get(advisor_sid(advisor.id), [])]
    days = _days(blocks, advisor_sid(advisor.id))
    out = []
    for reason in doc["reasons"]:
        if reason == "with the client's named advisor":
            out.append(f"with {name}, their usual advisor")
        elif reason == "the client has no named advisor yet":
            out.append(f"{ask.client.reference} has no usual advisor yet: {first} would become it")
        elif reason.startswith("not with the client's named advisor"):
            out.append(f"with {name}, not their usual advisor ({named.name if named else 'none'})")
        elif reason == "kept apart from the client's supporting advisor":
            out.append(f"with {name}, not {named.name if named else 'the advisor'} who supports them")
        elif reason.startswith("with the client's own supporting advisor"):
            out.append(f"with {name}, who supports them and should not police them")
        elif reason.startswith("keeps the advisor's protected time"):
            moved = " (moved to fit)" if "re-seated" in reason else ""
            out.append(f"keeps {first}'s {days}protected time{moved}")
        elif reason.startswith("costs "):
            out.append(f"costs {first} {reason.removeprefix('costs ')}")
        elif reason.startswith("re-seating protected time keeps"):
            out.append(f"moving {first}'s protected time keeps {reason.split('keeps ')[1]}")
        else:
            out.append(reason)
    if not any(r.startswith("with ") for r in out):
        out.insert(0, f"with {name}")
    return out


def _offers_from(week: DeskWeek, ask: Ask, request: dict, count: int) -> list[Offer]:
    try:
        # The engine gives one offer per advisor and day; an advisor booking their own diary filters to
        # themselves, so ask for enough to keep `count` of theirs.
        answer = week.desk.offers(request, count=count if ask.advisor is None else 200)
    except ProblemError as err:
        raise BookingError("; ".join(err.errors[:3]), "windows") from None
    tz = week.team.timezone
    now = local_naive(utcnow(), tz).strftime(TIME_FORMAT)
    out = []
    for doc in answer["offers"]:
        if doc["start"] < now:
            continue  # this week's mornings already gone
        advisor = db.session.get(Advisor, db_id(doc["advisor"]))
        if ask.advisor is not None and advisor.id != ask.advisor.id:
            continue
        start = datetime.strptime(doc["start"], TIME_FORMAT)
        out.append(Offer(advisor, utc_of_local(start, tz), utc_of_local(start + timedelta(minutes=ask.duration), tz),
                         doc["start"], doc["score_delta"], plain_reasons(week, ask, doc, advisor), doc))
    return out[:count]


def offers(team: Team, ask: Ask, count: int = DEFAULT_COUNT) -> list[Offer]:
    """The best `count` places for `ask`, best first (at most one per advisor and day); [] when none.

    Raises BookingError naming the field for input that cannot be booked."""
    check_ask(team, ask)
    found = _offers_from(desk_week(team, ask.week_start, ask.client, _replaced_id(ask)), ask, request_doc(ask), count)
    if ask.replacing is not None:  # rebooking: the same advisor first, then the rest as ranked
        same = {ask.replacing.pinned_advisor_id, _old_advisor(ask)} - {None}
        found.sort(key=lambda o: o.advisor.id not in same)
    return found


def _replaced_id(ask: Ask) -> int | None:
    return ask.replacing.id if ask.replacing is not None else None


def _old_advisor(ask: Ask) -> int | None:
    item = booked_item(ask.replacing) if ask.replacing is not None else None
    return item.advisor_id if item is not None else None


def why_none(team: Team, ask: Ask) -> str | None:
    """Why there is no offer at all (the planner's reason), or None when there are offers."""
    check_ask(team, ask)
    week = desk_week(team, ask.week_start, ask.client, _replaced_id(ask))
    answer = week.desk.offers(request_doc(ask), count=1)
    return None if answer["offers"] else (answer["unplaceable"] or {}).get("reason")


# --- booking -----------------------------------------------------------------------------------------

def lock_team(team: Team) -> None:
    """Take the team's booking lock for this transaction (waits while another desk holds it).

    PostgreSQL: SELECT … FOR UPDATE on the team's row. SQLite: an UPDATE, which takes the database's
    write lock (pysqlite begins the transaction right before it, so no older snapshot is upgraded)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Team).where(Team.id == team.id).values(id=Team.id))
    else:
        db.session.execute(select(Team.id).where(Team.id == team.id).with_for_update())


def _parse_start(text: str) -> datetime:
    try:
        return datetime.strptime(text or "", TIME_FORMAT)
    except ValueError:
        raise BookingError(f'"{text}" is not a time: give YYYY-MM-DDTHH:MM.', "start") from None


def _conflict(team: Team, ask: Ask, message: str) -> BookingConflict:
    """Release the lock first, then find fresh offers (outside the lock, so the next desk is not kept waiting)."""
    db.session.rollback()
    try:
        fresh = offers(team, ask)
    except BookingError:
        fresh = []
    db.session.rollback()
    return BookingConflict(message, fresh)


def _taken(team: Team, week_start: date, advisor_id: int, client_id: int, start: datetime, end: datetime,
           without: int | None = None) -> bool:
    """Whether the advisor or the client already has an appointment overlapping [start, end) in the week's
    published plan or its pinned requests: the quick refusal under the lock (the Desk checks every rule after)."""
    plan = published_plan(team, week_start)
    if plan is not None:
        rows = db.session.execute(select(PlanItem.starts_at, PlanItem.ends_at).join(
            AppointmentRequest, PlanItem.request_id == AppointmentRequest.id).where(
            PlanItem.plan_id == plan.id, PlanItem.starts_at < end, PlanItem.ends_at > start,
            PlanItem.request_id != (without or 0),
            (PlanItem.advisor_id == advisor_id) | (AppointmentRequest.client_id == client_id))).all()
        if rows:
            return True
    pinned = db.session.execute(select(AppointmentRequest.pinned_start, AppointmentRequest.duration_minutes).where(
        AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == week_start,
        AppointmentRequest.cancelled_at.is_(None), AppointmentRequest.pinned_start < end,
        AppointmentRequest.id != (without or 0),
        (AppointmentRequest.pinned_advisor_id == advisor_id) | (AppointmentRequest.client_id == client_id))).all()
    return any(s + timedelta(minutes=m) > start for s, m in pinned)


def _request_row(team: Team, ask: Ask, advisor: Advisor, start_utc: datetime, by) -> AppointmentRequest:
    tz = team.timezone
    windows = []
    for window in ask.windows:
        start, end = _local_span(window)
        windows.append(RequestWindow(starts_at=utc_of_local(start, tz), ends_at=utc_of_local(end, tz)))
    return AppointmentRequest(team=team, week_start=ask.week_start, client=ask.client, type=ask.type,
                              duration_minutes=ask.duration, purpose=ask.purpose or ask.type.name,
                              pinned_advisor=advisor, pinned_start=start_utc, windows=windows,
                              booked_by_id=getattr(by, "id", None), booked_at=utcnow())


def _copy_items(plan: Plan, drop: set[int] = frozenset()) -> list[PlanItem]:
    return [PlanItem(request_id=i.request_id, advisor_id=i.advisor_id, starts_at=i.starts_at, ends_at=i.ends_at,
                     pinned=i.pinned, unassigned_reason=i.unassigned_reason)
            for i in plan.items if i.request_id not in drop]


def _new_version(current: Plan, by, items: list[PlanItem], blocks: list[ProtectedBlock], problem: dict,
                 solution: dict) -> Plan:
    """Supersede `current` (its version checked and its row locked) by a new published version."""
    if not hold_version(db.session, current, current.version_id):
        raise StaleDataError("the published plan moved on")
    top = db.session.scalar(select(func.max(Plan.published_version)).where(
        Plan.team_id == current.team_id, Plan.week_start == current.week_start)) or 0
    current.status = "superseded"
    db.session.flush()
    now = utcnow()
    plan = Plan(team_id=current.team_id, week_start=current.week_start, status="published", published_version=top + 1,
                based_on=current, created_by_id=getattr(by, "id", None), published_by_id=getattr(by, "id", None),
                published_at=now, problem=problem, solution=solution, score=solution.get("score"),
                bound=None, solver_status="feasible", items=items, protected_blocks=blocks)
    plan.figures = plan_figures(problem, solution, items)
    db.session.add(plan)
    db.session.flush()
    return plan


def check_start(team: Team, ask: Ask, advisor_id: int, start: str) -> tuple[datetime, Advisor]:
    """The chosen local start (naive) and advisor, checked against the ask; BookingError naming the field."""
    local_start = _parse_start(start)
    local_end = local_start + timedelta(minutes=ask.duration)
    if local_start < local_naive(utcnow(), team.timezone):
        raise BookingError("The chosen time has passed.", "start")
    if not any(s <= local_start and local_end <= e for s, e in map(_local_span, ask.windows)):
        raise BookingError("The chosen time is not inside the times the client can come.", "start")
    if ask.advisor is not None and advisor_id != ask.advisor.id:
        raise BookingError("You can book only your own diary here.", "advisor")
    advisor = db.session.get(Advisor, advisor_id)
    if advisor is None or advisor.team_id != team.id:
        raise BookingError("No such advisor in this team.", "advisor")
    return local_start, advisor


def taken_message(advisor: Advisor, local_start: datetime) -> str:
    return (f"{advisor.name} at {local_start:%a %d %b %H:%M} was just taken (or the client is booked then): "
            "nothing was booked. Choose one of these.")


class _Taken(Exception):
    """Under the lock: the advisor's time (or the client) is no longer free at the chosen start."""


def place(team: Team, ask: Ask, advisor: Advisor, local_start: datetime, by, old_id: int | None = None,
          series=None, series_index: int | None = None) -> tuple[AppointmentRequest, Plan | None, Offer]:
    """Under the team's lock (the caller holds it and commits): save one appointment of `ask` with `advisor`
    at `local_start` (naive local), pinned, and in a published week a new plan version holding it.

    Raises _Taken when the advisor or client is no longer free then (the Desk re-checks every hard rule)."""
    tz = team.timezone
    local_end = local_start + timedelta(minutes=ask.duration)
    start_utc, end_utc = utc_of_local(local_start, tz), utc_of_local(local_end, tz)
    if _taken(team, ask.week_start, advisor.id, ask.client.id, start_utc, end_utc, old_id):
        raise _Taken()
    week = desk_week(team, ask.week_start, ask.client, old_id)
    exact = [{"start": local_start.strftime(TIME_FORMAT), "end": local_end.strftime(TIME_FORMAT)}]
    chosen = [o for o in week.desk.offers(request_doc(ask, windows=exact), count=200)["offers"]
              if o["advisor"] == advisor_sid(advisor.id)]
    if not chosen:
        raise _Taken()
    doc = chosen[0]
    request = _request_row(team, ask, advisor, start_utc, by)
    request.series, request.series_index = series, series_index
    db.session.add(request)
    db.session.flush()
    plan = None
    if week.plan is not None:
        rid = request_sid(request.id)
        week.desk.book(request_doc(ask, rid, exact), doc)
        problem = {**week.problem, "appointments": week.problem["appointments"] + [
            {**request_doc(ask, rid), "pinned": {"advisor": advisor_sid(advisor.id), "start": doc["start"]}}]}
        solution = week.desk.plan_document()
        items = _copy_items(week.plan, {old_id} if old_id else set()) + [
            PlanItem(request_id=request.id, advisor_id=advisor.id, starts_at=start_utc, ends_at=end_utc, pinned=True)]
        reseated = {db_id(v) for v in doc["reseated"]}
        blocks = [ProtectedBlock(advisor_id=b.advisor_id, starts_at=b.starts_at, ends_at=b.ends_at)
                  for b in week.plan.protected_blocks if b.advisor_id not in reseated]
        blocks += [ProtectedBlock(advisor_id=db_id(b["advisor"]),
                                  starts_at=utc_of_local(datetime.strptime(b["start"], TIME_FORMAT), tz),
                                  ends_at=utc_of_local(datetime.strptime(b["end"], TIME_FORMAT), tz)) for b in doc["protected"]]
        plan = _new_version(week.plan, by, items, blocks, problem, solution)
    offer = Offer(advisor, start_utc, end_utc, doc["start"], doc["score_delta"], plain_reasons(week, ask, doc, advisor), doc)
    allocated = give_named_advisor(ask, advisor)
    audit.record("appointment_booked", user=by, obj=request, client=ask.client.id, advisor=advisor.id,
                 start=doc["start"], week=ask.week_start.isoformat(), type=ask.type.code,
                 plan=plan.id if plan else None, version=plan.published_version if plan else None,
                 named_advisor_set=allocated, series=getattr(series, "id", None), instance=series_index)
    return request, plan, offer


def give_named_advisor(ask: Ask, advisor: Advisor) -> bool:
    """A client with no named advisor gets the booked one (support appointments); True when set."""
    if ask.client.named_advisor_id is None and ask.type.kind == "support":
        ask.client.named_advisor_id = advisor.id
        return True
    return False


def relock(team: Team, ask: Ask) -> None:
    """End any read transaction, take the team's lock, and re-read the ask's client and type under it."""
    client_id, type_id = ask.client.id, ask.type.id
    db.session.commit()  # the lock starts a fresh transaction
    lock_team(team)
    db.session.expire_all()
    ask.client, ask.type = db.session.get(Client, client_id), db.session.get(AppointmentType, type_id)
    if ask.client is None or ask.client.erased_at is not None:
        raise BookingError("That client is not in this team.", "client")


def book(team: Team, ask: Ask, advisor_id: int, start: str, by,
         before_commit: Callable[[Booked], None] | None = None,
         replay: Callable[[], object] | None = None) -> Booked | object:
    """Book `ask` with advisor `advisor_id` at local `start` (YYYY-MM-DDTHH:MM), one of its offers.

    Under the team's lock: re-reads the week, checks the advisor and time are still free for the client,
    saves the pinned request and (published week) a new plan version, gives a client with no named advisor
    this one (support appointments), audits, commits. `replay` (called under the lock) may return an
    earlier answer to give instead (idempotent retries); `before_commit` adds rows to the same transaction.
    Raises BookingError (field named) or BookingConflict (with fresh offers); nothing is half-booked."""
    check_ask(team, ask)
    local_start, advisor = check_start(team, ask, advisor_id, start)
    advisor_pk = advisor.id
    old_id = _replaced_id(ask)
    try:
        relock(team, ask)
        if replay is not None and (earlier := replay()) is not None:
            db.session.rollback()
            return earlier
        advisor = db.session.get(Advisor, advisor_pk)
        old = None
        if old_id is not None:
            old = db.session.get(AppointmentRequest, old_id)
            _check_cancellable(old)
            if old.client_id != ask.client.id:
                raise BookingError("A rebooking is for the same client.", "client")
        try:
            request, plan, offer = place(team, ask, advisor, local_start, by, old_id,
                                         *((old.series, old.series_index) if old is not None else (None, None)))
        except _Taken:
            raise _conflict(team, ask, taken_message(advisor, local_start)) from None
        if old is not None:
            if old.week_start != ask.week_start or plan is None:
                _drop_from_published(old, by)  # its own week's plan lets its time go
            old.cancelled_at = utcnow()
            audit.record("appointment_rebooked", user=by, obj=old, client=old.client_id, to=request.id)
        booked = Booked(request, plan, offer)
        if before_commit is not None:
            before_commit(booked)
        db.session.commit()
        return booked
    except (BookingError, BookingConflict):
        db.session.rollback()
        raise
    except (StaleDataError, IntegrityError, OperationalError) as err:
        # Another change to the week's plans got in first (a publish), or the lock wait timed out.
        raise _conflict(team, ask, "The week's plan changed while booking: nothing was booked. "
                                   "Choose one of these fresh offers.") from err


# --- cancelling --------------------------------------------------------------------------------------

def booked_item(request: AppointmentRequest) -> PlanItem | None:
    """The request's placement in its week's published plan, if any."""
    plan = published_plan(request.team, request.week_start)
    if plan is None:
        return None
    return next((i for i in plan.items if i.request_id == request.id and i.advisor_id is not None), None)


def _check_cancellable(request: AppointmentRequest | None) -> None:
    if request is None:
        raise BookingError("No such appointment.", "request")
    if request.cancelled_at is not None:
        raise BookingError("This appointment is already cancelled.", "request")
    if request.attendance in ("attended", "dna"):
        raise BookingError("This appointment has been marked attended or DNA; it cannot be changed.", "request")


def _drop_from_published(request: AppointmentRequest, by) -> Plan | None:
    """A new published version of the request's week without it (None: the week's plan does not hold it)."""
    plan = published_plan(request.team, request.week_start)
    if plan is None or not any(i.request_id == request.id for i in plan.items):
        return None
    rid = request_sid(request.id)
    problem = dict(plan.problem or {})
    problem["appointments"] = [a for a in problem.get("appointments", []) if a["id"] != rid]
    if problem.get("previous"):
        problem["previous"] = [p for p in problem["previous"] if p["appointment"] != rid]
    solution = {k: v for k, v in (plan.solution or {}).items() if k not in ("figures", "terms", "score")}
    solution["assignments"] = [a for a in solution.get("assignments", []) if a["appointment"] != rid]
    solution["unassigned"] = [a for a in solution.get("unassigned", []) if a["appointment"] != rid]
    blocks = [ProtectedBlock(advisor_id=b.advisor_id, starts_at=b.starts_at, ends_at=b.ends_at)
              for b in plan.protected_blocks]
    return _new_version(plan, by, _copy_items(plan, {request.id}), blocks, problem, solution)


def cancel(request: AppointmentRequest, by, late: bool = False, reason: str | None = None) -> Plan | None:
    """Cancel a booked appointment: it leaves the published plan (a new version) and frees the time.

    `late`: the client cancelled late, recorded as its attendance. Returns the new plan version (None if
    the week is not published). Raises BookingError if it is already cancelled or has been attended."""
    reason = clean_text(reason, "reason")
    team, request_id = request.team, request.id
    try:
        db.session.commit()
        lock_team(team)
        db.session.expire_all()
        request = db.session.get(AppointmentRequest, request_id)
        _check_cancellable(request)
        new = _drop_from_published(request, by)
        request.cancelled_at = utcnow()
        if late:
            request.attendance, request.attendance_by_id, request.attendance_at = "cancelled_late", getattr(by, "id", None), utcnow()
        audit.record("appointment_cancelled", user=by, obj=request, client=request.client_id, late=late,
                     reason=reason, plan=new.id if new else None, version=new.published_version if new else None)
        db.session.commit()
        return new
    except BookingError:
        db.session.rollback()
        raise
    except (StaleDataError, IntegrityError, OperationalError) as err:
        db.session.rollback()
        raise BookingConflict("The week's plan changed at the same moment: nothing was cancelled. Try again.") from err


def client_bookings(client: Client) -> list[AppointmentRequest]:
    """The client's requests that were booked at the desk or placed, newest week first."""
    return list(db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.client_id == client.id)
                                   .order_by(AppointmentRequest.week_start.desc(), AppointmentRequest.id.desc())))


