"""Reading request bodies (checked against the OpenAPI schemas) and writing objects as JSON."""
from __future__ import annotations

from datetime import datetime

from flask import request, url_for
from jsonschema import Draft202012Validator

from caseload.api.openapi import LOCAL_END, LOCAL_TIME, SCHEMAS, WEEK
from caseload.localtime import to_local, wall_clock
from caseload.models import Advisor, AppointmentRequest, Client, Plan, SolveJob, Team
from caseload.services.planning.met_requests import met_by
from caseload.services.planning.runs import job_json
from caseload.timegrid import START_REFUSED
from caseload.values import MAX_JSON_DEPTH, ValueRejected, day_in_range, json_too_deep, parse_week, range_text, text_problem
from scheduler.model import TIME_FORMAT


class ApiError(Exception):
    """An API refusal: status, a message, and for 422 the fields at fault."""

    def __init__(self, status: int, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields

    def response(self):
        names = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity"}
        body = {"error": names.get(self.status, "Error"), "message": self.message}
        if self.status == 422:
            body["fields"] = self.fields or {}
        return body, self.status


def invalid(field: str | None, message: str) -> ApiError:
    return ApiError(422, f"{field}: {message}" if field else message, {field or "body": [message]})


def _validator(name: str) -> Draft202012Validator:
    # The components ride along so the schema's $refs resolve inside it.
    return Draft202012Validator({**SCHEMAS[name], "components": {"schemas": SCHEMAS}})


_VALIDATORS: dict[str, Draft202012Validator] = {}


def _field_of(error) -> str:
    if error.validator == "required":
        missing = [p for p in error.validator_value if isinstance(error.instance, dict) and p not in error.instance]
        path = list(error.absolute_path) + missing[:1]
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        path = list(error.absolute_path) + sorted(k for k in error.instance if k not in allowed)[:1]
    else:
        path = list(error.absolute_path)
    return ".".join(str(p) for p in path) or "body"


def _message(error) -> str:
    if error.validator == "required":
        return "is required"
    if error.validator == "additionalProperties":
        return "is not a field of this object"
    if error.validator == "type":
        wanted = error.validator_value
        return f"must be {' or '.join(wanted) if isinstance(wanted, list) else wanted}"
    if error.validator == "minLength" and error.validator_value == 1:
        return "must not be empty"
    if error.validator == "oneOf":
        return "has the wrong form"
    if error.validator == "pattern" and isinstance(error.instance, str):
        return _pattern_message(error.instance, error.validator_value)
    return error.message if len(error.message) < 200 else error.message[:200] + "…"


def _pattern_message(text: str, pattern: str) -> str:
    """Why `text` does not have the form the document gives, in words (the pattern itself helps nobody)."""
    problem = text_problem(text)
    if problem:
        return problem.rstrip(".")
    if pattern in (LOCAL_TIME["pattern"], LOCAL_END["pattern"]):
        midnight = pattern == LOCAL_END["pattern"] and text.endswith("T24:00")
        if not text.isascii():  # another script's digits, which the pattern's [0-9] refuses
            return f"{text!r} is not a time YYYY-MM-DDTHH:MM in the digits 0-9"
        if pattern == LOCAL_TIME["pattern"] and text.endswith("T24:00"):
            return f"{text}: {START_REFUSED}"
        try:
            moment = datetime.strptime(text[:-5] + "00:00" if midnight else text, TIME_FORMAT)
        except ValueError:
            return f"{text!r} is not a time YYYY-MM-DDTHH:MM"
        if not day_in_range(moment):
            return f"{moment.isoformat()[:10]} is not a date {range_text()}"
        if moment.minute % 15:
            return (f"{text} is not on the 15-minute grid: use a time on the quarter hour "
                    "(:00, :15, :30 or :45)")
        return f"{text!r} is not a time YYYY-MM-DDTHH:MM"  # e.g. single-digit parts, which strptime allows
    if pattern == WEEK["schema"]["pattern"]:  # a week: the same sentences as every other way in (values.parse_week)
        try:
            parse_week(text)
        except ValueRejected as err:
            return str(err)  # as booking_views._week says it, full stop and all
        except ValueError:
            return f"{text!r} is not a date YYYY-MM-DD"
    return f"{text!r} does not have the documented form"


def body(schema: str) -> dict:
    """The JSON body, validated against components/schemas/<schema>: 400 if not a JSON object (or nested
    deeper than values.MAX_JSON_DEPTH), 422 per field (schema errors, and text values.text_problem refuses)."""
    if json_too_deep(request.get_data(cache=True)):
        raise ApiError(400, f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep; no request needs that.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # json_too_deep should have caught it; a 400 all the same
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "Send a JSON object with Content-Type: application/json.")
    validator = _VALIDATORS.setdefault(schema, _validator(schema))
    fields: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        said = fields.setdefault(_field_of(error), [])
        if _message(error) not in said:  # each branch of a oneOf says "is required" again
            said.append(_message(error))
    for path, problem in _text_problems(data):
        if problem.rstrip(".") not in fields.get(path, []):  # the schema's pattern may have said it already
            fields.setdefault(path, []).append(problem.rstrip("."))
    if fields:
        raise ApiError(422, "Some fields are not right: " + "; ".join(f"{k} {v[0]}" for k, v in fields.items()),
                       fields)
    return _whole(data)


def _whole(value):
    """`value` with every number written with a zero fraction (5.0) as an int: JSON Schema counts 5.0 as an
    integer, and as a float it reached the services (offers' count 5.0 was refused naming `windows`, a series
    count of 2.0 as fewer than 2, a duration of 30.0 was echoed back as 30.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value


def _text_problems(value, path: str = "") -> list[tuple[str, str]]:
    """(path, reason) for each string (keys too) the edge refuses: control and invisible format characters (the
    API's texts are all one line), lone surrogates (no database can encode one), NUL (PostgreSQL cannot store it)."""
    if isinstance(value, str):
        problem = text_problem(value)
        return [(path or "body", problem)] if problem else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            # A key is shown as Python would escape it: a bad key cannot break the answer's own encoding.
            here = f"{path}.{key.encode('unicode_escape').decode('ascii') if text_problem(key) else key}".strip(".")
            problem = text_problem(key)
            found += [(here, "is a field name that " + problem)] if problem else _text_problems(item, here)
        return found
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _text_problems(item, f"{path}.{i}".strip("."))]
    return []


# --- writing ------------------------------------------------------------------------------------------

def local(moment: datetime | None, tz: str) -> str | None:
    return to_local(moment, tz).strftime(TIME_FORMAT) if moment else None


def local_bound(moment: datetime, tz: str) -> str:
    """A window's start or end as the API takes it back: a local day's first moment is its T00:00 even where the
    clocks skip midnight (localtime.wall_clock), so a window to midnight ends at the next day's T00:00, never T01:00
    (which reads as a window across two days and is refused when sent back)."""
    return wall_clock(moment, tz).strftime(TIME_FORMAT)


def team_json(team: Team) -> dict:
    return {"id": team.id, "name": team.name, "timezone": team.timezone,
            "leader": team.leader.display_name if team.leader else None}


def advisor_json(advisor: Advisor) -> dict:
    return {"id": advisor.id, "team_id": advisor.team_id, "name": advisor.name, "skills": advisor.skill_codes,
            "roles": advisor.roles, "protected_minutes": advisor.protected_minutes, "active": advisor.active}


def client_json(client: Client) -> dict:
    return {"id": client.id, "team_id": client.team_id, "reference": client.reference, "name": client.name,
            "named_advisor_id": client.named_advisor_id, "need": client.need.code if client.need else None,
            "complexity": client.complexity, "version": client.version_id}


def request_json(req: AppointmentRequest, met: dict[int, int] | None = None) -> dict:
    """A request in the API's shape (openapi "Request"). `met`: request id -> the desk booking that met it
    (met_requests.met_by) when read for many at once; else read here for this one."""
    tz = req.team.timezone
    if met is None:
        met = met_by([req])
    return {"id": req.id, "team_id": req.team_id, "week_start": req.week_start.isoformat(), "client_id": req.client_id,
            "type": req.type.code, "duration_minutes": req.duration_minutes, "purpose": req.purpose,
            "windows": [{"start": local_bound(w.starts_at, tz), "end": local_bound(w.ends_at, tz)} for w in req.windows],
            "pinned_advisor_id": req.pinned_advisor_id, "pinned_start": local(req.pinned_start, tz),
            "cancelled": req.cancelled_at is not None, "cancelled_at": local(req.cancelled_at, tz),
            "cancelled_by_id": req.cancelled_by_id, "met_by": met.get(req.id), "version": req.version_id}


def job_body(job: SolveJob) -> dict:
    data = job_json(job)
    data["url"] = url_for("api.get_job", job_id=job.id)
    data["plan_url"] = url_for("api.get_plan", plan_id=job.plan_id) if job.plan_id else None
    return data


def plan_summary(plan: Plan) -> dict:
    return {"id": plan.id, "team_id": plan.team_id, "week_start": plan.week_start.isoformat(), "status": plan.status,
            "published_version": plan.published_version, "version": plan.version_id, "score": plan.score,
            "figures": plan.figures}


def plan_json(plan: Plan) -> dict:
    tz = plan.team.timezone
    items = [{"request_id": i.request_id, "client_id": i.request.client_id if i.request else None,
              "advisor_id": i.advisor_id, "start": local(i.starts_at, tz), "end": local(i.ends_at, tz),
              "pinned": bool(i.pinned), "unassigned_reason": i.unassigned_reason} for i in plan.items]
    return {**plan_summary(plan), "items": items}
