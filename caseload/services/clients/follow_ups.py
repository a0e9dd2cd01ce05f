"""Follow-ups an advisor asks for from a client's page: a planning request for the planner, not a note.

"Follow-up in 2 weeks please" written in a contact note was only a note nobody acted on. Asking for a follow-up
makes an ordinary appointment request of the client's team in the week chosen, through the one way requests are
made (services/rota/requests.add_request: the leader's form, the CSV import and the API use it too), so the
leader's week requests, the planner and the desk see it like any other. The audit event (`request_added`) names
the advisor as the one who asked, with `asked_as` saying it was a follow-up; that event is how the client's page
finds the follow-ups to show with where each stands (services/planning/met_requests' rule, as the desk says it).

Who may ask: the client's named advisor or an advisor who covers them, the advisor who may read the client's
support notes (notes.may_read_notes, the one rule). An advisor whose only link is a compliance review sees the
client's page but asks for no support: policing is kept apart from support (NotYours, a 403).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import AppointmentRequest, AppointmentType, AuditEvent, Client, utcnow
from caseload.services.clients import notes
from caseload.services.desk.attendance import ClientView, Row
from caseload.services.desk.offers import ask_windows
from caseload.services.desk.unplaced import WEEKS_AHEAD, sort_out
from caseload.services.rota import requests as rota_requests
from caseload.services.rota.week import RotaError
from caseload.services.team_lock import lock_team

WEEKS_AWAY = 2  # the week a follow-up is asked for unless the advisor chooses another
ASKED_AS = "a follow-up, from the client's page"  # the audit event's `asked_as`: how the page finds follow-ups
NOT_YOURS = ("Follow-ups are asked by the client's named advisor or whoever covers them now. "
             "Nothing was asked for.")


class Refused(ValueError):
    """A follow-up refused for what the advisor may not do or what is there already, not input to correct (kept
    apart from RotaError, which names a field to correct: a 400); `field` the form field it is shown under."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotYours(Refused):
    """The advisor may not ask for this client's follow-up (they do not hold or cover them): a 403."""


class AlreadyAsked(Refused):
    """The client already has this type asked for (or booked) in that week: a second would have the planner see
    the client twice. Refused (409) naming the request there is."""


def may_ask(advisor, client: Client | None) -> bool:
    """The advisor may ask for the client's follow-up: they hold or cover the client (notes.may_read_notes)."""
    return notes.may_read_notes(advisor, client)


def refusal(advisor, client: Client) -> str:
    """Why `advisor` may not ask (a compliance review only, cover ended …: notes.notes_refusal), and that nothing
    was asked for."""
    why = notes.notes_refusal(advisor, client)
    return f"{why} {NOT_YOURS}" if why else NOT_YOURS


def follow_up_types() -> list[AppointmentType]:
    """The types an advisor may ask for: active support types, by name (a compliance review is policing, kept
    apart from support; a team leader arranges it)."""
    return list(db.session.scalars(select(AppointmentType).where(
        AppointmentType.active.is_(True), AppointmentType.kind == "support").order_by(AppointmentType.name)))


def weeks(client: Client, now: datetime | None = None) -> list[date]:
    """The weeks a follow-up may be asked for (their Mondays): the team's current week and the next 7."""
    first = this_week_start(client.team.timezone, now)
    return [first + timedelta(weeks=k) for k in range(WEEKS_AHEAD)]


def default_week(client: Client, now: datetime | None = None) -> date:
    """The week a follow-up is asked for unless the advisor chooses another: two weeks from this one."""
    return weeks(client, now)[WEEKS_AWAY]


@dataclass
class Asked:
    """What the advisor asked for (as typed, `windows` and `note` may be empty)."""

    type_id: int | None
    week_start: date
    windows: str = ""
    minutes: int | None = None
    note: str = ""


def ask(client: Client, asked: Asked, by, now: datetime | None = None) -> AppointmentRequest:
    """Save the follow-up as a request of the client's team in `asked.week_start`, audited as `request_added` by
    `by` (an advisor's user) with `asked_as`. No windows given: the desk's guess, Monday to Friday 09:00-17:00 (this
    week: from now on). No minutes: the type's length. The note is the request's purpose.

    NotYours (field None) when `by` may not ask (may_ask); RotaError naming the field for a type that is not one
    of follow_up_types ("type"), a week not in weeks ("week"), windows ("windows") or minutes ("duration_minutes")
    the planner cannot take; AlreadyAsked ("type") when a live request or booking of the client, type and week is
    there already (checked under the team's booking lock, so two asks at once make one request)."""
    if not may_ask(by.advisor, client):
        raise NotYours(refusal(by.advisor, client))
    kind = next((t for t in follow_up_types() if t.id == asked.type_id), None)
    if kind is None:
        raise RotaError("Choose one of the support appointment types listed.", "type")
    if asked.week_start not in weeks(client, now):
        raise RotaError(f"Choose one of the weeks listed (this week and the next {WEEKS_AHEAD - 1}).", "week")
    team = client.team
    text = (asked.windows or "").strip()
    if not text:
        week, text = ask_windows(team, asked.week_start, now)
        if week != asked.week_start or not text:
            raise RotaError("No time is left in this week: choose a later week, or give the days and times.", "week")
    fields = rota_requests.RequestFields(
        client=client, type=kind, duration_minutes=asked.minutes or kind.default_minutes,
        windows=rota_requests.parse_windows(text, asked.week_start, team.timezone),
        purpose=(asked.note or "").strip() or None)
    rota_requests.check_request(team, asked.week_start, fields)
    lock_team(team)
    there = already_asked(client, kind, asked.week_start)
    if there is not None:
        raise AlreadyAsked(there, "type")
    return rota_requests.add_request(team, asked.week_start, fields, by, asked_as=ASKED_AS)


def already_asked(client: Client, kind: AppointmentType, week_start: date) -> str | None:
    """The refusal when the client has a live (not cancelled) request or desk booking of `kind` in the week, else
    None."""
    found = db.session.scalar(select(AppointmentRequest).where(
        AppointmentRequest.client_id == client.id, AppointmentRequest.type_id == kind.id,
        AppointmentRequest.week_start == week_start, AppointmentRequest.cancelled_at.is_(None))
        .order_by(AppointmentRequest.id).limit(1))
    if found is None:
        return None
    what = "booked at the desk" if found.booked_at is not None else "asked for"
    return (f"{kind.name} for {client.reference} in the week of {week_start:%a %d %b %Y} is already {what}: "
            "nothing was asked for again. Choose another week or type.")


@dataclass
class FollowUp:
    """One follow-up as the client's page shows it: the request, who asked and when, and where it stands in
    words ("waiting to be planned", "planned: Tue 08 Dec 10:00 with Asha Evans", …); `book` when nobody will
    place it (the desk's "Book this request")."""

    request: AppointmentRequest
    asked_by: str
    asked_at: datetime
    status: str
    book: bool = False


def _when(row: Row) -> str:
    return f"{row.start:%a %d %b %H:%M}" + (f" with {row.advisor.name}" if row.advisor else "")


def follow_ups(client: Client, view: ClientView, now: datetime | None = None) -> list[FollowUp]:
    """The client's follow-ups (newest first) with where each stands, from the client's appointments `view`
    (attendance.client_view) and the desk's sorting of requests without a time (unplaced.sort_out, whose
    met_requests rule the planner follows too): waiting to be planned; not placed (book it at the desk); booked at
    the desk (in its place); planned (a time in the published plan); withdrawn. A removed request is gone."""
    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request_added", AuditEvent.object_type == "AppointmentRequest",
        AuditEvent.object_id.in_(select(AppointmentRequest.id).where(AppointmentRequest.client_id == client.id)))
        .order_by(AuditEvent.id.desc())))
    events = [e for e in events if (e.detail or {}).get("asked_as") == ASKED_AS]
    if not events:
        return []
    sorted_out = sort_out(view.waiting, view.upcoming + view.past, now)
    words: dict[int, tuple[str, bool]] = {}
    for row in view.upcoming + view.past:
        words[row.request.id] = (f"planned: {_when(row)}", False)
    for row in view.cancelled:
        words[row.request.id] = ("withdrawn", False)
    for row in view.waiting:  # booked from its link, that booking cancelled or moved since (sort_out skips it)
        if row.request.booked_as_id is not None:
            words[row.request.id] = ("booked at the desk, that booking since cancelled or moved", False)
    for row in sorted_out.waiting:
        words[row.request.id] = ("waiting to be planned", False)
    for row in sorted_out.not_placed:
        words[row.request.id] = ("not placed: book it at the desk", True)
    for row, booking in sorted_out.met:
        words[row.request.id] = (f"booked at the desk: {_when(booking)}", False)
    out = []
    for event in events:
        request = db.session.get(AppointmentRequest, event.object_id)
        if request is None or request.id not in words:
            continue
        who = event.user.display_name or event.user.username if event.user else "a removed user"
        status, book = words[request.id]
        out.append(FollowUp(request, who, event.at, status, book))
    return out
