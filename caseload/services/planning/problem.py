"""The pieces of the scheduler's problem document (caseload-problem/1) for a team's week, read from the database:
ids, advisors with their availability, clients with their history, appointments with their windows and pins.

boundary.to_problem puts them together. The scheduler works in the team's local wall-clock time; the database
keeps aware UTC. Every conversion happens here (and in boundary.apply_solution on the way back), so a week that
crosses a clock change is planned in the times people actually work.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from caseload.extensions import db
from caseload.services.closures import closed_days
from caseload.localtime import skipped_spans, to_local, to_utc, wall_clock, wall_clock_after, wall_clock_from
from caseload.timegrid import SLOT_MINUTES, OffGrid, at, clock, merge_spans, subtract_spans
from caseload.models import (
    WEEKDAYS, Absence, Advisor, AppointmentRequest, Client, Contact, Plan, Team, WeekProtectedTarget, WeightProfile,
)
from scheduler.model import DEFAULT_WEIGHTS, TIME_FORMAT

HORIZON_DAYS = 5
PROTECTED_BLOCK_MINUTES = 60


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


# Extra fields of the problem document (problem-format.md allows them; the planner does not read them) for a week
# already started: the published plan's protected time before now, which the plan keeps as it was (held_protected),
# and per advisor the target the plan is measured against (PLAN_TARGET, where some was held).
HELD_PROTECTED = "held_protected"
# Extra top-level field (the planner ignores it): appointment id -> the aware UTC (ISO) of its pinned start where the
# document's wall clock names another moment, a start in the second run of a repeated hour (localtime.second_run,
# stored by no form or API, which all read such a time as its first run). The plan is saved at that real start
# (boundary.apply_solution), not moved an hour to the first run; the planner holds the first run's wall-clock
# time for it, which it loses, never books twice.
HELD_AT = "held_at"
PLAN_TARGET = "protected_target_minutes"


def asked_protected(plan) -> dict[int, int]:
    """Advisor database id -> the protected-time target (minutes) `plan` (a Plan, or None) is measured against, read
    from its own problem document: a plan made mid-week was asked only for the time still ahead (protected_target's
    `cut`), plus the protected time it keeps from before now (held_target). Advisors not in its problem are absent;
    {} for no plan or no problem."""
    if plan is None:
        return {}
    return {db_id(a["id"]): a.get(PLAN_TARGET, a.get("protected_minutes", 0))
            for a in (plan.problem or {}).get("advisors", [])}


def horizon_bounds(week_start: date, days: int = HORIZON_DAYS) -> tuple[datetime, datetime]:
    """Local naive start and end of the horizon (midnight to midnight)."""
    start = datetime.combine(week_start, datetime.min.time())
    return start, start + timedelta(days=days)


def local_naive(moment: datetime, tz: str) -> datetime:
    return to_local(moment, tz).replace(tzinfo=None)


def utc_of_local(local: datetime, tz: str) -> datetime:
    return to_utc(local.date(), local.time(), tz)


def snap_in(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Shrink an interval to the slot grid (start rounded up, end rounded down)."""
    slot = timedelta(minutes=SLOT_MINUTES)
    start_day = datetime.combine(start.date(), datetime.min.time())
    end_day = datetime.combine(end.date(), datetime.min.time())
    return start_day - ((start_day - start) // slot) * slot, end_day + ((end - end_day) // slot) * slot


def _clip(start, end, lo, hi):
    start, end = max(start, lo), min(end, hi)
    return (start, end) if start < end else None


def gone_hours(week_start: date, tz: str, days: int = HORIZON_DAYS) -> list[tuple[datetime, datetime]]:
    """The week's local wall-clock times that do not exist, the clocks going forward over them (Africa/Cairo
    Fri 30 Apr 2027 00:00-01:00): never working time. The planner reads the document's wall clock as written, so
    a work pattern over such an hour (Cairo's Friday from 00:00) gave it an hour of slots that are the same
    moments as the next hour's (00:30 is 01:30), and it could book one advisor twice at one moment."""
    return skipped_spans(week_start, week_start + timedelta(days=days - 1), tz)


def naive_cut(start: datetime, end: datetime, tz: str) -> tuple[datetime, datetime]:
    """Aware [start, end) (an absence) as the local naive span the planner must not use: from its wall clock
    (a day's first moment read as that day's 00:00 where the clocks skip midnight, localtime.wall_clock: so an
    absence to 24:00 before Cairo's change ends at Fri 00:00, not 01:00) to the end of a repeated hour its end
    falls in (localtime.wall_clock_after: the planner reads 23:30 as the first 23:30, inside an absence to the
    second)."""
    return wall_clock(start, tz), wall_clock_after(end, tz)


def _span(start: datetime, end: datetime) -> dict:
    return {"start": start.strftime(TIME_FORMAT), "end": end.strftime(TIME_FORMAT)}


def week_absences(advisor: Advisor, week_start: date, tz: str, days: int = HORIZON_DAYS) -> list[Absence]:
    lo, hi = horizon_bounds(week_start, days)
    return [a for a in advisor.absences
            if local_naive(a.starts_at, tz) < hi and local_naive(a.ends_at, tz) > lo]


def preferred_protected(advisor: Advisor, week_start: date, days: int = HORIZON_DAYS,
                        tz: str = "UTC") -> list[tuple[datetime, datetime]]:
    """The advisor's preferred protected time in the week (local in `tz`, on the grid, without times the clocks
    skip): weekly entries ({"day": "tue", ...}) on their weekday, one-off entries ({"date": "2026-11-26", ...}) on
    their date."""
    out = []
    for offset in range(days):
        day = week_start + timedelta(days=offset)
        for entry in advisor.protected_preferences or []:
            if entry.get("date") == day.isoformat() or entry.get("day") == WEEKDAYS[day.weekday()]:
                start, end = at(day, clock(entry["start"])), at(day, clock(entry["end"], end=True))
                start, end = snap_in(start, end)
                if end > start:
                    out.append((start, end))
    return sorted(_on_grid(subtract_spans(out, gone_hours(week_start, tz, days))))


def _pattern_spans(pattern: dict | None, week_start: date, days: int, closed: dict[date, str]) -> list[tuple[datetime, datetime]]:
    """An advisor's work `pattern` in the week (local, merged), leaving out the `closed` days."""
    intervals = []
    for offset in range(days):
        day = week_start + timedelta(days=offset)
        if day in closed:
            continue
        for start, end in (pattern or {}).get(WEEKDAYS[day.weekday()], []):
            intervals.append((at(day, pattern_clock(start)), at(day, pattern_clock(end, end=True))))
    return merge_spans(intervals)


def _on_grid(spans) -> list[tuple[datetime, datetime]]:
    snapped = [snap_in(s, e) for s, e in spans]
    return [(s, e) for s, e in snapped if s < e]


def availability(advisor: Advisor, week_start: date, tz: str, days: int = HORIZON_DAYS,
                 closed: dict[date, str] | None = None) -> list[tuple[datetime, datetime]]:
    """The advisor's bookable time in the week: the work pattern, minus absences and the hours the clocks skip
    (gone_hours), on the slot grid. A day the advisor's office is closed (services/closures: a bank holiday, the
    whole service's or their team's) has none. `closed`: the team's closed days (day -> reason) when the caller has
    read them already (else read here)."""
    if closed is None:
        closed = closed_days(advisor.team_id, week_start, week_start + timedelta(days=days - 1))
    # Absences are stored in UTC; compare them with the pattern in local wall-clock time.
    cuts = [naive_cut(a.starts_at, a.ends_at, tz) for a in week_absences(advisor, week_start, tz, days)]
    cuts += gone_hours(week_start, tz, days)
    return _on_grid(subtract_spans(_pattern_spans(advisor.work_pattern, week_start, days, closed), cuts))


def _minutes(spans) -> int:
    return sum(int((e - s).total_seconds() // 60) for s, e in spans)


@dataclass(frozen=True)
class ProtectedTarget:
    """One advisor's protected-time target for a week (minutes). `set` is the target a leader set (that week's
    override, else the standing one); `minutes` is what the plan is asked for: `set` pro rata to the working
    time the week's office closures and the advisor's absences leave (`open` of `usual` pattern minutes), so
    a bank holiday or a day off does not ask for protected time that cannot be given, nor show a shortfall."""

    set: int
    minutes: int
    usual: int
    open: int

    @property
    def reduced(self) -> bool:
        return self.minutes < self.set


def pro_rata(target: int, usual: int, open_minutes: int) -> int:
    """`target` × `open_minutes` / `usual` in whole minutes (rounded down); the whole target when nothing is
    lost (or no pattern is set: nothing to scale by), 0 when no working time is left."""
    if usual <= 0 or open_minutes >= usual:
        return target
    return target * max(open_minutes, 0) // usual


def protected_target(advisor: Advisor, week_start: date, tz: str, target: int | None = None,
                     days: int = HORIZON_DAYS, closed: dict[date, str] | None = None,
                     cut: datetime | None = None) -> ProtectedTarget:
    """The advisor's ProtectedTarget for the week from Monday `week_start` (`days` days, local time in `tz`).
    `target`: that week's override (week_targets), None for the standing `Advisor.protected_minutes`; `closed`:
    the team's closed days when already read (else read here); `cut` (local naive, started.Started.cut): in a
    week already started, the first slot from now. The working time counted is the pattern on the slot grid
    (as `availability`), before and after taking out closed days, absences and the hours before `cut`.

    Hours already gone count as a closure does: a re-plan on Wednesday asks for the target pro rata to the
    working time still ahead, the protected time still reachable. Chosen over "the target minus what was kept
    so far" because a team leader sets the target as a share of the working week (the same reading that cuts
    it for closures and absences). The protected time the published plan seated before now is kept as it was
    (held_protected) and counts in the re-plan's target and figure (held_target, protected_figure)."""
    if closed is None:
        closed = closed_days(advisor.team_id, week_start, week_start + timedelta(days=days - 1))
    chosen = (advisor.protected_minutes if target is None else target) or 0
    usual = usual_week_minutes(advisor.work_pattern, week_start, days)
    spans = availability(advisor, week_start, tz, days, closed)
    if cut is not None:
        spans = [(max(s, cut), e) for s, e in spans if e > cut]
    open_minutes = _minutes(spans)
    return ProtectedTarget(chosen, pro_rata(chosen, usual, open_minutes), usual, open_minutes)


def usual_week_minutes(pattern: dict | None, week_start: date = date(2024, 1, 1), days: int = HORIZON_DAYS) -> int:
    """An advisor's usual working week in minutes: their work `pattern` ({"mon": [["09:00", "17:00"]], …}) over the
    `days` days from `week_start` (a Monday; any will do, none is closed here), on the slot grid. 0: no pattern."""
    return _minutes(_on_grid(_pattern_spans(pattern, week_start, days, {})))


def protected_over_working(minutes: int, usual: int, name: str) -> str | None:
    """The rule that a protected-time target (`minutes` a week) is no more than the advisor's usual working week
    (`usual` minutes, usual_week_minutes; 0 when no pattern is set: only the 0-2400 bound holds then): more cannot
    be kept, so it is a slip (an extra 0, hours for minutes). The reason, without the field's name (each form and
    service puts its own first), or None when it fits. `name`: the advisor's."""
    if 0 < usual < minutes:
        return f"{minutes} is more than {name}'s working week ({usual} minutes, {usual / 60:.1f} h)."
    return None


def protected_targets(advisors, week_start: date, tz: str, days: int = HORIZON_DAYS,
                      closed: dict[date, str] | None = None) -> dict[int, ProtectedTarget]:
    """advisor id -> ProtectedTarget for each of `advisors` (one team's: `closed` is that team's closed days,
    read here when None), with that week's overrides read in one query."""
    advisors = list(advisors)
    if not advisors:
        return {}
    if closed is None:
        closed = closed_days(advisors[0].team_id, week_start, week_start + timedelta(days=days - 1))
    overrides = week_targets([a.id for a in advisors], week_start)
    return {a.id: protected_target(a, week_start, tz, overrides.get(a.id), days, closed) for a in advisors}


def held_protected(published: Plan | None, cut: datetime | None, tz: str,
                   working: dict[int, list[tuple[datetime, datetime]]]) -> list[tuple[int, datetime, datetime]]:
    """The protected time of the `published` plan that lies before `cut` (local naive; None: the week has not
    started, nothing is held), as (advisor id, start, end) local naive spans in time order: what really happened,
    which a re-plan keeps as past appointments are kept. `working`: advisor id -> their working time this week now
    (`availability`: pattern minus absences and closures); only the part of a block inside it is kept (an absence
    recorded since means that time was not protected time), and only for those advisors. A block running at `cut`
    keeps its part before it: from `cut` on the re-plan seats protected time afresh."""
    return [piece[:3] for piece in held_protected_pieces(published, cut, tz, working)]


def held_protected_pieces(published: Plan | None, cut: datetime | None, tz: str,
                          working: dict[int, list[tuple[datetime, datetime]]]
                          ) -> list[tuple[int, datetime, datetime, datetime, datetime]]:
    """As `held_protected`, each piece with the aware UTC (start, end) it really held: the block's own start or end
    where the piece keeps it, else the piece's wall-clock bound (a cut, the edge of the working time) read as the
    planner reads it. Saving the piece from these (boundary.apply_solution) keeps what really happened where the
    wall clock cannot name it: a block to the second 23:15 of a repeated hour ends there, not at 24:00."""
    if published is None or cut is None:
        return []
    held = []
    for block in published.protected_blocks:
        start, end = held_block_span(block.starts_at, block.ends_at, tz)
        for lo, hi in working.get(block.advisor_id, []):
            piece = _clip(start, min(end, cut), lo, hi)
            if piece:
                held.append((block.advisor_id, *piece,
                             block.starts_at if piece[0] == start else utc_of_local(piece[0], tz),
                             block.ends_at if piece[1] == end else utc_of_local(piece[1], tz)))
    return sorted(held)


def held_block_span(start: datetime, end: datetime, tz: str) -> tuple[datetime, datetime]:
    """A protected block already placed (aware [start, end)) as the local naive span the document may count as that
    advisor's protected time, read as held appointments are (started.Started.held_spans): the start as it is (a
    day's first moment after a midnight the clocks skip is its 01:00, where the working time starts), the end by
    localtime.wall_clock_after (an end at such a midnight is that day's 00:00, 24:00 the day before, not 01:00 with
    the skipped hour inside; an end in the second run of a repeated hour is that hour's end, the first run lying
    wholly inside the block), so never an end before its start. A start in the second run reads as that hour's end
    too: the planner would read it as the first run, time the block never held (an appointment held there would be
    booked twice)."""
    return wall_clock_from(start, tz), wall_clock_after(end, tz)


def held_target(asked: int, week: int, held_minutes: int) -> int:
    """The protected-time target (minutes) of a plan that keeps `held_minutes` from before now and asks the planner
    for `asked` more (the time still ahead's share, protected_target's `cut`): both, but never more than the
    `week`'s whole target (protected_target without `cut`), so protected time kept early is not asked for twice."""
    return min(week, held_minutes + asked)


def protected_figure(problem: dict, solution: dict) -> float | None:
    """The protected figure (problem-format.md: sum of min(target, kept) / sum of targets, a fraction 0-1, None when
    no target) of `solution` to a `problem` with held protected time (HELD_PROTECTED): kept counts the held blocks
    and the solution's, the target is each advisor's PLAN_TARGET (else protected_minutes). (Without held time it is
    the planner's own figure.)"""
    kept: dict[str, int] = {}
    for block in problem[HELD_PROTECTED] + list(solution.get("protected") or []):
        minutes = int((datetime.strptime(block["end"], TIME_FORMAT)
                       - datetime.strptime(block["start"], TIME_FORMAT)).total_seconds() // 60)
        kept[block["advisor"]] = kept.get(block["advisor"], 0) + minutes
    targets = {a["id"]: a.get(PLAN_TARGET, a.get("protected_minutes", 0)) for a in problem["advisors"]}
    total = sum(targets.values())
    return round(sum(min(t, kept.get(a, 0)) for a, t in targets.items()) / total, 6) if total else None


def pattern_clock(text: str, end: bool = False) -> int:
    """A stored pattern time in minutes after midnight ("24:00" ends at midnight). Patterns saved before
    the grid check may hold an off-grid time: read it as it is, and let snap_in shrink it to the grid."""
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
    """The team's active advisors by id, their skills and absences loaded in bulk: building a problem read them one
    advisor at a time (2 queries per advisor, about 24 of an offers request's statements)."""
    return list(db.session.scalars(select(Advisor).where(Advisor.team_id == team.id, Advisor.active.is_(True))
                                   .order_by(Advisor.id)
                                   .options(selectinload(Advisor.skills), selectinload(Advisor.absences))))


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


def caseloads(advisor_ids) -> dict[int, int]:
    rows = db.session.execute(select(Client.named_advisor_id, func.count(Client.id)).where(
        Client.named_advisor_id.in_(advisor_ids), Client.erased_at.is_(None)).group_by(Client.named_advisor_id))
    return dict(rows.all())


def advisor_doc(advisor: Advisor, week_start, tz, days, caseload, target: int | None = None,
                closed: dict[date, str] | None = None, cut: datetime | None = None) -> dict:
    """The advisor's entry of the problem document. `cut`: as protected_target's (the caller cuts the
    availability itself, keeping held appointments)."""
    doc = {
        "id": advisor_sid(advisor.id), "name": advisor.name, "skills": advisor.skill_codes, "roles": advisor.roles,
        "availability": [_span(s, e) for s, e in availability(advisor, week_start, tz, days, closed)],
        # Pro rata to the working time the week's closures, absences and hours gone leave (protected_target).
        "protected_minutes": protected_target(advisor, week_start, tz, target, days, closed, cut).minutes,
        "caseload": caseload,
    }
    preferred = preferred_protected(advisor, week_start, days, tz)
    if preferred:
        doc["protected_preferences"] = [_span(s, e) for s, e in preferred]
    if advisor.max_appointments_per_day:
        doc["max_appointments_per_day"] = advisor.max_appointments_per_day
    if advisor.max_caseload:
        doc["max_caseload"] = advisor.max_caseload
    return doc


def contacts_of(client_ids: list[int]) -> dict[int, list[Contact]]:
    """client id -> their contacts in time order, in one query."""
    out: dict[int, list[Contact]] = {cid: [] for cid in client_ids}
    if client_ids:
        for contact in db.session.scalars(select(Contact).where(Contact.client_id.in_(client_ids))
                                          .order_by(Contact.client_id, Contact.occurred_at, Contact.id)):
            out[contact.client_id].append(contact)
    return out


def client_doc(client: Client, known_advisors: set[int], week_start: date, tz: str,
                contacts: list[Contact] | None = None) -> dict:
    """`contacts`: the client's contacts in time order if already loaded (else read here)."""
    named = client.named_advisor_id if client.named_advisor_id in known_advisors else None
    if contacts is None:
        contacts = contacts_of([client.id])[client.id]
    history = [{"advisor": advisor_sid(c.advisor_id), "date": to_local(c.occurred_at, tz).date().isoformat()}
               for c in contacts
               if c.advisor_id in known_advisors and to_local(c.occurred_at, tz).date() < week_start]
    return {"id": client_sid(client.id), "named_advisor": advisor_sid(named) if named else None,
            "need": client.need.code if client.need else None, "complexity": client.complexity or 1, "history": history}


def request_windows(request: AppointmentRequest, lo, hi, tz) -> list[dict]:
    """The request's windows in local time, clipped to the horizon and the slot grid. Read inwards where the wall
    clock is not one-to-one: an end at a midnight the clocks skip is that day's 00:00 (24:00 the day before), a start
    in the second run of a repeated hour is that hour's end (localtime.wall_clock_after)."""
    raw = [(wall_clock_after(w.starts_at, tz), wall_clock(w.ends_at, tz)) for w in request.windows] or [(lo, hi)]
    spans = []
    for start, end in raw:
        clipped = _clip(start, end, lo, hi)
        if clipped:
            start, end = snap_in(*clipped)
            if (end - start) >= timedelta(minutes=request.duration_minutes):
                spans.append(_span(start, end))
    return spans


def appointment_doc(request: AppointmentRequest, windows, known_advisors, tz) -> dict:
    skill = request.skill
    doc = {"id": request_sid(request.id), "client": client_sid(request.client_id), "kind": request.kind,
           "skill": skill.code if skill else None, "duration_minutes": request.duration_minutes, "windows": windows}
    if request.pinned_advisor_id in known_advisors and request.pinned_start is not None:
        doc["pinned"] = {"advisor": advisor_sid(request.pinned_advisor_id),
                         "start": local_naive(request.pinned_start, tz).strftime(TIME_FORMAT)}
    return doc


def pin_misfit(appointment: dict, advisor_docs: list[dict]) -> str | None:
    """Why the pinned time of `appointment` (a problem-document appointment with "pinned") cannot hold, or None
    when it lies inside one of the pinned advisor's availability intervals and inside one of its windows:
    "advisor" (the advisor is not in `advisor_docs` or not working then: an absence, or hours changed since
    the time was given), else "windows" (outside the client's windows). The advisor's reason comes first."""
    start = datetime.strptime(appointment["pinned"]["start"], TIME_FORMAT)
    end = (start + timedelta(minutes=appointment["duration_minutes"])).strftime(TIME_FORMAT)
    start = start.strftime(TIME_FORMAT)
    advisor = next((a for a in advisor_docs if a["id"] == appointment["pinned"]["advisor"]), None)

    def inside(spans):
        return any(span["start"] <= start and end <= span["end"] for span in spans)

    if advisor is None or not inside(advisor["availability"]):
        return "advisor"
    return None if inside(appointment["windows"]) else "windows"


def previous_placements(previous_plan: Plan | None, appointment_ids: set[str], known_advisors: set[int], tz) -> list[dict]:
    if previous_plan is None:
        return []
    return [{"appointment": request_sid(item.request_id), "advisor": advisor_sid(item.advisor_id),
             "start": local_naive(item.starts_at, tz).strftime(TIME_FORMAT)}
            for item in previous_plan.items
            if item.advisor_id in known_advisors and item.starts_at is not None
            and item.request_id is not None and request_sid(item.request_id) in appointment_ids]
