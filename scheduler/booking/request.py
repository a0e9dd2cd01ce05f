"""Reading an offer request (caseload-offer-request/1) and the appointments it adds.

A request names one new appointment, or a series (`repeat`): instance k (1 … count) is the
appointment `<id>/k` with the request's windows moved (k − 1) × every_days days later. Days are
wall-clock days on the horizon's grid, so every instance keeps its local time across a clock change.
Every fault is a ProblemError naming its field ("request.client: unknown client 'c99'").
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from scheduler.model import Appointment, Interval, Problem, ProblemError
from scheduler.parse import read_appointment

REQUEST_FORMAT = "caseload-offer-request/1"
OFFERS_FORMAT = "caseload-offers/1"
DEFAULT_COUNT = 5


@dataclass(frozen=True)
class OfferRequest:
    """A validated request: `instances` are the appointments to place (one unless a series), in slots."""

    id: str
    instances: tuple[Appointment, ...]
    count: int = DEFAULT_COUNT
    max_moves: int = 0
    every_days: int = 0  # 0: a single appointment

    @property
    def series(self) -> bool:
        return self.every_days > 0


def _whole(value, path: str, minimum: int, errors: list[str]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(f"{path}: {value!r} is not a whole number")
        return None
    if value < minimum:
        errors.append(f"{path}: {value} must be at least {minimum}")
        return None
    return value


def read_request(problem: Problem, raw, count=DEFAULT_COUNT, max_moves=0, path: str = "request") -> OfferRequest:
    """Validate the `request` object of an offer request against a parsed problem.

    count: how many offers are wanted (≥ 1); max_moves: how many of the plan's unpinned appointments
    an offer may move (≥ 0). Raises ProblemError naming each field at fault."""
    errors: list[str] = []
    if not isinstance(raw, dict):
        raise ProblemError(f"{path}: must be an object")
    count = _whole(count, "count", 1, errors)
    max_moves = _whole(max_moves, "max_moves", 0, errors)
    ident = raw.get("id")
    if isinstance(ident, str) and ident in problem.appointment_by_id:
        errors.append(f"{path}.id: {ident!r} is already an appointment of the problem")
    if raw.get("pinned") is not None:
        errors.append(f"{path}.pinned: a request asks where it could go, so it cannot be pinned")
    every, times = 0, 1
    if raw.get("repeat") is not None:
        repeat = raw["repeat"]
        if not isinstance(repeat, dict):
            errors.append(f"{path}.repeat: must be an object")
        else:
            every = _whole(repeat.get("every_days"), f"{path}.repeat.every_days", 1, errors) or 0
            times = _whole(repeat.get("count"), f"{path}.repeat.count", 1, errors) or 1
    try:
        first = read_appointment(problem, {k: v for k, v in raw.items() if k not in ("repeat", "pinned")}, path)
    except ProblemError as err:
        raise ProblemError(errors + err.errors) from None
    if errors:
        raise ProblemError(errors)
    if not every:
        return OfferRequest(first.id, (first,), count, max_moves)
    instances = []
    h = problem.horizon
    for k in range(1, times + 1):
        shift = (k - 1) * every * h.slots_per_day
        windows = tuple(Interval(w.start + shift, w.end + shift) for w in first.windows)
        late = [w for w in windows if w.end > h.total_slots]
        if late:
            raise ProblemError(f"{path}.repeat.count: instance {k} of {times} ({h.to_text(late[0].start)}–"
                               f"{h.to_text(late[0].end)}) runs past the horizon, which ends {h.to_text(h.total_slots)}")
        instances.append(replace(first, id=f"{first.id}/{k}", windows=windows))
    clash = [a.id for a in instances if a.id in problem.appointment_by_id]
    if clash:
        raise ProblemError(f"{path}.id: the series' appointment {clash[0]!r} is already in the problem")
    return OfferRequest(first.id, tuple(instances), count, max_moves, every)


def instance_documents(problem: Problem, request: OfferRequest, raw: dict) -> list[dict]:
    """The request's instances as `appointments` entries of the problem document (what applying an
    offer adds), windows written in the horizon's wall-clock time."""
    h = problem.horizon
    base = {k: v for k, v in raw.items() if k not in ("repeat", "pinned")}
    return [{**base, "id": appt.id,
             "windows": [{"start": h.to_text(w.start), "end": h.to_text(w.end)} for w in appt.windows]}
            for appt in request.instances]


def read_request_document(doc) -> tuple[dict, dict, dict, object, object]:
    """(problem document, plan document, request object, count, max_moves) of an offer request
    document, after the checks that need no parsing. ProblemError names the field at fault."""
    if not isinstance(doc, dict):
        raise ProblemError("offer request: must be a JSON object")
    errors = []
    if doc.get("format") != REQUEST_FORMAT:
        errors.append(f"format: {doc.get('format')!r} is not {REQUEST_FORMAT!r}")
    for field in ("problem", "plan", "request"):
        if not isinstance(doc.get(field), dict):
            errors.append(f"{field}: must be an object")
    if errors:
        raise ProblemError(errors)
    return doc["problem"], doc["plan"], doc["request"], doc.get("count", DEFAULT_COUNT), doc.get("max_moves", 0)
