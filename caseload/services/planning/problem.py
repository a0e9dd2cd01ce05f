"""Building the scheduler's problem document (caseload-problem/1) for a team's week from the database.

The scheduler works in the team's local wall-clock time; the database keeps aware UTC. Every
conversion happens here (and in plans.py on the way back), so a week that crosses a clock change
is planned in the times people actually work.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from caseload.extensions import db
from caseload.localtime import human_value, to_local, to_utc
from caseload.services.rota.pins import PinBook, pin_of, unfit
from caseload.timegrid import SLOT_MINUTES, OffGrid, at, clock, grid_message, merge_spans, on_grid
from caseload.models import (
    DEFAULT_WEIGHTS, WEEKDAYS, Absence, Advisor, AppointmentRequest, Client, Contact, Plan, Team, WeekProtectedTarget,
    WeightProfile,
)
from scheduler.model import PROBLEM_FORMAT, TIME_FORMAT

FORMAT = PROBLEM_FORMAT
HORIZON_DAYS = 5
PROTECTED_BLOCK_MINUTES = 60
TEXT = TIME_FORMAT  # the documents' local wall-clock time


@dataclass
class IdMaps:
    """Scheduler ids ("a3", "c17", "r42") to database ids and back; what was left out, and why."""

    advisors: dict[str, int] = field(default_factory=dict)
    clients: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)  # request id -> why it is not in the problem
    warnings: list[str] = field(default_factory=list)


def advisor_sid(advisor_id: int) -> str:
    return f"a{advisor_id}"


def client_sid(client_id: int) -> str:
    return f"c{client_id}"


def request_sid(request_id: int) -> str:
    return f"r{request_id}"


def db_id(sid: str) -> int:
    """The database id inside a scheduler id: "r42" -> 42."""
    return int(sid[1:])


def horizon_bounds(week_start: date, days: int = HORIZON_DAYS) -> tuple[datetime, datetime]:
    """Local naive start and end of the horizon (midnight to midnight)."""
    start = datetime.combine(week_start, datetime.min.time())
    return start, start + timedelta(days=days)


def local_naive(moment: datetime, tz: str) -> datetime:
    return to_local(moment, tz).replace(tzinfo=None)


def utc_of_local(local: datetime, tz: str) -> datetime:
    return to_utc(local.date(), local.time(), tz)


def _snap_in(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Shrink an interval to the slot grid (start rounded up, end rounded down)."""
    slot = timedelta(minutes=SLOT_MINUTES)
    start_day = datetime.combine(start.date(), datetime.min.time())
    end_day = datetime.combine(end.date(), datetime.min.time())
    return start_day - ((start_day - start) // slot) * slot, end_day + ((end - end_day) // slot) * slot


def _subtract(intervals, cuts):
    """Intervals minus cuts (all local naive (start, end) pairs)."""
    result = list(intervals)
    for cut_start, cut_end in cuts:
        pieces = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        result = pieces
    return result


def _clip(start, end, lo, hi):
    start, end = max(start, lo), min(end, hi)
    return (start, end) if start < end else None


def _span(start: datetime, end: datetime) -> dict:
    return {"start": start.strftime(TEXT), "end": end.strftime(TEXT)}


def week_absences(advisor: Advisor, week_start: date, tz: str, days: int = HORIZON_DAYS) -> list[Absence]:
    lo, hi = horizon_bounds(week_start, days)
    return [a for a in advisor.absences
            if local_naive(a.starts_at, tz) < hi and local_naive(a.ends_at, tz) > lo]


def preferred_protected(advisor: Advisor, week_start: date, days: int = HORIZON_DAYS) -> list[tuple[datetime, datetime]]:
    """The advisor's preferred protected time in the week (local, on the grid): weekly entries
    ({"day": "tue", ...}) on their weekday, one-off entries ({"date": "2026-11-26", ...}) on their date."""
    out = []
    for offset in range(days):
        day = week_start + timedelta(days=offset)
        for entry in advisor.protected_preferences or []:
            if entry.get("date") == day.isoformat() or entry.get("day") == WEEKDAYS[day.weekday()]:
                start, end = at(day, clock(entry["start"])), at(day, clock(entry["end"], end=True))
                start, end = _snap_in(start, end)
                if end > start:
                    out.append((start, end))
    return sorted(out)


def availability(advisor: Advisor, week_start: date, tz: str, days: int = HORIZON_DAYS) -> list[tuple[datetime, datetime]]:
    """The advisor's bookable time in the week: the work pattern, minus absences, on the slot grid."""
    intervals = []
    for offset in range(days):
        day = week_start + timedelta(days=offset)
        for start, end in (advisor.work_pattern or {}).get(WEEKDAYS[day.weekday()], []):
            intervals.append((at(day, pattern_clock(start)), at(day, pattern_clock(end, end=True))))
    # Absences are stored in UTC; compare them with the pattern in local wall-clock time.
    cuts = [(local_naive(a.starts_at, tz), local_naive(a.ends_at, tz)) for a in week_absences(advisor, week_start, tz, days)]
    snapped = [_snap_in(s, e) for s, e in _subtract(merge_spans(intervals), cuts)]
    return [(s, e) for s, e in snapped if s < e]


def pattern_clock(text: str, end: bool = False) -> int:
    """A stored pattern time in minutes after midnight ("24:00" ends at midnight). Patterns saved before
    the grid check may hold an off-grid time: read it as it is, and let _snap_in shrink it to the grid."""
    try:
        return clock(text, end=end)
    except OffGrid:
        hours, minutes = (int(part) for part in text.split(":"))
        return hours * 60 + minutes


def active_weights(weights: dict | None = None) -> dict[str, int]:
    """The active weight profile (or the defaults), overridden key by key by `weights`."""
    profile = db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True)).order_by(WeightProfile.id))
    result = dict(profile.as_weights() if profile else DEFAULT_WEIGHTS)
    result.update({k: int(v) for k, v in (weights or {}).items() if k in DEFAULT_WEIGHTS})
    return result


def team_advisors(team: Team) -> list[Advisor]:
    return list(db.session.scalars(select(Advisor).where(Advisor.team_id == team.id, Advisor.active.is_(True)).order_by(Advisor.id)))


def week_requests(team: Team, week_start: date) -> list[AppointmentRequest]:
    # Windows, clients and types loaded in bulk: building a problem read them one request at a time
    # (N+1 queries), most of the booking desk's time per offers page.
    return list(db.session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == week_start,
        AppointmentRequest.cancelled_at.is_(None)).order_by(AppointmentRequest.id)
        .options(selectinload(AppointmentRequest.windows), selectinload(AppointmentRequest.client),
                 selectinload(AppointmentRequest.type))))


def week_targets(advisor_ids, week_start: date) -> dict[int, int]:
    """advisor id -> that week's protected-time target (minutes) where one week's target overrides the standing
    one (`Advisor.protected_minutes`); advisors without an override are absent."""
    ids = list(advisor_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(WeekProtectedTarget.advisor_id, WeekProtectedTarget.minutes).where(
        WeekProtectedTarget.advisor_id.in_(ids), WeekProtectedTarget.week_start == week_start))
    return dict(rows.all())


def _caseloads(advisor_ids) -> dict[int, int]:
    rows = db.session.execute(select(Client.named_advisor_id, func.count(Client.id)).where(
        Client.named_advisor_id.in_(advisor_ids), Client.erased_at.is_(None)).group_by(Client.named_advisor_id))
    return dict(rows.all())


def _advisor_doc(advisor: Advisor, week_start, tz, days, caseload, target: int | None = None) -> dict:
    doc = {
        "id": advisor_sid(advisor.id), "name": advisor.name, "skills": advisor.skill_codes, "roles": advisor.roles,
        "availability": [_span(s, e) for s, e in availability(advisor, week_start, tz, days)],
        "protected_minutes": (advisor.protected_minutes if target is None else target) or 0, "caseload": caseload,
    }
    preferred = preferred_protected(advisor, week_start, days)
    if preferred:
        doc["protected_preferences"] = [_span(s, e) for s, e in preferred]
    if advisor.max_appointments_per_day:
        doc["max_appointments_per_day"] = advisor.max_appointments_per_day
    if advisor.max_caseload:
        doc["max_caseload"] = advisor.max_caseload
    return doc


def _contacts_of(client_ids: list[int]) -> dict[int, list[Contact]]:
    """client id -> their contacts in time order, in one query."""
    out: dict[int, list[Contact]] = {cid: [] for cid in client_ids}
    if client_ids:
        for contact in db.session.scalars(select(Contact).where(Contact.client_id.in_(client_ids))
                                          .order_by(Contact.client_id, Contact.occurred_at, Contact.id)):
            out[contact.client_id].append(contact)
    return out


def _client_doc(client: Client, known_advisors: set[int], week_start: date, tz: str,
                contacts: list[Contact] | None = None) -> dict:
    """`contacts`: the client's contacts in time order if already loaded (else read here)."""
    named = client.named_advisor_id if client.named_advisor_id in known_advisors else None
    if contacts is None:
        contacts = _contacts_of([client.id])[client.id]
    history = [{"advisor": advisor_sid(c.advisor_id), "date": to_local(c.occurred_at, tz).date().isoformat()}
               for c in contacts
               if c.advisor_id in known_advisors and to_local(c.occurred_at, tz).date() < week_start]
    return {"id": client_sid(client.id), "named_advisor": advisor_sid(named) if named else None,
            "need": client.need.code if client.need else None, "complexity": client.complexity or 1, "history": history}


def _windows(request: AppointmentRequest, lo, hi, tz) -> list[dict]:
    """The request's windows in local time, clipped to the horizon and the slot grid."""
    raw = [(local_naive(w.starts_at, tz), local_naive(w.ends_at, tz)) for w in request.windows] or [(lo, hi)]
    spans = []
    for start, end in raw:
        clipped = _clip(start, end, lo, hi)
        if clipped:
            start, end = _snap_in(*clipped)
            if (end - start) >= timedelta(minutes=request.duration_minutes):
                spans.append(_span(start, end))
    return spans


def _appointment_doc(request: AppointmentRequest, windows, known_advisors, tz) -> dict:
    skill = request.skill
    doc = {"id": request_sid(request.id), "client": client_sid(request.client_id), "kind": request.kind,
           "skill": skill.code if skill else None, "duration_minutes": request.duration_minutes, "windows": windows}
    if request.pinned_advisor_id in known_advisors and request.pinned_start is not None:
        doc["pinned"] = {"advisor": advisor_sid(request.pinned_advisor_id),
                         "start": local_naive(request.pinned_start, tz).strftime(TEXT)}
    return doc


def _pin_fits(appointment: dict, advisor_docs: list[dict]) -> bool:
    """Whether the pinned time lies inside one of the advisor's availability intervals and one window."""
    start = datetime.strptime(appointment["pinned"]["start"], TEXT)
    end = (start + timedelta(minutes=appointment["duration_minutes"])).strftime(TEXT)
    start = start.strftime(TEXT)
    advisor = next((a for a in advisor_docs if a["id"] == appointment["pinned"]["advisor"]), None)

    def inside(spans):
        return any(span["start"] <= start and end <= span["end"] for span in spans)

    return advisor is not None and inside(advisor["availability"]) and inside(appointment["windows"])


def _previous(previous_plan: Plan | None, appointment_ids: set[str], known_advisors: set[int], tz) -> list[dict]:
    if previous_plan is None:
        return []
    return [{"appointment": request_sid(item.request_id), "advisor": advisor_sid(item.advisor_id),
             "start": local_naive(item.starts_at, tz).strftime(TEXT)}
            for item in previous_plan.items
            if item.advisor_id in known_advisors and item.starts_at is not None
            and item.request_id is not None and request_sid(item.request_id) in appointment_ids]


def build_problem(team: Team, week_start: date, weights: dict | None = None, previous_plan: Plan | None = None,
                  days: int = HORIZON_DAYS) -> tuple[dict, IdMaps]:
    """The caseload-problem/1 document for `team`'s week starting `week_start`, and the id maps."""
    tz = team.timezone
    maps = IdMaps()
    lo, hi = horizon_bounds(week_start, days)
    advisors = team_advisors(team)
    known = {a.id for a in advisors}
    caseloads, targets = _caseloads(known), week_targets(known, week_start)
    advisor_docs = [_advisor_doc(a, week_start, tz, days, caseloads.get(a.id, 0), targets.get(a.id)) for a in advisors]
    maps.advisors = {advisor_sid(a.id): a.id for a in advisors}

    appointments, clients, kept_pins = [], {}, PinBook()
    for request in week_requests(team, week_start):
        if request.client.erased_at is not None:
            maps.skipped[request.id] = "the client's record has been erased"
            continue
        windows = _windows(request, lo, hi, tz)
        if not windows:
            maps.skipped[request.id] = "none of its windows is inside the week (or long enough for it)"
            continue
        if request.skill is None:
            maps.skipped[request.id] = "no skill is known for it: set the client's need"
            continue
        if request.duration_minutes <= 0 or request.duration_minutes % SLOT_MINUTES:
            # Saved before the grid check: one such request must not fail the whole week.
            maps.skipped[request.id] = (f"its length, {request.duration_minutes} minutes, is not a whole number of "
                                        f"{SLOT_MINUTES}-minute slots: change the request")
            continue
        doc = _appointment_doc(request, windows, known, tz)
        if request.pinned_advisor_id and "pinned" not in doc:
            maps.warnings.append(f"{request.client.reference}: pin ignored, its advisor is not in the team")
        elif "pinned" in doc and not on_grid(datetime.strptime(doc["pinned"]["start"], TEXT)):
            maps.warnings.append(f"{request.client.reference}: pin to {request.pinned_advisor.name} "
                                 f"{human_value(doc['pinned']['start'])} ignored: {grid_message('it')}")
            del doc["pinned"]
        elif "pinned" in doc and not _pin_fits(doc, advisor_docs):
            # Usually an absence added after the pin: plan it afresh rather than fail the whole week.
            maps.warnings.append(f"{request.client.reference}: pin to {request.pinned_advisor.name} "
                                 f"{human_value(doc['pinned']['start'])} ignored: outside their working time "
                                 "or the client's windows")
            del doc["pinned"]
        if "pinned" in doc:  # pins that cannot all hold: keep the earlier, leave the later one out, say why
            pin = pin_of(request)
            why = unfit(request.pinned_advisor, request.type, request.client) or kept_pins.clash(pin)
            if why:
                maps.skipped[request.id] = (f"its pin ({pin.advisor.name}, {pin.when}) cannot hold: {why}. "
                                            "Change one of the pins and plan again")
                maps.warnings.append(f"{pin.who} was not planned: {maps.skipped[request.id]}")
                continue
            kept_pins.add(pin)
        appointments.append(doc)
        maps.requests[doc["id"]] = request.id
        clients.setdefault(request.client_id, request.client)

    contacts = _contacts_of(sorted(clients))
    client_docs = [_client_doc(c, known, week_start, tz, contacts[cid]) for cid, c in sorted(clients.items())]
    maps.clients = {client_sid(cid): cid for cid in clients}
    problem = {
        "format": FORMAT,
        "horizon": {"start": week_start.isoformat(), "days": days, "slot_minutes": SLOT_MINUTES,
                    "timezone": tz, "protected_block_minutes": PROTECTED_BLOCK_MINUTES},
        "weights": active_weights(weights),
        "advisors": advisor_docs,
        "clients": client_docs,
        "appointments": appointments,
    }
    previous = _previous(previous_plan, {a["id"] for a in appointments}, known, tz)
    if previous:
        problem["previous"] = previous
    return problem, maps
