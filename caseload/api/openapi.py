"""The OpenAPI 3.1 description of /api/v1, written by hand.

The component schemas are also what the API validates request bodies against (api/schemas.py),
so the document and the behaviour cannot drift apart; the tests validate every response against it.
"""
from __future__ import annotations

from datetime import date

from caseload.api import booking_docs
from caseload.api.blueprint import bp
from caseload.auth.access import public
from caseload.localtime import this_week_start
from caseload.security import MAX_ID

# The forms the server reads (api/views.py, caseload/values.py): a calendar-shaped day in the years the app
# plans (2000-2099), hours 00-23 and the 15-minute slot grid; an end may also be 24:00, midnight at the end
# of that day. Text is one line without control characters (C0, DEL, C1) or invisible format characters (Cf:
# bidi overrides, zero-width characters; a ZWNJ or ZWJ only between two letters, as Persian or Indic names need).
# [0-9], not \d: the document's patterns are ECMA-262's, where \d is 0-9, but the server checks them with Python's
# re, where \d is any script's digit ("2026-12-01T0٩:00" was taken as 09:00, "202٢-12-01" as 2022).
_DAY = r"20[0-9][0-9]-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_CLOCK = r"(?:[01][0-9]|2[0-3]):(?:00|15|30|45)"
LOCAL_TIME = {"type": "string", "pattern": rf"^{_DAY}T{_CLOCK}$",
              "description": "Wall-clock time in the team's time zone, YYYY-MM-DDTHH:MM, on the 15-minute grid"}
LOCAL_END = {"type": "string", "pattern": rf"^{_DAY}T(?:{_CLOCK}|24:00)$",
             "description": "Like a start; 24:00 (or 00:00 of the next day) is midnight at the end of the day"}
ONE_LINE = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
WEEK = {"name": "week", "in": "path", "required": True,
        "description": "The Monday starting the week, YYYY-MM-DD; any other day is 404",
        "schema": {"type": "string", "format": "date", "pattern": rf"^{_DAY}$"}}


def _id(name: str) -> dict:
    # The URL converter matches only 0..MAX_ID (security.BoundedIntConverter); anything else is 404.
    return {"name": name, "in": "path", "required": True, "example": 1,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def _examples(week: date) -> dict:
    """Example bodies on `week` (the demo office's ids and types: client 1 is in team 1, north), so a reader,
    and the fuzzer's examples phase, has a request that works against a fresh `make run`."""
    day = week.isoformat()
    fields = {"client_id": 1, "type": "follow-up", "duration_minutes": 30, "purpose": "Budget review",
              "windows": [{"start": f"{day}T09:00", "end": f"{day}T12:00"}]}
    return {"RequestFields": [fields], "RequestChange": [{**fields, "version": 1}],
            "ClosureFields": [{"day": "2026-12-25", "team_id": None, "reason": "Christmas Day"}],
            "ClientChange": [{"version": 1, "complexity": 2}], "Publish": [{"version": 1}],
            "JobRequest": [{"time_limit": 30}]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    text = {400: "Malformed request (not JSON, or not an object)", 401: "No valid bearer token",
            403: "The token's user may not do this", 404: "Not found, or not in the caller's teams",
            409: "Conflict: the record changed since it was read, or the week is busy",
            422: "Validation failed; `fields` names each field at fault",
            503: "The planning queue could not be reached (the run is recorded failed), or the database is busy; "
                 "nothing was saved: try again (Retry-After)"}
    return {str(c): _json(_ref("ValidationError" if c == 422 else "Error"), text[c]) for c in codes}


def _op(summary: str, ok: str, schema: dict, *errors: int, status: str = "200", params=(), body: str | None = None,
        headers: dict | None = None, body_required: bool = True) -> dict:
    response = _json(schema, ok)
    if headers:
        response["headers"] = headers
    op = {"summary": summary, "parameters": list(params), "responses": {status: response, **_errors(401, *errors)}}
    if body:
        op["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": _ref(body)}}}
    return op


def _list(name: str) -> dict:
    return {"type": "array", "items": _ref(name)}


NULLABLE_INT = {"type": ["integer", "null"]}
# Ids and versions sent to the API: database integers (a larger number cannot name anything).
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
NULLABLE_STR = {"type": ["string", "null"]}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "message"],
              "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                             "code": {"type": "string", "description": "Some 403s: why, for a program (support_kept_apart: "
                                      "an advisor booking themselves support for a client they may not support)"}}},
    "ValidationError": {"type": "object", "required": ["error", "message", "fields"],
                        "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                                       "fields": {"type": "object",
                                                  "additionalProperties": {"type": "array", "items": {"type": "string"}}}}},
    "Me": {"type": "object", "required": ["username", "role"],
           "properties": {"username": {"type": "string"},
                          "role": {"enum": ["administrator", "team_leader", "advisor"]}}},
    "Team": {"type": "object", "required": ["id", "name", "timezone", "leader"],
             "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "timezone": {"type": "string"},
                            "leader": NULLABLE_STR}},
    "Advisor": {"type": "object", "required": ["id", "team_id", "name", "skills", "roles", "active"],
                "properties": {"id": {"type": "integer"}, "team_id": {"type": "integer"}, "name": {"type": "string"},
                               "skills": {"type": "array", "items": {"type": "string"}},
                               "roles": {"type": "array", "items": {"enum": ["support", "policing"]}},
                               "protected_minutes": {"type": "integer"}, "active": {"type": "boolean"}}},
    "Client": {"type": "object", "required": ["id", "team_id", "reference", "name", "named_advisor_id", "need",
                                              "complexity", "version"],
               "properties": {"id": {"type": "integer"}, "team_id": {"type": "integer"},
                              "reference": {"type": "string"}, "name": {"type": "string"},
                              "named_advisor_id": NULLABLE_INT, "need": NULLABLE_STR,
                              "complexity": {"type": "integer", "minimum": 1, "maximum": 3},
                              "version": {"type": "integer"}}},
    "ClientChange": {"type": "object", "additionalProperties": False, "required": ["version"],
                     "description": "Send the `version` you read; if the client changed since, the answer is 409.",
                     "properties": {"version": ID, "named_advisor_id": NULLABLE_ID,
                                    "need": {"type": ["string", "null"], "maxLength": 40, "pattern": ONE_LINE,
                                             "description": "A skill code"},
                                    "complexity": {"type": "integer", "minimum": 1, "maximum": 3}}},
    "Window": {"type": "object", "additionalProperties": False, "required": ["start", "end"],
               "properties": {"start": LOCAL_TIME, "end": LOCAL_END}},
    "Request": {"type": "object", "required": ["id", "team_id", "week_start", "client_id", "type", "duration_minutes",
                                               "purpose", "windows", "pinned_advisor_id", "pinned_start", "cancelled",
                                               "cancelled_at", "cancelled_by_id", "met_by", "version"],
                "properties": {"id": {"type": "integer"}, "team_id": {"type": "integer"},
                               "week_start": {"type": "string", "format": "date"}, "client_id": {"type": "integer"},
                               "type": {"type": "string"}, "duration_minutes": {"type": "integer"},
                               "purpose": NULLABLE_STR, "windows": _list("Window"),
                               "pinned_advisor_id": NULLABLE_INT,
                               "pinned_start": {**LOCAL_TIME, "type": ["string", "null"]},
                               "cancelled": {"type": "boolean", "description": "Cancelled at the booking desk (a "
                                             "cancelled request is kept for the record and never planned)"},
                               "cancelled_at": {"type": ["string", "null"], "description": "When it was cancelled, "
                                                "the team's local time YYYY-MM-DDTHH:MM; null if it is not"},
                               "cancelled_by_id": {**NULLABLE_INT, "description": "The user who cancelled it (or "
                                                   "rebooked it elsewhere); null if it is not cancelled, or that "
                                                   "account is gone"},
                               "met_by": {**NULLABLE_INT, "description": "The id of the desk booking that met "
                                          "this request, so the planner leaves it out: the one booked from it, or "
                                          "a later booking of the same client and type in its week or a later one "
                                          "(services/planning/met_requests); null if none has (and for a desk "
                                          "booking itself). Not stored: cancel that booking and this is null again"},
                               "version": {"type": "integer"},
                               "warnings": {"type": "array", "items": {"type": "string"},
                                            "description": "After a POST or PATCH: why the planner cannot place the "
                                                           "request as things stand (saved all the same)"}}},
    "RequestFields": {
        "type": "object", "additionalProperties": False,
        "required": ["client_id", "type", "duration_minutes", "windows"],
        "properties": {"client_id": ID, "type": {"type": "string", "minLength": 1, "maxLength": 40,
                                                 "pattern": ONE_LINE,
                                                 "description": "An active appointment type's code"},
                       "duration_minutes": {"type": "integer", "minimum": 15, "maximum": 480, "multipleOf": 15},
                       "purpose": {"type": ["string", "null"], "maxLength": 200, "pattern": ONE_LINE},
                       "windows": {"type": "array", "items": _ref("Window"), "minItems": 1, "maxItems": 50},
                       "pinned_advisor_id": NULLABLE_ID,
                       "pinned_start": {**LOCAL_TIME, "type": ["string", "null"]},
                       "version": {**ID, "description": "Ignored when adding a request"}}},
    "JobRequest": {"type": "object", "additionalProperties": False,
                   "properties": {"time_limit": {"type": "integer", "minimum": 1, "maximum": 3600}}},
    "Job": {"type": "object", "required": ["id", "status", "message", "progress", "time_limit", "plan_id", "url"],
            "properties": {"id": {"type": "integer"},
                           "status": {"enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
                           "message": NULLABLE_STR, "progress": {"type": "object"}, "time_limit": {"type": "number"},
                           "plan_id": NULLABLE_INT, "cancel_requested": {"type": "boolean"},
                           "url": {"type": "string"}, "plan_url": NULLABLE_STR}},
    "Region": {"type": "object", "required": ["week", "totals", "teams"],
               "description": "Every team's latest planning run of the week, and the region's totals (fractions 0..1)",
               "properties": {
                   "week": {"type": "string", "format": "date"},
                   "started": {"type": "integer", "description": "Runs queued by this request (POST only)"},
                   "busy": {"type": "array", "items": {"type": "integer"},
                            "description": "Teams skipped by this request: their week was already being planned"},
                   "cancelled": {"type": "integer", "description": "Runs cancelled by this request (cancel only)"},
                   "totals": {"type": "object", "required": ["teams", "counts", "appointments", "placed", "unplaced",
                                                             "fill", "continuity", "protected"],
                              "properties": {"teams": {"type": "integer"}, "counts": {"type": "object"},
                                             "appointments": {"type": "integer"}, "placed": {"type": "integer"},
                                             "unplaced": {"type": "integer"}, "fill": {"type": ["number", "null"]},
                                             "continuity": {"type": ["number", "null"]},
                                             "protected": {"type": ["number", "null"]}}},
                   "teams": {"type": "array", "items": {
                       "type": "object", "required": ["team_id", "team", "state", "job", "figures", "placed", "unplaced"],
                       "properties": {"team_id": {"type": "integer"}, "team": {"type": "string"},
                                      "state": {"enum": ["none", "queued", "running", "succeeded", "failed",
                                                         "cancelled"]},
                                      "job": {"oneOf": [{"type": "null"}, _ref("Job")]},
                                      "figures": {"type": "object"}, "placed": {"type": "integer"},
                                      "unplaced": {"type": "integer"}}}}}},
    "PlanItem": {"type": "object", "required": ["request_id", "client_id", "advisor_id", "start", "end", "pinned",
                                                "unassigned_reason"],
                 "properties": {"request_id": NULLABLE_INT, "client_id": NULLABLE_INT, "advisor_id": NULLABLE_INT,
                                "start": {**LOCAL_TIME, "type": ["string", "null"]},
                                "end": {**LOCAL_TIME, "type": ["string", "null"]},
                                "pinned": {"type": "boolean"}, "unassigned_reason": NULLABLE_STR}},
    "PlanSummary": {"type": "object", "required": ["id", "team_id", "week_start", "status", "published_version",
                                                   "version", "score", "figures"],
                    "properties": {"id": {"type": "integer"}, "team_id": {"type": "integer"},
                                   "week_start": {"type": "string", "format": "date"},
                                   "status": {"enum": ["draft", "published", "superseded"]},
                                   "published_version": NULLABLE_INT, "version": {"type": "integer"},
                                   "score": NULLABLE_INT, "figures": {"type": ["object", "null"]}}},
    "Plan": {"allOf": [_ref("PlanSummary"), {"type": "object", "required": ["items"],
                                             "properties": {"items": _list("PlanItem")}}]},
    "Publish": {"type": "object", "additionalProperties": False, "required": ["version"],
                "properties": {"version": {**ID, "description": "The plan's version you read"},
                               "published_version": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1,
                                                     "description":
                                                     "The week's published version you saw (0: none); optional"}}},
    "Closure": {"type": "object", "required": ["id", "day", "team_id", "team", "reason"],
                "description": "An office closure day: nothing is planned, offered or booked on it for the team "
                               "(or every team: team_id null)",
                "properties": {"id": {"type": "integer"}, "day": {"type": "string", "format": "date"},
                               "team_id": NULLABLE_INT, "team": NULLABLE_STR, "reason": {"type": "string"},
                               "to_rebook": {"type": "array", "description": "After a POST: per affected team and "
                                             "week, how many booked appointments fall on the day (to rebook at the "
                                             "desk: nothing is dropped)",
                                             "items": {"type": "object", "required": ["team_id", "week", "appointments"],
                                                       "properties": {"team_id": {"type": "integer"},
                                                                      "week": {"type": "string", "format": "date"},
                                                                      "appointments": {"type": "integer"}}}}}},
    "ClosureFields": {"type": "object", "additionalProperties": False, "required": ["day", "reason"],
                      "properties": {"day": {"type": "string", "format": "date", "pattern": rf"^{_DAY}$",
                                             "description": "The local calendar day the office is closed"},
                                     "team_id": {**NULLABLE_ID, "description": "One team's office; null or left "
                                                 "out: the whole service"},
                                     "reason": {"type": "string", "minLength": 1, "maxLength": 120,
                                                "pattern": ONE_LINE, "description": "Why, e.g. \"Christmas Day\""}}},
    "ClosurePage": {"type": "object", "required": ["closures", "total", "page", "pages", "per_page"],
                    "properties": {"closures": _list("Closure"), "total": {"type": "integer"},
                                   "page": {"type": "integer"}, "pages": {"type": "integer"},
                                   "per_page": {"type": "integer"}}},
}

# PATCH /requests/{id}: the version you read (a newer change is a 409) and only the fields you change
# (JSON merge-patch style: a field left out keeps its value, null clears an optional one).
SCHEMAS["RequestChange"] = {
    **SCHEMAS["RequestFields"], "required": ["version"],
    "properties": {**SCHEMAS["RequestFields"]["properties"],
                   "version": {**ID, "description": "The request's version you read"}}}

# The booking desk's bodies and answers, in the same forms as the rest of the document.
SCHEMAS.update(booking_docs.schemas(LOCAL_TIME, ONE_LINE, ID, WEEK["schema"]))

# Optional on POST .../requests: a retry after a lost answer must not add the request twice.
REQUEST_KEY = {**booking_docs.IDEMPOTENCY_KEY, "required": False,
               "description": "Optional: a key of your choosing (1-200 printable characters), new for each request. "
                              "A retry with the same key and body returns the first answer (header "
                              "`Idempotent-Replayed: true`) and adds nothing; the same key with another body is a "
                              "422. Kept for 24 hours."}

_DATE_QUERY = {"type": "string", "format": "date", "pattern": rf"^{_DAY}$"}
CLOSURE_QUERY = [
    {"name": "from", "in": "query", "required": False, "schema": _DATE_QUERY,
     "description": "Only closures on or after this day, YYYY-MM-DD"},
    {"name": "to", "in": "query", "required": False, "schema": _DATE_QUERY,
     "description": "Only closures on or before this day (not before `from`)"},
    {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 999999},
     "description": "1-based; a page past the end gives the last page"},
    {"name": "per_page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 200}, "description": "Default 50"}]

LOCATION = {"Location": {"description": "Where to poll the job", "schema": {"type": "string"}}}


def document() -> dict:
    doc = _document()
    doc["paths"].update(booking_docs.paths(_op, _json, _errors, _id("team_id"), _id("request_id")))
    return doc


def _document() -> dict:
    team, client, request, job, plan = _id("team_id"), _id("client_id"), _id("request_id"), _id("job_id"), _id("plan_id")
    week = this_week_start("UTC")  # the week the pages open on (the demo's week: Europe/London, UTC in winter)
    week_param = {**WEEK, "example": week.isoformat()}
    schemas = {**SCHEMAS, **{name: {**SCHEMAS[name], "examples": examples}
                             for name, examples in _examples(week).items()}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Caseload API", "version": "1.0.0",
                 "description": "Teams, advisors, clients, appointment requests and plans. Authenticate with "
                                "`Authorization: Bearer <token>` (issue one with `flask --app caseload api-token USERNAME`). "
                                "Team leaders see the teams they lead; advisors their own team and clients; "
                                "objects outside the caller's scope are 404."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/me": {"get": _op("The token's user", "The user", _ref("Me"))},
            "/teams": {"get": _op("Teams in the caller's scope", "Teams", _list("Team"))},
            "/teams/{team_id}": {"get": _op("One team", "The team", _ref("Team"), 404, params=[team])},
            "/teams/{team_id}/advisors": {"get": _op("The team's advisors", "Advisors", _list("Advisor"), 404,
                                                     params=[team])},
            "/advisors/{advisor_id}": {"get": _op("One advisor", "The advisor", _ref("Advisor"), 404,
                                                  params=[_id("advisor_id")])},
            "/teams/{team_id}/clients": {"get": _op(
                "The team's clients (an advisor: the clients they hold or cover)", "Clients", _list("Client"), 404,
                400, params=[team, {"name": "q", "in": "query", "required": False,
                                     "description": "Part of a reference or name; a NUL character is a 400",
                                     "schema": {"type": "string", "pattern": "^[^\\x00]*$"}}])},
            "/clients/{client_id}": {
                "get": _op("One client", "The client", _ref("Client"), 404, params=[client]),
                "patch": _op("Change a client's named advisor, need or complexity", "The changed client",
                             _ref("Client"), 400, 403, 404, 409, 422, params=[client], body="ClientChange")},
            "/teams/{team_id}/weeks/{week}/requests": {
                "get": _op("The week's appointment requests (not the cancelled ones: GET /requests/{request_id} "
                           "still answers for those, with cancelled true)", "Requests", _list("Request"), 403, 404,
                           params=[team, week_param]),
                "post": _op("Add an appointment request (an Idempotency-Key makes a retry safe)", "The new request",
                            _ref("Request"), 400, 403, 404, 409, 422, status="201",
                            params=[team, week_param, REQUEST_KEY], body="RequestFields")},
            "/requests/{request_id}": {
                "get": _op("One request", "The request", _ref("Request"), 403, 404, params=[request]),
                "patch": _op("Change a request (send the version you read)", "The changed request", _ref("Request"),
                             400, 403, 404, 409, 422, params=[request], body="RequestChange")},
            "/teams/{team_id}/weeks/{week}/plans": {
                "get": _op("The week's plans, newest first", "Plans", _list("PlanSummary"), 403, 404,
                           params=[team, week_param]),
                "post": _op("Start planning the week in the background (no body: the default time limit)", "The queued job; poll its URL", _ref("Job"),
                            400, 403, 404, 409, 422, 503, status="202", params=[team, week_param], body="JobRequest",
                            body_required=False,
                            headers=LOCATION)},
            "/jobs/{job_id}": {"get": _op("A planning job's status and progress", "The job", _ref("Job"), 403, 404,
                                          params=[job])},
            "/jobs/{job_id}/cancel": {"post": _op("Stop a planning job", "The job", _ref("Job"), 403, 404,
                                                  params=[job])},
            "/region/weeks/{week}": {"get": _op(
                "Administrators: every team's run of the week and the region's totals", "The region", _ref("Region"),
                403, 404, params=[week_param])},
            "/region/weeks/{week}/plans": {"post": _op(
                "Administrators: plan every team's week on the shared queue (a team already planning keeps its run)",
                "The region with the runs just queued", _ref("Region"), 400, 403, 404, 422, 503, status="202",
                params=[week_param], body="JobRequest", body_required=False)},
            "/region/weeks/{week}/cancel": {"post": _op(
                "Administrators: cancel every queued or running run of the week (no plan changes)", "The region",
                _ref("Region"), 403, 404, params=[week_param])},
            "/closures": {
                "get": _op("Office closure days affecting the caller (an administrator: all), by day, paged",
                           "A page of closures", _ref("ClosurePage"), 400, 422, params=CLOSURE_QUERY),
                "post": _op("Administrators: close the office on a day (for one team, or the whole service)",
                            "The new closure, with the booked appointments it falls on", _ref("Closure"), 400, 403,
                            409, 422, status="201", body="ClosureFields")},
            "/closures/{closure_id}": {
                "get": _op("One closure", "The closure", _ref("Closure"), 404, params=[_id("closure_id")]),
                "delete": _op("Administrators: reopen the day (re-plan the week to use it)", "The removed closure",
                              _ref("Closure"), 403, 404, params=[_id("closure_id")])},
            "/plans/{plan_id}": {"get": _op("A plan with its placed appointments", "The plan", _ref("Plan"), 403, 404,
                                            params=[plan])},
            "/plans/{plan_id}/publish": {"post": _op(
                "Publish a draft (send the version you read)", "The published plan", _ref("PlanSummary"),
                400, 403, 404, 409, 422, params=[plan], body="Publish")},
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
@public
def openapi():
    doc = document()
    doc["paths"]["/openapi.json"] = {"get": {"summary": "This document", "security": [],
                                             "responses": {"200": {"description": "OpenAPI 3.1"}}}}
    return doc
