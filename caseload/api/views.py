"""JSON API under /api/v1 (bearer tokens): teams, advisors, clients and appointment requests.

Scoped like the HTML pages: team leaders see the teams they lead, administrators every team, advisors
their own team and the clients they hold or cover. Out-of-scope objects are 404. Plans and planning
jobs are in plan_views.py; the OpenAPI document in openapi.py.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import date, datetime, timedelta

from flask import request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseload.api.blueprint import bp
from caseload.api.schemas import ApiError, advisor_json, body, client_json, invalid, request_json, team_json
from caseload.auth.access import can_manage_team, role_required
from caseload.extensions import db
from caseload.localtime import NoSuchLocalTime, typed_to_utc
from caseload.models import Advisor, AppointmentRequest, Client, Role, Team
from caseload.services.clients import notes
from caseload.services.desk import idempotency
from caseload.services.people import skill_codes
from caseload.services.planning.met_requests import met_by
from caseload.services.planning.problem import week_requests as requests_of
from caseload.services.rota import requests as rota_requests
from caseload.services.rota import type_codes
from caseload.services.rota import week as rota
from caseload.services.rota.coverage import request_warnings
from caseload.values import ValueRejected, check_day, parse_week
from caseload.timegrid import grid_message, on_grid
from scheduler.model import TIME_FORMAT

ANYONE = tuple(Role)
LEADERS = (Role.LEADER, Role.ADMIN)
# Service field names -> API field names, so a 422 names the field the caller sent.
FIELD_NAMES = {"client": "client_id", "named_advisor": "named_advisor_id", "pinned_advisor": "pinned_advisor_id",
               "pinned_day": "pinned_start", "pinned_time": "pinned_start", "type": "type"}


@bp.errorhandler(ApiError)
def api_error(err: ApiError):
    db.session.rollback()  # a refusal saves nothing: an Idempotency-Key claimed before it is released too
    return err.response()


def not_found(what: str = "object") -> ApiError:
    return ApiError(404, f"No such {what} in your teams.")


def refused(err: rota.RotaError) -> ApiError:
    if isinstance(err, rota.EditConflict):
        return ApiError(409, str(err))
    return invalid(FIELD_NAMES.get(err.field, err.field), str(err))


# --- scope -----------------------------------------------------------------------------------------

def may_see_team(team: Team) -> bool:
    if current_user.role == Role.ADVISOR:
        return current_user.advisor is not None and current_user.advisor.team_id == team.id
    return can_manage_team(current_user, team)


def team_or_404(team_id: int, manage: bool = False) -> Team:
    team = db.session.get(Team, team_id)
    if team is None or not (can_manage_team(current_user, team) if manage else may_see_team(team)):
        raise not_found("team")
    return team


def week_or_404(text: str) -> date:
    """The Monday in the path, one of the weeks the app plans (values.parse_week); else 404 saying why."""
    try:
        return parse_week(text)
    except ValueRejected as err:
        raise ApiError(404, f"No such week: {err}") from None
    except ValueError:
        raise not_found("week") from None


def client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None or client.erased_at is not None:
        raise not_found("client")
    if current_user.role == Role.ADVISOR:
        if not notes.may_see_client(current_user.advisor, client):
            raise not_found("client")
    elif not can_manage_team(current_user, client.team):
        raise not_found("client")
    return client


def managed_or_404(model, object_id: int, what: str):
    """An object (request, plan, planning job) of a team the caller manages; else 404 naming `what`."""
    found = db.session.get(model, object_id)
    if found is None or not can_manage_team(current_user, found.team):
        raise not_found(what)
    return found


def team_advisor(team_: Team, advisor_id: int, field: str) -> Advisor:
    """An advisor of `team_`; one of another team is refused exactly like one that does not exist, so the
    answer never tells whether an id belongs to another team."""
    found = db.session.get(Advisor, advisor_id)
    if found is None or found.team_id != team_.id:
        raise invalid(field, "no such advisor in this team")
    return found


def request_or_404(request_id: int) -> AppointmentRequest:
    return managed_or_404(AppointmentRequest, request_id, "request")


# --- who am I, teams, advisors -----------------------------------------------------------------------

@bp.get("/me")
@role_required(*ANYONE)
def me():
    return {"username": current_user.username, "role": current_user.role.value}


@bp.get("/teams")
@role_required(*ANYONE)
def teams():
    return [team_json(t) for t in db.session.scalars(select(Team).order_by(Team.name)) if may_see_team(t)]


@bp.get("/teams/<int:team_id>")
@role_required(*ANYONE)
def team(team_id):
    return team_json(team_or_404(team_id))


@bp.get("/teams/<int:team_id>/advisors")
@role_required(*ANYONE)
def team_advisors(team_id):
    found = team_or_404(team_id)
    return [advisor_json(a) for a in db.session.scalars(select(Advisor).where(Advisor.team_id == found.id)
                                                        .order_by(Advisor.name, Advisor.id))]


@bp.get("/advisors/<int:advisor_id>")
@role_required(*ANYONE)
def advisor(advisor_id):
    found = db.session.get(Advisor, advisor_id)
    if found is None or not may_see_team(found.team):
        raise not_found("advisor")
    return advisor_json(found)


# --- clients -----------------------------------------------------------------------------------------

@bp.get("/teams/<int:team_id>/clients")
@role_required(*ANYONE)
def team_clients(team_id):
    found = team_or_404(team_id)
    if current_user.role == Role.ADVISOR:
        mine = db.session.scalars(select(Client).where(Client.named_advisor_id == current_user.advisor.id,
                                                       Client.erased_at.is_(None)))
        clients = sorted({*mine, *notes.covered_clients(current_user.advisor)}, key=lambda c: c.reference)
    else:
        clients = rota.team_clients(found, request.args.get("q") or None)
    return [client_json(c) for c in clients]


@bp.get("/clients/<int:client_id>")
@role_required(*ANYONE)
def client(client_id):
    return client_json(client_or_404(client_id))


@bp.patch("/clients/<int:client_id>")
@role_required(*LEADERS)
def update_client(client_id):
    found = client_or_404(client_id)
    data = body("ClientChange")
    named = found.named_advisor
    if "named_advisor_id" in data:
        named = (team_advisor(found.team, data["named_advisor_id"], "named_advisor_id")
                 if data["named_advisor_id"] is not None else None)
    need = found.need
    if "need" in data:
        need = skill_codes.skill_by_code(data["need"]) if data["need"] is not None else None
        if data["need"] is not None and need is None:  # the clients CSV matches codes the same way
            raise invalid("need", f"no such skill {data['need']!r}")
    complexity = data.get("complexity", found.complexity)
    try:
        rota.update_client(found, named, need, complexity, data["version"], by=current_user)
    except rota.RotaError as err:
        raise refused(err) from err
    return client_json(found)


# --- appointment requests ----------------------------------------------------------------------------

def _local_time(text: str, field: str, tz: str, end: bool = False, day_bound: bool = False) -> datetime:
    """A local YYYY-MM-DDTHH:MM on the slot grid that exists in zone `tz` (a time the clocks skip is refused,
    localtime.typed_to_utc; with `day_bound`, a midnight is the day's bound and always taken); as an `end`,
    THH = 24:00 is the next day's 00:00. 422 else."""
    if end and text.endswith("T24:00"):
        day = _local_time(text[:-5] + "00:00", field, tz, day_bound=True)
        return day + timedelta(days=1)
    try:
        moment = datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        raise invalid(field, f"{text!r} is not a time YYYY-MM-DDTHH:MM") from None
    try:
        moment = check_day(moment)  # year 1 or 9999 has no UTC time in some zones (OverflowError)
    except ValueRejected as err:
        raise invalid(field, str(err)) from None
    if not on_grid(moment):
        raise invalid(field, grid_message(text))
    try:
        typed_to_utc(moment.date(), moment.time(), tz, midnight_is_day_start=day_bound)
    except NoSuchLocalTime as err:
        raise invalid(field, str(err)) from None
    return moment


def _windows(windows: list[dict], week_start: date, tz: str) -> list[rota_requests.Window]:
    lines = []
    for index, window in enumerate(windows):
        start = _local_time(window["start"], f"windows.{index}.start", tz, day_bound=True)
        end = _local_time(window["end"], f"windows.{index}.end", tz, end=True, day_bound=True)
        end_text = "24:00" if end.date() == start.date() + timedelta(days=1) and end.strftime("%H:%M") == "00:00" \
            else end.strftime("%H:%M")
        if end.date() != start.date() and end_text != "24:00":
            raise invalid(f"windows.{index}", "a window must start and end on the same day")
        lines.append(f"{start:%Y-%m-%d} {start:%H:%M}-{end_text}")
    try:
        return rota_requests.parse_windows("\n".join(lines), week_start)
    except rota.RotaError as err:
        raise invalid("windows", str(err)) from err


def _fields(team_: Team, week_start: date, data: dict) -> rota_requests.RequestFields:
    found = db.session.get(Client, data["client_id"])
    if found is None or found.team_id != team_.id or found.erased_at is not None:
        raise invalid("client_id", "no such client in this team")
    kind = type_codes.active_type_by_code(data["type"])  # " Follow-up " names "follow-up", as the CSV's type does
    if kind is None:
        raise invalid("type", f"no active appointment type {data['type']!r}")
    pinned_advisor = pinned_start = None
    if data.get("pinned_advisor_id") is not None:
        pinned_advisor = team_advisor(team_, data["pinned_advisor_id"], "pinned_advisor_id")
    if data.get("pinned_start") is not None:
        local = _local_time(data["pinned_start"], "pinned_start", team_.timezone)
        pinned_start = typed_to_utc(local.date(), local.time(), team_.timezone)
    return rota_requests.RequestFields(client=found, type=kind, duration_minutes=data["duration_minutes"],
                              windows=_windows(data["windows"], week_start, team_.timezone),
                              purpose=data.get("purpose"), pinned_advisor=pinned_advisor, pinned_start=pinned_start)


@bp.get("/teams/<int:team_id>/weeks/<week>/requests")
@role_required(*LEADERS)
def week_requests(team_id, week):
    found, week_start = team_or_404(team_id, manage=True), week_or_404(week)
    rows = requests_of(found, week_start)
    met = met_by(rows)  # the one rule (met_requests), for the whole week at once
    return [request_json(r, met) for r in rows]


@bp.post("/teams/<int:team_id>/weeks/<week>/requests")
@role_required(*LEADERS)
def create_request(team_id, week):
    found, week_start = team_or_404(team_id, manage=True), week_or_404(week)
    data = body("RequestFields")
    key, replay = _request_key(data, {"team_id": found.id, "week": week_start.isoformat()})
    if replay is not None:
        return replay
    try:
        created = rota_requests.add_request(found, week_start, _fields(found, week_start, data), by=current_user)
    except rota.RotaError as err:
        db.session.rollback()  # releases the key too
        raise refused(err) from err
    answer = _with_warnings(created)
    if key is not None:  # the key's row was committed with the request; now it holds the answer
        key.body = answer
        db.session.commit()
    return answer, 201, {"Location": f"/api/v1/requests/{created.id}"}


REQUEST_KEY = re.compile(r"[\x21-\x7e]{1,200}")  # as the document's Idempotency-Key pattern


def _request_key(data: dict, path: dict):
    """The optional Idempotency-Key of POST .../requests: (its row, claimed before the request is added, or None
    without a key; the first answer to give again, or None).

    A retry with a key already answered gets the first answer (201, `Idempotent-Replayed`); the same key with
    another body, or to another team or week (`path`, the route's parameters: the body alone let a send to the
    next week replay the first week's request), is a 422; a key whose first send is still being saved is a 409.
    The claim is flushed at once, so a racing retry waits at the unique (user, key) row instead of adding a twin."""
    text = request.headers.get("Idempotency-Key")
    if text is None:
        return None, None
    if not REQUEST_KEY.fullmatch(text):
        raise invalid("Idempotency-Key", "must be 1-200 printable ASCII characters without spaces")
    # Apart from the bookings' keys in the same table; hashed, so a 200-character key fits the column with its prefix.
    key = "request:" + hashlib.sha256(text.encode()).hexdigest()
    fingerprint = hashlib.sha256(json.dumps({"path": path, "body": data}, sort_keys=True).encode()).hexdigest()
    if (first := idempotency.stored(current_user.id, key)) is None:
        idempotency.remember(current_user.id, key, fingerprint, 201, {})
        try:
            db.session.flush()
            return idempotency.stored(current_user.id, key), None
        except IntegrityError:  # the racing send committed first
            db.session.rollback()
            first = idempotency.stored(current_user.id, key)
            if first is None:  # the racing send failed and took its claim with it: this send may try again
                raise _first_send_gone()
    if not idempotency.same_request(first, fingerprint, _older_fingerprint(first, data, path)):
        raise _another_request()
    for _ in range(30):  # the first send commits its request, then its answer: wait a moment for the answer
        if first.body:
            break
        time.sleep(0.1)
        db.session.rollback()  # nothing of ours to keep; a new transaction sees the first send's commit
        first = idempotency.stored(current_user.id, key)
        if first is None:  # the first send failed (rolled back, its claim with it) while this one waited
            raise _first_send_gone()
    if not first.body:
        raise ApiError(409, "A request with this Idempotency-Key is still being saved; retry in a moment.")
    if not idempotency.same_request(first, fingerprint, _older_fingerprint(first, data, path)):
        raise _another_request()  # an older-form row's team and week are known only once its answer is written
    return None, (first.body, first.status, {"Location": f"/api/v1/requests/{first.body['id']}",
                                             "Idempotent-Replayed": "true"})


def _first_send_gone() -> ApiError:
    """409: the first send with this key failed while this one waited; nothing was saved, the key is free again."""
    return ApiError(409, "The first request with this Idempotency-Key was not saved; send this one again.")


def _another_request() -> ApiError:
    return invalid("Idempotency-Key", "this Idempotency-Key was used for another request (another body, team or "
                                      "week); send a new key")


def _older_fingerprint(first, data: dict, path: dict) -> str | None:
    """The fingerprint `data` had before session 13 (the body alone; services/desk/idempotency: a key answered
    before the deploy holds it for a day), when `first`'s answer is a request of the route's team and week (what
    that fingerprint left out), else None. An answer not written yet is waited for, as any, and checked again once
    written (_request_key); idempotency.same_request takes it only from a row created before DEPLOYED_AT."""
    answer = first.body or {}
    if answer and (answer.get("team_id"), answer.get("week_start")) != (path["team_id"], path["week"]):
        return None
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@bp.get("/requests/<int:request_id>")
@role_required(*LEADERS)
def request_detail(request_id):
    return request_json(request_or_404(request_id))


CHANGEABLE = ("client_id", "type", "duration_minutes", "purpose", "windows", "pinned_advisor_id", "pinned_start")


@bp.patch("/requests/<int:request_id>")
@role_required(*LEADERS)
def update_request(request_id):
    found = request_or_404(request_id)
    data = body("RequestChange")  # `version` required: a change without it could overwrite a newer one
    if data["version"] != found.version_id:  # checked first: a stale edit is a conflict, whatever else it says
        raise ApiError(409, "This request was changed since you read it (by another user, or by you in another "
                            f"window). Nothing was saved: read it again (version {found.version_id}) and re-apply "
                            "your change.")
    # A field left out keeps its value: the stored request, read back in the API's own shape, under the change.
    merged = {key: value for key, value in request_json(found).items() if key in CHANGEABLE} | data
    try:
        rota_requests.update_request(found, _fields(found.team, found.week_start, merged), data["version"], by=current_user)
    except rota.RotaError as err:
        db.session.rollback()
        raise refused(err) from err
    return _with_warnings(found)


def _with_warnings(saved: AppointmentRequest) -> dict:
    """The saved request and, if the planner cannot place it as things stand, why (`warnings`)."""
    return {**request_json(saved), "warnings": request_warnings(saved)}
