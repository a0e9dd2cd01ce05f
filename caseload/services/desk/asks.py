"""What the booking desk is asked, checked before anything is looked up: the errors it raises, the ask
(client, type, week, windows), the offers and bookings it answers with, and the checks that name the field
at fault (services/desk/booking.py and series.py book; offers.py answers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.services.closures import closed_days
from caseload.localtime import NoSuchLocalTime, to_local, typed_to_utc, wall_clock_from
from caseload.models import (Advisor, AppointmentRequest, AppointmentType, AuditEvent, Client, Plan, PlanItem, Team, User,
                             utcnow)
from caseload.services.desk import policy
from caseload.services.planning.problem import availability, horizon_bounds, local_naive, team_advisors
from caseload.services.rota.requests import Window
from caseload.values import text_problem
from scheduler.model import TIME_FORMAT


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


class StateMoved(BookingError):
    """Input that was right when the page was shown, but the thing it acts on moved on since: the appointment was
    cancelled (or its attendance recorded) by someone else or in another tab, the request booked, withdrawn or
    removed. A race lost, not a form to correct: the desk and the API answer 409 with this message (what
    happened, who and when if known), never 400/422. `field` still names what the form pointed at."""


class RequestTakenMeanwhile(StateMoved):
    """"Book this request" refused because the request is no longer waiting for a booking: another desk booking
    (or this one in another tab) booked it first, it was withdrawn, or it was given a time. A race lost, as when
    it happens under the team's lock (booking._still_unplaced): the desk answers 409, not 400 (a form to correct)."""


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
    # A team leader's reason to rebook inside the minimum notice (services/desk/notice_override checks and audits
    # it); None: the notice holds.
    notice_override: str | None = None
    # "Book this request": the planning request the published plan left unplaced that this booking takes the place
    # of (services/desk/unplaced.py); its own length, not the type's default, is booked.
    fulfils: AppointmentRequest | None = None

    @property
    def duration(self) -> int:
        return self.fulfils.duration_minutes if self.fulfils is not None else self.type.default_minutes

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


def local_span(window: Window) -> tuple[datetime, datetime]:
    start = datetime.combine(window.day, datetime.strptime(window.start, "%H:%M").time())
    if window.end == "24:00":
        end = datetime.combine(window.day + timedelta(days=1), datetime.min.time())
    else:
        end = datetime.combine(window.day, datetime.strptime(window.end, "%H:%M").time())
    return start, end


def qualified(team: Team, ask: Ask, advisors: list[Advisor] | None = None) -> list[Advisor]:
    """The team's active advisors who may take the appointment (kind and skill). `advisors`: team_advisors(team)
    when already read, else read here."""
    skill = ask.skill
    return [a for a in (team_advisors(team) if advisors is None else advisors)
            if ask.type.kind in a.roles and skill is not None and skill.code in a.skill_codes]


def _said(window: Window) -> str:
    return f"{local_span(window)[0]:%a %d %b} {window.start}–{window.end}"


def _past(window: Window, now: datetime, need: timedelta) -> bool:
    """Whether too little of `window` is left after local naive `now` for the appointment (`need`)."""
    start, end = local_span(window)
    return end - max(start, now) < need


def past_windows(team: Team, ask: Ask, now: datetime | None = None) -> list[str]:
    """The client's times with too little left after `now` (default: the clock) for the appointment, as a person
    says them ("Mon 30 Nov 09:00–17:00"): not offered, like a closed day, and said above the offers."""
    here = local_naive(now or utcnow(), team.timezone)
    return [_said(w) for w in ask.windows if _past(w, here, timedelta(minutes=ask.duration))]


def check_ask(team: Team, ask: Ask, now: datetime | None = None, closed_of=None, advisors_of=None) -> None:
    """Refuse what cannot be booked at `now` (default: the clock), naming the field: client, type,
    purpose, windows. A window wholly past (too little of it left for the appointment) is skipped, as a closed
    day is (past_windows); a window partly past is cut at now by the offers (offers.from_now). Refused only
    when no window is left. `closed_of`: how the request reads closed days (DeskWeeks.closed; default:
    closures.closed_days), called once; `advisors_of`: how it reads the team's advisors (DeskWeeks.advisors;
    default: planning.problem.team_advisors)."""
    if ask.client is None or ask.client.team_id != team.id or ask.client.erased_at is not None:
        raise BookingError("That client is not in this team.", "client")
    if ask.type is None or not ask.type.active:
        raise BookingError("Choose an appointment type.", "type")
    ask.purpose = clean_text(ask.purpose, "purpose")
    if ask.skill is None:
        raise BookingError(f"{ask.type.name} needs the client's need, and {ask.client.reference} has none set: "
                           "set it on the client first.", "type")
    able = qualified(team, ask, advisors_of(team) if advisors_of is not None else None)
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
    if ask.replacing is not None:
        try:
            check_rebookable(ask.replacing, now)
        except BookingError as err:  # keeps its kind: a StateMoved (cancelled in another tab) stays a 409
            raise type(err)(str(err), "replacing") from None
    if ask.fulfils is not None:
        check_fulfillable(ask.fulfils, ask.client, ask.type)
    if not ask.windows:
        raise BookingError("Give at least one time the client can come.", "windows")
    lo, hi = horizon_bounds(ask.week_start)
    now = local_naive(now or utcnow(), team.timezone)
    need = timedelta(minutes=ask.duration)
    closed = (closed_of or closed_days)(team.id, lo.date(), hi.date())  # once for every advisor (their team's)
    free = [span for a in able for span in availability(a, ask.week_start, team.timezone, closed=closed)]
    # Past or closed windows are skipped; refused only when every window is one or the other.
    left = [w for w in ask.windows if not _past(w, now, need) and local_span(w)[0].date() not in closed]
    for window in ask.windows:
        start, end = local_span(window)
        said = _said(window)
        if end - start < need:
            raise BookingError(f"{said} is shorter than the {ask.duration} minutes of {ask.type.name}.", "windows")
        if start < lo or end > hi:
            raise BookingError(f"{said} is outside the bookable days of the week ({lo:%a %d %b} – "
                               f"{hi - timedelta(days=1):%a %d %b}).", "windows")
        if not left and _past(window, now, need):
            raise BookingError(f"{said} is in the past." if len(ask.windows) == 1 else
                               f"Every time given has passed ({said} was the first)."
                               if all(_past(w, now, need) for w in ask.windows) else
                               f"Every time given has passed or is on a day the office is closed ({said} has "
                               "passed).", "windows")
        if not left and start.date() in closed:
            raise BookingError(f"{said}: the office is closed that day ({closed[start.date()]}).", "windows")
        if window not in left:  # past (not offered, said above the offers) or closed (a bank holiday)
            continue
        if not any(min(end, e) - max(start, s) >= need for s, e in free):
            who = ask.advisor.name if ask.advisor else "nobody who could take it"
            raise BookingError(f"{said}: {who} is working {ask.duration} minutes in a row then "
                               f"({start:%A} may be a day off or an absence).", "windows")


def earliest_for(ask: Ask, now: datetime | None = None, notice: timedelta | None = None) -> datetime:
    """The earliest start (aware UTC) the desk offers or books for `ask`: `now` (default: the clock) plus the
    service's minimum notice (`notice` when already read, e.g. DeskWeek.notice; else read here), or `now` itself
    when a team leader overrode the notice for this rebooking."""
    return (now or utcnow()) if ask.notice_override else policy.earliest_start(now, notice)


def check_start(team: Team, ask: Ask, advisor_id: int, start: str) -> tuple[datetime, Advisor]:
    """The chosen local start (naive) and advisor, checked against the ask; BookingError naming the field."""
    local_start = parse_start(start)
    try:  # no offer starts at a time the clocks skip: a hand-made post, refused as the forms refuse it
        typed_to_utc(local_start.date(), local_start.time(), team.timezone)
    except NoSuchLocalTime as err:
        raise BookingError(f"{err}.", "start") from None
    local_end = local_start + timedelta(minutes=ask.duration)
    # From now read forwards (localtime.wall_clock_from): in a repeated hour's second run, its first run has passed.
    if local_start < wall_clock_from(utcnow(), team.timezone):
        raise BookingError("The chosen time has passed.", "start")
    if local_start < wall_clock_from(earliest_for(ask), team.timezone):
        raise BookingError(f"The chosen time is within the service's minimum notice of "
                           f"{policy.notice_words()} from now: choose a later one.", "start")
    if not any(s <= local_start and local_end <= e for s, e in map(local_span, ask.windows)):
        raise BookingError("The chosen time is not inside the times the client can come.", "start")
    if ask.advisor is not None and advisor_id != ask.advisor.id:
        raise BookingError("You can book only your own diary here.", "advisor")
    advisor = db.session.get(Advisor, advisor_id)
    if advisor is None or advisor.team_id != team.id:
        raise BookingError("No such advisor in this team.", "advisor")
    if advisor not in qualified(team, ask):  # bad input, not a lost race: no 409 "just taken" with offers
        if not advisor.active:
            raise BookingError(f"{advisor.name} is not an active advisor.", "advisor")
        raise BookingError(f"{advisor.name} does not do {ask.type.kind} appointments with the skill {ask.skill.name} "
                           f"that {ask.type.name} needs.", "advisor")
    return local_start, advisor


def parse_start(text: str) -> datetime:
    try:
        return datetime.strptime(text or "", TIME_FORMAT)
    except ValueError:
        shown = text if len(text or "") <= 40 else text[:40] + "…"  # a hand-made post's garbage, not echoed whole
        raise BookingError(f'"{shown}" is not a time: give YYYY-MM-DDTHH:MM.', "start") from None


def appointment_start(request: AppointmentRequest) -> datetime | None:
    """When the appointment starts (aware UTC): its place in its week's published plan, else its pinned start
    (a week not yet published); None for a planning request with no time yet."""
    placed = db.session.scalar(select(PlanItem.starts_at).join(Plan).where(
        Plan.status == "published", PlanItem.request_id == request.id, PlanItem.advisor_id.is_not(None)))
    return placed if placed is not None else request.pinned_start


def check_cancellable(request: AppointmentRequest | None, now: datetime | None = None) -> None:
    """BookingError unless `request` is an appointment that may still be cancelled or rebooked: not cancelled,
    no attendance recorded, and not yet started (from its start its attendance is recorded instead)."""
    if request is None:
        raise BookingError("No such appointment.", "request")
    if request.cancelled_at is not None:
        raise StateMoved(moved_words(request) or f"This appointment is already cancelled ({cancelled_words(request)}).",
                         "request")
    if request.attendance in ("attended", "dna"):
        raise StateMoved(f"This appointment has been marked {'attended' if request.attendance == 'attended' else 'DNA'}"
                         f"{recorded_words(request)}; it cannot be changed.", "request")
    start = appointment_start(request)
    if start is not None and start <= (now or utcnow()):
        raise BookingError(f"This appointment started at {to_local(start, request.team.timezone):%a %d %b %H:%M}, "
                           "so it can no longer be cancelled or moved: record its attendance instead (attended, "
                           "did not attend, or cancelled late).", "request")


def check_booked(request: AppointmentRequest, doing: str = "cancel") -> None:
    """BookingError naming `request` unless it has a time: booked at the desk, or placed by a published plan. A
    planning request still waiting for the planner is not a booking, so there is nothing to cancel or rebook;
    the week's requests page changes or removes it (a desk cancel would leave a cancelled wish in the record)."""
    if appointment_start(request) is None:
        what = ("book a new appointment, or change the request on the week's requests page" if doing == "rebook"
                else "to withdraw it, remove it on the week's requests page")
        raise BookingError(f"This is a planning request with no time yet, not a booked appointment, so there is "
                           f"nothing to {doing}: {what}.", "request")


def cancelled_words(request: AppointmentRequest) -> str:
    """Who cancelled it and when, as the desk says it: "by Lee Leader on Sun 29 Nov 10:00"."""
    who = request.cancelled_by
    name = f"by {who.display_name or who.username} " if who is not None else ""
    return f"{name}on {to_local(request.cancelled_at, request.team.timezone):%a %d %b %H:%M}"


def moved_words(request: AppointmentRequest) -> str | None:
    """A cancelled appointment that was rebooked, as the desk says it: "This appointment was already moved (rebooked
    by Lee Leader on Sun 29 Nov 10:00) to Thu 03 Dec 10:45." (the audit log's "appointment_rebooked" names the
    new one); None when it was cancelled, not moved."""
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "appointment_rebooked", AuditEvent.object_type == "AppointmentRequest",
        AuditEvent.object_id == request.id).order_by(AuditEvent.at.desc())).first()
    new = db.session.get(AppointmentRequest, (event.detail or {}).get("to") or 0) if event is not None else None
    if new is None:
        return None
    start = appointment_start(new)
    to = f" to {to_local(start, new.team.timezone):%a %d %b %H:%M}" if start is not None else ""
    return f"This appointment was already moved (rebooked {cancelled_words(request)}){to}."


def recorded_words(request: AppointmentRequest) -> str:
    """Who recorded its attendance and when, as the desk says it: " by Ann Advisor on Tue 01 Dec 12:00" ("" unknown)."""
    if request.attendance_at is None:
        return ""
    who = db.session.get(User, request.attendance_by_id) if request.attendance_by_id is not None else None
    name = f" by {who.display_name or who.username}" if who is not None else ""
    return f"{name} on {to_local(request.attendance_at, request.team.timezone):%a %d %b %H:%M}"


def removal(request_id: int | None) -> AuditEvent | None:
    """The audit log's "request_removed" of the planning request `request_id` (deleted on the week's requests
    page; the log is the only record of a deleted request: who, when, and its client in `detail`), else None."""
    if request_id is None:
        return None
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request_removed", AuditEvent.object_type == "AppointmentRequest",
        AuditEvent.object_id == request_id).order_by(AuditEvent.at.desc())).first()


def booked_words(request: AppointmentRequest) -> str:
    """Who booked a request at the desk, when, and for when: " (by Lee Leader on Sun 29 Nov 10:00, for Thu 03 Dec
    10:45)"; "" when its booking is not known."""
    booked = db.session.get(AppointmentRequest, request.booked_as_id) if request.booked_as_id is not None else None
    if booked is None:
        return ""
    tz = request.team.timezone
    who = db.session.get(User, booked.booked_by_id) if booked.booked_by_id is not None else None
    parts = [f"by {who.display_name or who.username}" if who is not None else "",
             f"on {to_local(booked.booked_at, tz):%a %d %b %H:%M}" if booked.booked_at is not None else ""]
    start = appointment_start(booked)
    said = " ".join(p for p in parts if p) + (f", for {to_local(start, tz):%a %d %b %H:%M}" if start is not None else "")
    return f" ({said.lstrip(', ')})" if said else ""


def check_not_removed(request_id: int | None, client: Client) -> None:
    """StateMoved (naming `fulfils`) when `request_id`, which names no request now, was one of `client`'s planning
    requests removed on the week's requests page since the page was shown, saying who and when; else nothing
    (check_fulfillable then refuses it as naming no request of this client: a made-up id is bad input)."""
    event = removal(request_id)
    if event is None or (event.detail or {}).get("client") != client.id:
        return
    who = event.user
    name = f"by {who.display_name or who.username} " if who is not None else ""
    raise StateMoved(f"This request was removed from the week's requests ({name}on "
                     f"{to_local(event.at, client.team.timezone):%a %d %b %H:%M}) since this page was shown: nothing "
                     "was booked. Book a new appointment if one is still wanted.", "fulfils")


def check_rebookable(request: AppointmentRequest | None, now: datetime | None = None) -> None:
    """check_cancellable, and the appointment has a time to move (check_booked)."""
    check_cancellable(request, now)
    check_booked(request, "rebook")


def check_fulfillable(request: AppointmentRequest | None, client: Client | None = None,
                      type_: AppointmentType | None = None) -> None:
    """BookingError naming `fulfils` unless `request` is a planning request (of `client`) still without a time:
    not cancelled, not booked at the desk for it already, not placed or pinned. The booking desk books it
    ("Book this request") when the planner could not. With `type_` (the type the desk was asked for), naming
    `type` unless it is the request's own: another type at the request's length would withdraw the request as
    met by an appointment it did not ask for."""
    if request is None or (client is not None and request.client_id != client.id):
        raise BookingError("is not a request of this client.", "fulfils")
    if type_ is not None and type_.id != request.type_id:
        if not request.type.active:  # it cannot be kept: say how to replace the request instead
            raise BookingError(f"This books the {request.type.name} requested for the week of "
                               f"{request.week_start:%d %b}, a type no longer offered: remove that request on the "
                               f"week's requests page and book a {type_.name} on its own.", "type")
        raise BookingError(f"This books the {request.type.name} requested for the week of "
                           f"{request.week_start:%d %b}: keep that type, or book a {type_.name} on its own (from the "
                           "client's page, without the request).", "type")
    if request.booked_as_id is not None:
        raise RequestTakenMeanwhile(f"This request has already been booked at the desk{booked_words(request)}.",
                                    "fulfils")
    if request.cancelled_at is not None:
        raise RequestTakenMeanwhile(f"This request was withdrawn ({cancelled_words(request)}).", "fulfils")
    if appointment_start(request) is not None:
        raise RequestTakenMeanwhile("This request already has a time: rebook that appointment instead.", "fulfils")
