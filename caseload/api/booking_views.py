"""The booking desk in the JSON API: offers, bookings (idempotent), cancel, attendance.

Scoped like the pages (caseload/desk/views.py): team leaders and administrators for the teams they manage,
advisors for the clients they hold or cover and into their own diary; anything else is 404. A booking that
loses a race is a 409 carrying fresh offers. `POST /bookings` needs an Idempotency-Key: the first answer is
stored with the booking in one transaction, and a retry with the same key and body gets it again.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date

from flask import request, url_for
from flask_login import current_user

from caseload.api.blueprint import bp
from caseload.api.schemas import ApiError, body, invalid, local
from caseload.auth.access import role_required
from caseload.api.views import ANYONE, _windows, client_or_404, not_found, team_or_404
from caseload.extensions import db
from caseload.models import AppointmentRequest, IdempotencyKey, Role, Team
from caseload.services.desk import attendance
from caseload.services.desk import asks
from caseload.services.desk import booking
from caseload.services.desk import cancelling
from caseload.services.desk.desk_week import DeskWeeks
from caseload.services.desk import offers as desk_offers
from caseload.services.desk import idempotency
from caseload.services.desk import kept_apart
from caseload.services.desk import notice_override
from caseload.services.desk import series
from caseload.services.rota import type_codes
from caseload.values import ValueRejected, parse_week

KEY = re.compile(r"[\x21-\x7e]{1,200}")  # as the document's Idempotency-Key pattern
# Service field names -> API field names.
FIELDS = {"client": "client_id", "advisor": "advisor_id", "type": "type", "windows": "windows", "purpose": "purpose",
          "start": "start", "reason": "reason", "request": "request_id", "repeat": "repeat.every_weeks",
          "count": "repeat.count", "starts": "starts", "replacing": "request_id",
          "notice_override": "notice_override"}


class Moved(ApiError):
    """409: what was sent was right when read, but the booking moved on since (asks.StateMoved: cancelled, its
    attendance recorded, by someone else or another client). Nothing saved; `offers` is empty (the BookingConflict
    shape of the booking paths' 409): none are fresh for an appointment that is no longer there to move; `current`:
    the booking's URL, to read it as it is now."""

    def __init__(self, message: str):
        super().__init__(409, message)

    def response(self):
        body, status = super().response()
        body = {**body, "offers": []}
        if (request_id := (request.view_args or {}).get("request_id")) is not None:
            body["current"] = url_for("api.get_booking", request_id=request_id)
        return body, status


class Refused(ApiError):
    """403 with a machine-readable `code` (say kept_apart.CODE) beside the message: what the token's user may not do."""

    def __init__(self, code: str, message: str):
        super().__init__(403, message)
        self.code = code

    def response(self):
        body, status = super().response()
        return {**body, "code": self.code}, status


def _refused(err: asks.BookingError) -> ApiError:
    """422 naming the field for input wrong in itself; 409 when it was right when read but the booking moved on
    since (asks.StateMoved: cancelled, attendance recorded, request booked or removed, by someone else); 403 for
    what the token's user may not do (notice_override.OverrideNotAllowed: an advisor setting the notice aside;
    kept_apart.SupportKeptApart, with its `code`: an advisor booking themselves support for a client whose support
    notes they may not read)."""
    if isinstance(err, kept_apart.SupportKeptApart):
        return Refused(err.code, str(err))
    if isinstance(err, asks.StateMoved):
        return Moved(str(err))
    if isinstance(err, notice_override.OverrideNotAllowed):
        return ApiError(403, f"{FIELDS.get(err.field, err.field)}: {err}")
    return invalid(FIELDS.get(err.field, err.field), str(err))


def _week(text: str) -> date:
    try:
        return parse_week(text)
    except ValueRejected as err:
        raise invalid("week", str(err)) from None
    except ValueError:
        raise invalid("week", f"{text!r} is not a date YYYY-MM-DD") from None


def _ask(team: Team, data: dict) -> asks.Ask:
    client = client_or_404(data["client_id"])
    if client.team_id != team.id:
        raise not_found("client")
    kind = type_codes.active_type_by_code(data["type"])  # " Follow-up " names "follow-up", as the CSV's type does
    if kind is None:
        raise invalid("type", f"no active appointment type {data['type']!r}")
    week = _week(data["week"])
    advisor = None
    if current_user.role == Role.ADVISOR:
        advisor = current_user.advisor
        if advisor is None:
            raise not_found("advisor record for your account")
    return asks.Ask(client=client, type=kind, week_start=week, windows=_windows(data["windows"], week, team.timezone),
                       purpose=data.get("purpose"), advisor=advisor)


def _repeat(data: dict) -> series.Repeat | None:
    given = data.get("repeat")
    return series.Repeat(given["every_weeks"], given["count"]) if given else None


def offer_json(offer, tz: str) -> dict:
    """An Offer, or a SeriesOffer (with its `instances`)."""
    if isinstance(offer, series.SeriesOffer):
        first = offer.instances[0]
        return {"advisor_id": offer.advisor.id, "advisor": offer.advisor.name, "start": offer.local,
                "end": local(first.end, tz), "score_delta": offer.score_delta, "reasons": offer.reasons,
                "instances": [{"start": o.local, "end": local(o.end, tz)} for o in offer.instances],
                "moved_for_closures": offer.moved}
    return {"advisor_id": offer.advisor.id, "advisor": offer.advisor.name, "start": offer.local,
            "end": local(offer.end, tz), "score_delta": offer.score_delta, "reasons": offer.reasons}


def refusal_json(client, refused) -> dict | None:
    """Why the client's named advisor is not offered (desk_offers.named_refusal_of, as the desk's offers page says
    it): their id and name, the refusal's code (refusals.CODES) and the sentence; None when they are offered, the
    client has none, or an advisor asks for their own diary."""
    if refused is None:
        return None
    named = client.named_advisor
    return {"advisor_id": named.id, "advisor": named.name, "code": refused.code,
            "message": f"{named.name}, {client.reference}'s named advisor, is not offered: {refused.words}."}


def booking_json(item: AppointmentRequest) -> dict:
    tz = item.team.timezone
    placed = attendance.placements([item.id]).get(item.id)
    row = attendance.row_of(item, placed)
    plan = placed.plan if placed is not None else None
    return {"id": item.id, "team_id": item.team_id, "client_id": item.client_id,
            "advisor_id": row.advisor.id if row.advisor else None, "type": item.type.code,
            "week_start": item.week_start.isoformat(),
            "start": local(row.start, tz) if row.start else None, "end": local(row.end, tz) if row.end else None,
            "status": "cancelled" if item.cancelled_at else "booked", "attendance": item.attendance,
            "cancelled_at": local(item.cancelled_at, tz), "cancelled_by": _who(item.cancelled_by),
            "plan_id": plan.id if plan else None, "published_version": plan.published_version if plan else None,
            "series": _series_json(item)}


def _who(user) -> dict | None:
    return {"id": user.id, "name": user.display_name or user.username} if user is not None else None


def _series_json(item: AppointmentRequest) -> dict | None:
    if item.series_id is None:
        return None
    one = item.series
    ids = [r.id for r in series.instances(one) if r.cancelled_at is None or r.id == item.id]
    return {"id": one.id, "every_weeks": one.every_weeks, "count": one.count, "instance": item.series_index,
            "booking_ids": ids}


def booking_or_404(request_id: int) -> AppointmentRequest:
    found = db.session.get(AppointmentRequest, request_id)
    if found is None:
        raise not_found("booking")
    try:
        client_or_404(found.client_id)
    except ApiError:
        raise not_found("booking") from None
    return found


@bp.post("/teams/<int:team_id>/offers")
@role_required(*ANYONE)
def team_offers(team_id):
    team = team_or_404(team_id)
    data = body("OfferAsk")
    ask, repeat = _ask(team, data), _repeat(data)
    count = data.get("count", desk_offers.DEFAULT_COUNT)
    try:
        kept_apart.check_offers(ask, current_user)  # nothing offered that booking would refuse (403)
        weeks = DeskWeeks()  # this request's weeks, each built once (as the bookings are now)
        if repeat is None:
            found = desk_offers.offers(team, ask, count=count, weeks=weeks)
            why = None if found else desk_offers.why_none(team, ask, weeks=weeks)
        else:
            found = series.series_offers(team, ask, repeat, count=count, weeks=weeks)
            why = None if found else series.why_none(team, ask, repeat, weeks=weeks)
        named = desk_offers.named_refusal_of(team, ask, found, series=repeat is not None, weeks=weeks)
    except asks.BookingError as err:
        raise _refused(err) from None
    return {"offers": [offer_json(o, team.timezone) for o in found], "unplaceable": why,
            "named_advisor_refusal": refusal_json(ask.client, named)}


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not key.strip():
        raise invalid("Idempotency-Key", "send an Idempotency-Key header (a new key for each booking)")
    if not KEY.fullmatch(key):
        raise invalid("Idempotency-Key", "must be 1-200 printable ASCII characters without spaces")
    return key


def _stored(key: str) -> IdempotencyKey | None:
    return idempotency.stored(current_user.id, key)


def _replay(stored: IdempotencyKey, fingerprint: str):
    if stored.fingerprint != fingerprint:
        raise invalid("Idempotency-Key", "this key was used for another booking; send a new key")
    return stored.body, stored.status, {"Idempotent-Replayed": "true"}


def _idempotent(key: str, data: dict, team: Team, run):
    """Run `run(before_commit, replay)` at most once per (user, key): the first answer is stored with the booking
    in its transaction; a retry (or a racer) with the same key and body gets it back, another body is a 422."""
    fingerprint = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    if (stored := _stored(key)) is not None:
        return _replay(stored, fingerprint)
    user_id = current_user.id

    def remember(booked) -> None:
        first = booked.requests[0] if isinstance(booked, series.BookedSeries) else booked.request
        idempotency.remember(user_id, key, fingerprint, 201, booking_json(first))

    def earlier():
        found = _stored(key)
        return None if found is None else (found.body, found.status, found.fingerprint)

    try:
        result = run(remember, earlier)
    except asks.BookingError as err:
        raise _refused(err) from None
    except asks.BookingConflict as err:
        if (stored := _stored(key)) is not None:  # the same key booked by a retry at the same moment
            return _replay(stored, fingerprint)
        return {"error": "Conflict", "message": str(err),
                "offers": [offer_json(o, team.timezone) for o in err.offers]}, 409
    if isinstance(result, tuple):  # a retry that waited on the lock for the first try to finish
        answer, status, first = result
        if first != fingerprint:
            raise invalid("Idempotency-Key", "this key was used for another booking; send a new key")
        return answer, status, {"Idempotent-Replayed": "true"}
    first = result.requests[0] if isinstance(result, series.BookedSeries) else result.request
    return booking_json(first), 201


@bp.post("/bookings")
@role_required(*ANYONE)
def create_booking():
    key = _idempotency_key()
    data = body("BookingFields")
    if (stored := _stored(key)) is not None:
        return _replay(stored, hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest())
    team = client_or_404(data["client_id"]).team
    ask, repeat = _ask(team, data), _repeat(data)
    if repeat is None:
        return _idempotent(key, data, team, lambda remember, earlier: booking.book(
            team, ask, data["advisor_id"], data["start"], current_user, before_commit=remember, replay=earlier))
    starts = data.get("starts") or []
    if starts and starts[0] != data["start"]:
        raise invalid("starts", "the first of starts must be start")
    return _idempotent(key, data, team, lambda remember, earlier: series.book_series(
        team, ask, repeat, data["advisor_id"], starts, current_user, before_commit=remember, replay=earlier))


def _rebook_ask(item: AppointmentRequest, data: dict) -> asks.Ask:
    try:  # rebook is for appointments with a time: not a planning request waiting for the planner
        asks.check_rebookable(item)  # cancelled or recorded since it was read: a 409 saying by whom and when
    except asks.StateMoved as err:
        raise Moved(f"{err} Book a new one.") from None
    except asks.BookingError as err:
        raise invalid("request_id", str(err)) from None
    team = item.team
    week = _week(data["week"])
    advisor = None
    if current_user.role == Role.ADVISOR:
        advisor = current_user.advisor
    ask = asks.Ask(client=item.client, type=item.type, week_start=week,
                   windows=_windows(data["windows"], week, team.timezone), purpose=data.get("purpose"),
                   advisor=advisor, replacing=item, notice_override=data.get("notice_override"))
    try:  # as the desk's page: only a leader, with a reason, for an appointment an absence or closure breaks
        notice_override.check_notice_override(ask, current_user)
    except asks.BookingError as err:
        raise _refused(err) from None
    return ask


@bp.post("/bookings/<int:request_id>/offers")
@role_required(*ANYONE)
def rebook_offers(request_id):
    """Offers to move a booked appointment: its own time counts as free; the client's named advisor's offers come
    first, then those of the advisor it was with (desk_offers.rebook_rank)."""
    item = booking_or_404(request_id)
    data = body("RebookAsk")
    ask = _rebook_ask(item, data)
    try:
        kept_apart.check_offers(ask, current_user)  # nothing offered that booking would refuse (403)
        weeks = DeskWeeks()  # this request's week, built once (as the bookings are now)
        found = desk_offers.offers(item.team, ask, count=data.get("count", desk_offers.DEFAULT_COUNT), weeks=weeks)
        why = None if found else desk_offers.why_none(item.team, ask, weeks=weeks)
        named = desk_offers.named_refusal_of(item.team, ask, found, weeks=weeks)
    except asks.BookingError as err:
        raise _refused(err) from None
    return {"offers": [offer_json(o, item.team.timezone) for o in found], "unplaceable": why,
            "named_advisor_refusal": refusal_json(item.client, named)}


@bp.post("/bookings/<int:request_id>/rebook")
@role_required(*ANYONE)
def rebook(request_id):
    """Book one of the rebook offers; the old appointment is cancelled in the same transaction."""
    key = _idempotency_key()
    item = booking_or_404(request_id)
    data = body("RebookFields")
    if (stored := _stored(key)) is not None:
        return _replay(stored, hashlib.sha256(json.dumps({**data, "rebook": request_id}, sort_keys=True).encode()).hexdigest())
    ask = _rebook_ask(item, data)
    team = item.team
    return _idempotent(key, {**data, "rebook": request_id}, team, lambda remember, earlier: booking.book(
        team, ask, data["advisor_id"], data["start"], current_user, before_commit=remember, replay=earlier))


@bp.get("/bookings/<int:request_id>")
@role_required(*ANYONE)
def get_booking(request_id):
    return booking_json(booking_or_404(request_id))


@bp.post("/bookings/<int:request_id>/cancel")
@role_required(*ANYONE)
def cancel_booking(request_id):
    item = booking_or_404(request_id)
    data = body("Cancel")
    try:
        cancelling.cancel(item, current_user, late=data.get("late"), reason=data.get("reason"))
    except asks.BookingError as err:
        raise _refused(err) from None
    except asks.BookingConflict as err:
        raise ApiError(409, str(err)) from None
    return booking_json(db.session.get(AppointmentRequest, request_id))


@bp.post("/bookings/<int:request_id>/attendance")
@role_required(*ANYONE)
def booking_attendance(request_id):
    item = booking_or_404(request_id)
    data = body("Attendance")
    try:
        attendance.mark(item, data["outcome"], current_user, seen=data.get("was"))
    except attendance.AttendanceMoved as err:
        raise Moved(str(err)) from None
    except attendance.AttendanceError as err:
        raise invalid("outcome", str(err)) from None
    return booking_json(db.session.get(AppointmentRequest, request_id))
