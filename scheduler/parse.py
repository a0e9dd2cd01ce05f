"""Reading a problem document (caseload-problem/1) into the typed objects of scheduler.model.

parse_problem(doc) -> Problem; every fault is collected with the path of its field and raised
together as one ProblemError (see problem-format.md, "Input that breaks this page ...").
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.model import (DEFAULT_WEIGHTS, KINDS, PROBLEM_FORMAT, ROLES, Advisor, Appointment, Client, Horizon,
                             Interval, Placement, Problem, ProblemError, Visit, Weights, merge_intervals)

class _Reader:
    """Collects every error with the path of the field it concerns."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def obj(self, value, path: str) -> dict:
        if not isinstance(value, dict):
            self.error(path, "must be an object")
            return {}
        return value

    def items(self, value, path: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, "must be a list")
            return []
        return value

    def text(self, value, path: str, required: bool = True) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            self.error(path, "must be a non-empty string")
            return None
        return value

    def integer(self, value, path: str, minimum: int | None = 0, default: int | None = None) -> int | None:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"{value!r} is not a whole number")
            return default
        if minimum is not None and value < minimum:
            self.error(path, f"{value} must be at least {minimum}")
            return default
        return value

    def slot(self, horizon: Horizon, value, path: str) -> int | None:
        if not isinstance(value, str):
            self.error(path, "must be a time of the form YYYY-MM-DDTHH:MM")
            return None
        try:
            return horizon.to_slot(value)
        except ValueError as err:
            self.error(path, str(err))
            return None

    def interval(self, horizon: Horizon, value, path: str) -> Interval | None:
        value = self.obj(value, path)
        start = self.slot(horizon, value.get("start"), f"{path}.start")
        end = self.slot(horizon, value.get("end"), f"{path}.end")
        if start is None or end is None:
            return None
        if end <= start:
            self.error(path, f"is empty: end {value['end']} is not after start {value['start']}")
            return None
        if start < 0 or end > horizon.total_slots:
            self.error(path, f"{value['start']}–{value['end']} lies outside the horizon "
                             f"({horizon.to_text(0)}–{horizon.to_text(horizon.total_slots)})")
            return None
        return Interval(start, end)


def _horizon(r: _Reader, doc: dict) -> Horizon | None:
    raw = r.obj(doc.get("horizon"), "horizon")
    try:
        start = date.fromisoformat(raw.get("start", ""))
    except (TypeError, ValueError):
        r.error("horizon.start", f"{raw.get('start')!r} is not a date YYYY-MM-DD")
        start = None
    days = r.integer(raw.get("days"), "horizon.days", minimum=1)
    if raw.get("days") is None:
        r.error("horizon.days", "is required")
    slot = r.integer(raw.get("slot_minutes"), "horizon.slot_minutes", minimum=1)
    if raw.get("slot_minutes") is None:
        r.error("horizon.slot_minutes", "is required")
    elif slot and 1440 % slot:
        r.error("horizon.slot_minutes", f"{slot} does not divide a day into whole slots")
        slot = None
    tz = raw.get("timezone", "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        r.error("horizon.timezone", f"{tz!r} is not a known time zone")
    block = r.integer(raw.get("protected_block_minutes"), "horizon.protected_block_minutes", minimum=1, default=60)
    if start is None or not days or not slot:
        return None
    return Horizon(start, days, slot, tz, block)


def _weights(r: _Reader, doc: dict) -> Weights:
    raw = doc.get("weights") or {}
    if not isinstance(raw, dict):
        r.error("weights", "must be an object")
        return Weights()
    values = {}
    for key, value in raw.items():
        if key not in DEFAULT_WEIGHTS:
            continue  # extra fields are allowed by the contract
        checked = r.integer(value, f"weights.{key}", minimum=0)
        if checked is not None:
            values[key] = checked
    return Weights(**values)


def _duration(r: _Reader, horizon: Horizon, value, path: str) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        r.error(path, f"{value!r} is not a positive whole number of minutes")
        return None
    if value % horizon.slot_minutes:
        r.error(path, f"{value} is not a multiple of slot_minutes ({horizon.slot_minutes})")
        return None
    return value // horizon.slot_minutes


def _unique(r: _Reader, ids: list[tuple[str | None, str]], what: str) -> None:
    seen: dict[str, str] = {}
    for ident, path in ids:
        if ident is None:
            continue
        if ident in seen:
            r.error(f"{path}.id", f"duplicate {what} id {ident!r} (also {seen[ident]})")
        else:
            seen[ident] = path


def _advisor(r: _Reader, h: Horizon, raw, path: str, caseloads: dict[str, int]) -> Advisor | None:
    raw = r.obj(raw, path)
    ident = r.text(raw.get("id"), f"{path}.id")
    skills = raw.get("skills", [])
    if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
        r.error(f"{path}.skills", "must be a list of strings")
        skills = []
    roles = raw.get("roles", [])
    if not isinstance(roles, list) or any(role not in ROLES for role in roles):
        r.error(f"{path}.roles", f"{roles!r}: each role must be one of {', '.join(ROLES)}")
        roles = [role for role in roles if role in ROLES] if isinstance(roles, list) else []
    intervals = []
    for i, item in enumerate(r.items(raw.get("availability"), f"{path}.availability")):
        interval = r.interval(h, item, f"{path}.availability[{i}]")
        if interval:
            intervals.append(interval)
    intervals = merge_intervals(intervals)
    protected = r.integer(raw.get("protected_minutes"), f"{path}.protected_minutes", default=0)
    per_day = r.integer(raw.get("max_appointments_per_day"), f"{path}.max_appointments_per_day")
    max_caseload = r.integer(raw.get("max_caseload"), f"{path}.max_caseload")
    caseload = r.integer(raw.get("caseload"), f"{path}.caseload", default=None)
    preferred = []
    for i, item in enumerate(r.items(raw.get("protected_preferences"), f"{path}.protected_preferences")):
        interval = r.interval(h, item, f"{path}.protected_preferences[{i}]")
        if interval:
            preferred.append(interval)
    if ident is None:
        return None
    return Advisor(
        id=ident, name=str(raw.get("name") or ident), skills=frozenset(skills), roles=frozenset(roles),
        availability=tuple(intervals), protected_minutes=protected or 0, max_appointments_per_day=per_day,
        caseload=caseload if caseload is not None else caseloads.get(ident, 0), max_caseload=max_caseload,
        preferred_protected=tuple(sorted(preferred)),
    )


def _client(r: _Reader, raw, path: str, advisors: dict[str, Advisor]) -> Client | None:
    raw = r.obj(raw, path)
    ident = r.text(raw.get("id"), f"{path}.id")
    named = raw.get("named_advisor")
    if named is not None and named not in advisors:
        r.error(f"{path}.named_advisor", f"unknown advisor {named!r}")
    need = r.text(raw.get("need"), f"{path}.need", required=False)
    complexity = raw.get("complexity", 1)
    if complexity not in (1, 2, 3) or isinstance(complexity, bool):
        r.error(f"{path}.complexity", f"{complexity!r} must be 1, 2 or 3")
        complexity = 1
    history = []
    for i, visit in enumerate(r.items(raw.get("history"), f"{path}.history")):
        visit = r.obj(visit, f"{path}.history[{i}]")
        try:
            day = date.fromisoformat(str(visit.get("date", ""))[:10])
        except ValueError:
            r.error(f"{path}.history[{i}].date", f"{visit.get('date')!r} is not a date YYYY-MM-DD")
            continue
        advisor = visit.get("advisor")
        if not isinstance(advisor, str) or not advisor:
            r.error(f"{path}.history[{i}].advisor", "must be an advisor id")
            continue
        history.append(Visit(advisor, day))  # past advisors may have left: no id check here
    if ident is None:
        return None
    return Client(ident, named, need, complexity, tuple(history))


def _appointment(r: _Reader, h: Horizon, raw, path: str, clients: dict[str, Client],
                 advisors: dict[str, Advisor]) -> Appointment | None:
    raw = r.obj(raw, path)
    ident = r.text(raw.get("id"), f"{path}.id")
    client = raw.get("client")
    if client not in clients:
        r.error(f"{path}.client", f"unknown client {client!r}")
    kind = raw.get("kind")
    if kind not in KINDS:
        r.error(f"{path}.kind", f"{kind!r} must be one of {', '.join(KINDS)}")
    skill = r.text(raw.get("skill"), f"{path}.skill")
    duration = _duration(r, h, raw.get("duration_minutes"), f"{path}.duration_minutes")
    windows = []
    raw_windows = r.items(raw.get("windows"), f"{path}.windows")
    if not raw_windows:
        r.error(f"{path}.windows", "must list at least one window")
    for i, item in enumerate(raw_windows):
        window = r.interval(h, item, f"{path}.windows[{i}]")
        if window is None:
            continue
        if duration and window.length < duration:
            r.error(f"{path}.windows[{i}]", f"is shorter than the appointment ({duration * h.slot_minutes} minutes)")
            continue
        windows.append(window)
    pinned = None
    if raw.get("pinned") is not None:
        pin = r.obj(raw["pinned"], f"{path}.pinned")
        advisor = pin.get("advisor")
        start = r.slot(h, pin.get("start"), f"{path}.pinned.start")
        if advisor not in advisors:
            r.error(f"{path}.pinned.advisor", f"unknown advisor {advisor!r}")
        elif start is not None and duration and kind in KINDS and skill:
            _check_pin(r, h, path, advisors[advisor], kind, skill, start, duration, windows)
            pinned = Placement(advisor, start)
    if ident is None or client not in clients or kind not in KINDS or not skill or not duration or not windows:
        return None
    return Appointment(ident, client, kind, skill, duration, tuple(sorted(windows)), pinned)


def _check_pin(r: _Reader, h: Horizon, path: str, advisor: Advisor, kind: str, skill: str, start: int,
               duration: int, windows: list[Interval]) -> None:
    """A pin must satisfy the hard rules that concern it alone (rules 1, 2 and a zero daily limit).
    Pins that clash with each other are the solver's to explain (scheduler.explain)."""
    end = start + duration
    if kind not in advisor.roles:
        r.error(f"{path}.pinned.advisor", f"{advisor.id} does not have the {kind} role")
    if skill not in advisor.skills:
        r.error(f"{path}.pinned.advisor", f"{advisor.id} does not have the skill {skill}")
    if windows and not any(w.contains(start, end) for w in windows):
        r.error(f"{path}.pinned.start", f"{h.to_text(start)} does not fit inside any of the appointment's windows")
    if not any(a.contains(start, end) for a in advisor.availability):
        r.error(f"{path}.pinned.start", f"{h.to_text(start)}–{h.to_text(end)} is outside {advisor.id}'s availability")
    if advisor.max_appointments_per_day == 0:
        r.error(f"{path}.pinned.advisor", f"{advisor.id} takes no appointments (max_appointments_per_day is 0)")


def parse_problem(doc) -> Problem:
    """Read and validate a caseload-problem/1 document; raise ProblemError listing every fault."""
    r = _Reader()
    if not isinstance(doc, dict):
        raise ProblemError("problem: must be a JSON object")
    if doc.get("format") != PROBLEM_FORMAT:
        r.error("format", f"{doc.get('format')!r} is not {PROBLEM_FORMAT!r}")
    horizon = _horizon(r, doc)
    weights = _weights(r, doc)
    if horizon is None:
        raise ProblemError(r.errors)

    raw_clients = r.items(doc.get("clients"), "clients")
    caseloads: dict[str, int] = {}
    for raw in raw_clients:
        if isinstance(raw, dict) and isinstance(raw.get("named_advisor"), str):
            caseloads[raw["named_advisor"]] = caseloads.get(raw["named_advisor"], 0) + 1

    raw_advisors = r.items(doc.get("advisors"), "advisors")
    _unique(r, [(a.get("id") if isinstance(a, dict) else None, f"advisors[{i}]") for i, a in enumerate(raw_advisors)], "advisor")
    advisors = [a for i, raw in enumerate(raw_advisors) if (a := _advisor(r, horizon, raw, f"advisors[{i}]", caseloads))]
    advisor_by_id = {a.id: a for a in advisors}

    _unique(r, [(c.get("id") if isinstance(c, dict) else None, f"clients[{i}]") for i, c in enumerate(raw_clients)], "client")
    clients = [c for i, raw in enumerate(raw_clients) if (c := _client(r, raw, f"clients[{i}]", advisor_by_id))]
    client_by_id = {c.id: c for c in clients}

    raw_appointments = r.items(doc.get("appointments"), "appointments")
    _unique(r, [(a.get("id") if isinstance(a, dict) else None, f"appointments[{i}]") for i, a in enumerate(raw_appointments)], "appointment")
    appointments = [a for i, raw in enumerate(raw_appointments)
                    if (a := _appointment(r, horizon, raw, f"appointments[{i}]", client_by_id, advisor_by_id))]
    appointment_by_id = {a.id: a for a in appointments}

    previous: dict[str, Placement] = {}
    for i, raw in enumerate(r.items(doc.get("previous"), "previous")):
        raw = r.obj(raw, f"previous[{i}]")
        appt, advisor = raw.get("appointment"), raw.get("advisor")
        start = r.slot(horizon, raw.get("start"), f"previous[{i}].start")
        if appt not in appointment_by_id and not any(isinstance(a, dict) and a.get("id") == appt for a in raw_appointments):
            r.error(f"previous[{i}].appointment", f"unknown appointment {appt!r}")
        elif advisor not in advisor_by_id:
            r.error(f"previous[{i}].advisor", f"unknown advisor {advisor!r}")
        elif appt in previous:
            r.error(f"previous[{i}].appointment", f"{appt} is listed more than once")
        elif start is not None:
            previous[appt] = Placement(advisor, start)

    if r.errors:
        raise ProblemError(r.errors)
    return Problem(horizon, weights, tuple(advisors), tuple(clients), tuple(appointments), previous,
                   advisor_by_id, client_by_id, appointment_by_id)


def read_appointment(problem: Problem, raw, path: str) -> Appointment:
    """Read one appointment (as in `appointments`) against a parsed problem, errors named under `path`
    (e.g. "request.duration_minutes: 50 is not a multiple of slot_minutes (15)"); ProblemError lists them."""
    r = _Reader()
    appt = _appointment(r, problem.horizon, raw, path, problem.client_by_id, problem.advisor_by_id)
    if r.errors or appt is None:
        raise ProblemError(r.errors or [f"{path}: not a valid appointment"])
    return appt


def load_problem(path) -> Problem:
    """Read a problem document from a JSON file; ProblemError for a bad path or bad JSON too."""
    return parse_problem(read_json(path, "problem"))


def read_json(path, what: str):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProblemError(f"{path}: no such {what} file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ProblemError(f"{path}: cannot read the {what} file ({err})") from None
    except json.JSONDecodeError as err:
        raise ProblemError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
