"""The booking desk's part of the OpenAPI document: schemas (also used to validate bodies) and paths.

Kept apart from openapi.py, which merges them in; it imports nothing from there (no cycle).
"""
from __future__ import annotations

from caseload.services.planning.refusals import CODES as REFUSAL_CODES

OUTCOMES = ["attended", "dna", "cancelled_late"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def schemas(local_time: dict, one_line: str, id_: dict, week: dict) -> dict:
    """The booking schemas, in openapi.py's forms: its local time, one-line text, id and week-day patterns."""
    nullable_int = {"type": ["integer", "null"]}
    ask = {"client_id": id_,
           "type": {"type": "string", "maxLength": 40, "pattern": one_line,
                    "description": "An appointment type's code; the duration and kind follow the type"},
           "week": {**week, "description": "The Monday of the week, YYYY-MM-DD (another day is a 422)"},
           "windows": {"type": "array", "items": _ref("Window"), "minItems": 1, "maxItems": 50,
                       "description": "When the client can come (each window within one day of the week)"},
           "purpose": {"type": ["string", "null"], "maxLength": 200, "pattern": one_line},
           "repeat": {"type": ["object", "null"], "additionalProperties": False, "required": ["every_weeks", "count"],
                      "description": "A series: every 1, 2 or 4 weeks, `count` times in all, with one advisor, at the "
                                     "first one's weekday and time where free; it must end within a year (else a 422 "
                                     "naming repeat.count)",
                      "properties": {"every_weeks": {"enum": [1, 2, 4]},
                                     "count": {"type": "integer", "minimum": 2, "maximum": 100}}}}
    instance = {"type": "object", "required": ["start", "end"], "properties": {"start": local_time, "end": {"type": "string"}}}
    offer = {"type": "object", "required": ["advisor_id", "advisor", "start", "end", "score_delta", "reasons"],
             "properties": {"advisor_id": {"type": "integer"}, "advisor": {"type": "string"}, "start": local_time,
                            "end": {"type": "string"}, "score_delta": {"type": "integer"},
                            "reasons": {"type": "array", "items": {"type": "string"}},
                            "instances": {"type": "array", "items": instance,
                                          "description": "A series offer: each instance's start and end, in order"},
                            "moved_for_closures": {"type": "array", "items": {"type": "string"},
                                                   "description": "A series offer: each instance whose regular day the "
                                                                  "office is closed on (a bank holiday), and where it "
                                                                  "is instead, in words"}}}
    rebook = {"week": ask["week"], "windows": ask["windows"], "purpose": ask["purpose"],
              "notice_override": {"type": ["string", "null"], "maxLength": 200, "pattern": one_line, "description": (
                  "A team leader's (or administrator's) reason to set the service's minimum notice aside for this "
                  "rebooking, as on the desk's offers page: offers and the booking may then start from now. Only "
                  "for an appointment an absence or an office closure breaks; an advisor sending it is a 403; an "
                  "empty reason, or an appointment not broken, a 422 naming notice_override. The booking is audited "
                  "(min_notice_overridden, with the reason). Null or left out: the notice holds")}}
    return {
        "OfferAsk": {"type": "object", "additionalProperties": False, "required": ["client_id", "type", "week", "windows"],
                     "properties": {**ask, "count": {"type": "integer", "minimum": 1, "maximum": 20,
                                                     "description": "Offers wanted (default 5)"}}},
        "Offer": offer,
        "Offers": {"type": "object", "required": ["offers", "unplaceable", "named_advisor_refusal"],
                   "properties": {"offers": {"type": "array", "items": _ref("Offer")},
                                  "unplaceable": {"type": ["string", "null"],
                                                  "description": "Why nothing fits, when there is no offer"},
                                  "named_advisor_refusal": _ref("NamedAdvisorRefusal")}},
        "NamedAdvisorRefusal": {
            "type": ["object", "null"], "required": ["advisor_id", "advisor", "code", "message"],
            "description": "Why the client's named advisor is not among the offers, as the desk's offers page says "
                           "it; null when they are offered, the client has none, or an advisor asks for their own "
                           "diary",
            "properties": {"advisor_id": {"type": "integer"}, "advisor": {"type": "string"},
                           "code": {"enum": list(REFUSAL_CODES), "description": "; ".join(
                               f"{code}: {words}" for code, words in REFUSAL_CODES.items())},
                           "message": {"type": "string", "description": "The sentence: \"Sam Smith, S0001's named "
                                       "advisor, is not offered: cannot on Wed 02 Dec: absent (sick).\""}}},
        "BookingFields": {"type": "object", "additionalProperties": False,
                          "required": ["client_id", "type", "week", "windows", "advisor_id", "start"],
                          "description": "The ask (as for offers) and the offer chosen: its advisor and start (for a "
                                         "series also `starts`, every instance's start as offered).",
                          "properties": {**ask, "advisor_id": id_, "start": local_time,
                                         "starts": {"type": ["array", "null"], "items": local_time, "maxItems": 100}}},
        "RebookAsk": {"type": "object", "additionalProperties": False, "required": ["week", "windows"],
                      "description": "When the client can come instead (the type is the appointment's own); its "
                                     "current time counts as free; the client's named advisor is offered first, then the "
                                     "advisor it was with.",
                      "properties": {**rebook, "count": {"type": "integer", "minimum": 1, "maximum": 20}}},
        "RebookFields": {"type": "object", "additionalProperties": False,
                         "required": ["week", "windows", "advisor_id", "start"],
                         "description": "The rebook ask and the offer chosen; the old appointment is cancelled in the "
                                        "same transaction, or kept as it was if the new time cannot be booked.",
                         "properties": {**rebook, "advisor_id": id_, "start": local_time}},
        "Booking": {"type": "object",
                    "required": ["id", "team_id", "client_id", "advisor_id", "type", "week_start", "start", "end",
                                 "status", "attendance", "plan_id", "published_version", "cancelled_at",
                                 "cancelled_by"],
                    "properties": {"id": {"type": "integer"}, "team_id": {"type": "integer"},
                                   "client_id": {"type": "integer"}, "advisor_id": nullable_int,
                                   "type": {"type": "string"}, "week_start": {"type": "string", "format": "date"},
                                   "start": {"type": ["string", "null"]}, "end": {"type": ["string", "null"]},
                                   "status": {"enum": ["booked", "cancelled"]},
                                   "cancelled_at": {"type": ["string", "null"], "description": "When it was "
                                                    "cancelled (or rebooked elsewhere), the team's local time; null "
                                                    "while it is booked"},
                                   "cancelled_by": {"type": ["object", "null"], "required": ["id", "name"],
                                                    "description": "Who cancelled it: the user's id and name (null "
                                                                   "while it is booked, or if that account is gone)",
                                                    "properties": {"id": {"type": "integer"},
                                                                   "name": {"type": "string"}}},
                                   "attendance": {"enum": OUTCOMES + [None]},
                                   "plan_id": {**nullable_int, "description": "The published plan holding it (null: "
                                                                              "pinned in a week not yet published)"},
                                   "published_version": nullable_int,
                                   "series": {"type": ["object", "null"],
                                              "description": "The series it belongs to: its id, how often, how many, "
                                                             "which instance this is and every instance's booking id",
                                              "properties": {"id": {"type": "integer"}, "every_weeks": {"type": "integer"},
                                                             "count": {"type": "integer"}, "instance": nullable_int,
                                                             "booking_ids": {"type": "array", "items": {"type": "integer"}}}}}},
        "BookingConflict": {"type": "object", "required": ["error", "message", "offers"],
                            "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                                           "offers": {"type": "array", "items": _ref("Offer")}}},
        "Cancel": {"type": "object", "additionalProperties": False,
                   "properties": {"late": {"type": "boolean", "description": (
                       "Optional. Whether this is a late cancellation is the service's policy: less than its "
                       "late-cancellation window (24 hours unless an administrator changed it) before the start it is "
                       "recorded as late (attendance cancelled_late), earlier it is not. Sent, it must agree, else a "
                       "422 naming late")},
                                  "reason": {"type": ["string", "null"], "maxLength": 200, "pattern": one_line}}},
        "Attendance": {"type": "object", "additionalProperties": False, "required": ["outcome"],
                       "properties": {"outcome": {"enum": OUTCOMES},
                                      "was": {"enum": ["", *OUTCOMES], "description":
                                              "The attendance you read (\"\" for none yet). Sent, the answer is a 409 "
                                              "if it was recorded as something else since, nothing saved."}}},
    }


IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": True,
                   "description": "A key of your choosing (1-200 printable characters), new for each booking. A "
                                  "retry with the same key and body returns the first answer and books nothing more; "
                                  "the same key with another body is a 422. Answers are kept for 24 hours; after "
                                  "that the key counts as new.",
                   "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^[\x21-\x7e]+$"}}


def paths(op, json, errors, team_param, request_param) -> dict:
    """The booking paths, built with openapi.py's helpers (op, json, errors) and path parameters."""
    conflict = {"409": json(_ref("BookingConflict"), "The time was taken (or the week changed) first: nothing was "
                                                     "booked; fresh offers to choose from")}
    book = op("Book an offer (send an Idempotency-Key)", "The booking", _ref("Booking"), 400, 403, 404, 422,
              status="201", params=[IDEMPOTENCY_KEY], body="BookingFields")
    book["responses"].update(conflict)
    rebook_op = op("Rebook an appointment at one of its offers (send an Idempotency-Key): the old one is cancelled "
                   "in the same transaction", "The new booking", _ref("Booking"), 400, 403, 404, 422, status="201",
                   params=[request_param, IDEMPOTENCY_KEY], body="RebookFields")
    rebook_op["responses"].update(conflict)
    return {
        "/teams/{team_id}/offers": {"post": op(
            "The best places for one appointment, with reasons (an advisor: in their own diary)", "Offers, best first",
            _ref("Offers"), 400, 403, 404, 422, params=[team_param], body="OfferAsk")},
        "/bookings": {"post": book},
        "/bookings/{request_id}": {"get": op("One booked appointment", "The booking", _ref("Booking"), 404,
                                             params=[request_param])},
        "/bookings/{request_id}/offers": {"post": op(
            "Offers to rebook an appointment (booked at the desk or placed by a published plan, not yet started; a "
            "planning request with no time yet is a 422 naming request_id; one cancelled or its attendance recorded "
            "since it was read is a 409): its own time free, the client's named advisor first, then its own advisor",
            "Offers, the named advisor's first",
            _ref("Offers"), 400, 403, 404, 409, 422, params=[request_param], body="RebookAsk")},
        "/bookings/{request_id}/rebook": {"post": rebook_op},
        "/bookings/{request_id}/cancel": {"post": op(
            "Cancel a booked appointment not yet started: the time is free again (a new published version); inside "
            "the service's late-cancellation window it is recorded as late. One that has started is a 422 naming "
            "request_id (record its attendance instead); one already cancelled, or its attendance recorded, by "
            "someone else is a 409 saying by whom and when", "The cancelled booking",
            _ref("Booking"), 400, 404, 409, 422, params=[request_param], body="Cancel")},
        "/bookings/{request_id}/attendance": {"post": op(
            "Record attendance (from its start; the appointment's advisor or the team leader). Cancelled, or "
            "recorded as something other than `was` since you read it: 409, nothing saved", "The booking",
            _ref("Booking"), 400, 404, 409, 422, params=[request_param], body="Attendance")},
    }
