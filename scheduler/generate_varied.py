"""The `varied` profile: weeks whose shape is drawn per seed, so a planner cannot be fitted to one office.

`generate_varied(advisors, seed, **fixed)` draws the week's parameters from RANGES with a generator
seeded by `seed` alone (so seed 7 has the same shape at 10 and at 120 advisors), overrides them with
any `fixed` values, then builds the week with a generator seeded by (advisors, seed). The parameters
used are recorded in the document as `generator.parameters`.

Parameters (a number, or for `slot` and the duration bounds, minutes):

| name | range | meaning |
|---|---|---|
| load | 0.6–1.3 | appointment minutes / bookable minutes (availability less the protected targets) |
| part_time | 0–0.4 | share of advisors on 2–4 days or short days |
| split_shifts | 0–0.3 | share of advisors whose days are split (early block + late block, 2–4 h apart) |
| max_windows | 1–4 | an appointment has 1 … max_windows windows |
| window_mix | 5 weights | how often a window is one hour, part of a day, a day, 2–3 days, the whole week |
| min_minutes, max_minutes | 10–90 | appointment lengths (multiples of `slot`) |
| slot | 10 or 15 | the grid |
| new_clients | 0–0.3 | share of clients with no named advisor (the planner may allocate them) |
| policing | 0–0.3 | share of appointments that are policing |
| protected | 0–0.2 | protected-time target as a share of each advisor's hours |
| skills | 1–12 | skills in the office |
| specialisation | 0–1 | 0: every advisor has every skill (one generalist pool); 1: one skill each |
| caseload_slack | 0–0.15 | max_caseload is caseload × (1 + slack): caseloads near their maximum |
| clients_per_advisor | 20–150 | the whole caseload is in the document; most clients have no appointment |
| daily_limit | none, or 0.8–1.4 | max_appointments_per_day as a factor of a full day of the mean length |

Every generated week parses (`scheduler.parse.parse_problem`); pins (1 %) never clash.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, timedelta

from scheduler.model import PROBLEM_FORMAT

RANGES = {
    "load": (0.6, 1.3), "part_time": (0.0, 0.4), "split_shifts": (0.0, 0.3), "max_windows": (1, 4),
    "new_clients": (0.0, 0.3), "policing": (0.0, 0.3), "protected": (0.0, 0.2), "skills": (1, 12),
    "specialisation": (0.0, 1.0), "caseload_slack": (0.0, 0.15), "clients_per_advisor": (20, 150),
}
WINDOW_KINDS = ("hour", "part-day", "day", "days", "week")
SKILL_NAMES = ("debt", "housing", "benefits", "employment", "immigration", "disability", "mental-health",
               "family", "skills", "health", "care-leavers", "addiction")
DAYS = 5


def draw_parameters(seed: int) -> dict:
    """The week's shape for `seed`: every value inside RANGES (the module docstring says what each means)."""
    rng = random.Random(f"varied-parameters-{seed}")
    p = {k: round(rng.uniform(lo, hi), 3) for k, (lo, hi) in RANGES.items() if isinstance(lo, float)}
    p["max_windows"] = rng.randint(1, 4)
    p["skills"] = rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12])
    p["clients_per_advisor"] = rng.randint(*RANGES["clients_per_advisor"])
    p["slot"] = rng.choice([10, 15])
    low = rng.choice([10, 15, 20, 30, 45])
    high = rng.choice([x for x in (30, 45, 60, 75, 90) if x >= low])
    p["min_minutes"], p["max_minutes"] = low, high
    p["window_mix"] = [round(rng.random() ** 2, 3) for _ in WINDOW_KINDS]
    if not any(p["window_mix"]):
        p["window_mix"][2] = 1.0
    p["daily_limit"] = None if rng.random() < 0.5 else round(rng.uniform(0.8, 1.4), 2)
    p["protected_block_minutes"] = rng.choice([30, 60, 90])
    return p


def _check(p: dict) -> None:
    for key, (lo, hi) in RANGES.items():
        value = p.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not lo <= value <= hi:
            raise ValueError(f"{key}: {value!r} must be between {lo} and {hi}")
    if p["slot"] not in (5, 10, 15, 30):
        raise ValueError(f"slot: {p['slot']!r} must be 5, 10, 15 or 30")
    lo, hi = p["min_minutes"], p["max_minutes"]
    if not (10 <= lo <= hi <= 90):
        raise ValueError(f"min_minutes, max_minutes: {lo}–{hi} must lie within 10–90 with min ≤ max")
    if len(p["window_mix"]) != len(WINDOW_KINDS) or any(w < 0 for w in p["window_mix"]) or not any(p["window_mix"]):
        raise ValueError(f"window_mix: give {len(WINDOW_KINDS)} weights ≥ 0, not all 0 ({', '.join(WINDOW_KINDS)})")


def _t(day: date, minutes: int) -> str:
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}"


def _round(minutes: float, slot: int) -> int:
    return int(round(minutes / slot)) * slot


def _working_days(rng: random.Random, p: dict, slot: int) -> list[tuple[int, int, int]]:
    """(day, start, end) minutes: full-time, part-time (fewer or shorter days), split shifts, absences."""
    part = rng.random() < p["part_time"]
    split = rng.random() < p["split_shifts"]
    begin = rng.choice([8 * 60, 8 * 60 + 30, 9 * 60, 9 * 60 + 30, 10 * 60])
    days = sorted(rng.sample(range(DAYS), rng.randint(2, 4))) if part and rng.random() < 0.6 else list(range(DAYS))
    short = part and len(days) == DAYS  # part-time as short days
    absent = rng.choice(days) if rng.random() < 0.1 and len(days) > 1 else None
    spans = []
    for d in days:
        if d == absent:
            continue
        if split:
            first = rng.choice([150, 180, 210, 240])
            gap = rng.choice([120, 180, 240])
            second = rng.choice([150, 180, 240])
            spans += [(d, begin, begin + first), (d, begin + first + gap, min(22 * 60, begin + first + gap + second))]
        elif short:
            length = rng.choice([180, 240, 300])
            start = begin if rng.random() < 0.6 else 13 * 60
            spans.append((d, start, start + length))
        else:
            lunch = _round(begin + rng.choice([180, 210, 240]), slot)
            spans += [(d, begin, lunch), (d, lunch + rng.choice([30, 60]), begin + 8 * 60 + 60)]
    return [(d, _round(s, slot), _round(e, slot)) for d, s, e in spans if e - s >= slot]


def _skills_of(rng: random.Random, p: dict, skills: list[str]) -> list[str]:
    n = len(skills)
    most = max(1, round(n * (1 - p["specialisation"])))
    low = most if p["specialisation"] <= 0.1 else max(1, most // 2)  # near 0: one generalist pool
    return rng.sample(skills, rng.randint(low, most))


def _windows(rng: random.Random, p: dict, minutes: int, slot: int) -> list[tuple[int, int]]:
    """1 … max_windows windows, each of a kind drawn from window_mix, as (start, end) minutes from the
    horizon's start, merged where they touch or overlap. Office hours are 08:00–20:00."""
    out = []
    for _ in range(rng.randint(1, p["max_windows"])):
        kind = rng.choices(WINDOW_KINDS, weights=p["window_mix"])[0]
        day = rng.randrange(DAYS)
        if kind == "week":
            out.append((8 * 60, (DAYS - 1) * 1440 + 20 * 60))
            continue
        if kind == "days":
            last = min(DAYS - 1, day + rng.randint(1, 2))
            out.append((day * 1440 + 8 * 60, last * 1440 + 20 * 60))
            continue
        length = {"hour": max(60, minutes), "part-day": rng.choice([180, 240, 300]), "day": 12 * 60}[kind]
        length = max(_round(length, slot), -(-minutes // slot) * slot)
        start = 8 * 60 if kind == "day" else _round(rng.uniform(8 * 60, 20 * 60 - length), slot)
        out.append((day * 1440 + start, day * 1440 + start + length))
    out.sort()
    merged = [list(out[0])]
    for s, e in out[1:]:
        if s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _minutes_of(rng: random.Random, p: dict, complexity: int, slot: int) -> int:
    lo = max(slot, -(-p["min_minutes"] // slot) * slot)
    hi = max(lo, p["max_minutes"] // slot * slot)
    choices = list(range(lo, hi + 1, slot))
    # Complex clients tend to need longer appointments.
    weights = [1 + (complexity - 1) * i / max(1, len(choices) - 1) * 2 for i in range(len(choices))]
    return rng.choices(choices, weights=weights)[0]


def generate_varied(advisors: int, seed: int = 1, start: date | None = None, **fixed) -> dict:
    """A caseload-problem/1 week with `advisors` advisors whose shape is drawn for `seed`
    (draw_parameters) and overridden by `fixed` (same names). ValueError names a bad parameter."""
    if advisors < 1:
        raise ValueError("advisors: must be at least 1")
    p = draw_parameters(seed)
    unknown = set(fixed) - set(p)
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(sorted(unknown))}: choose from {', '.join(sorted(p))}")
    p.update({k: v for k, v in fixed.items() if v is not None})
    _check(p)
    rng = random.Random(f"varied-{advisors}-{seed}")
    slot = p["slot"]
    start = start or date(2026, 11, 23)  # a Monday
    days = [start + timedelta(days=i) for i in range(DAYS)]
    skills = list(SKILL_NAMES[:p["skills"]])
    policer_share = min(0.6, p["policing"] * 1.5 + (0.05 if p["policing"] else 0.0))
    mean_minutes = (p["min_minutes"] + p["max_minutes"]) / 2

    staff = []
    for i in range(advisors):
        policing = rng.random() < policer_share
        spans = _working_days(rng, p, slot)
        worked = sum(e - s for _, s, e in spans)
        target = int(p["protected"] * worked) // slot * slot
        if 0 < target < p["protected_block_minutes"]:
            target = 0  # a target shorter than one block could never be kept
        per_day = None
        if p["daily_limit"] is not None:
            per_day = max(2, math.ceil(p["daily_limit"] * 8 * 60 / mean_minutes))
        staff.append({
            "id": f"a{i + 1}", "name": f"Advisor {i + 1}", "skills": _skills_of(rng, p, skills),
            "roles": ["policing"] if policing and rng.random() < 0.3 else ["support", "policing"] if policing else ["support"],
            "availability": [{"start": _t(days[d], s), "end": _t(days[d], e)} for d, s, e in spans],
            "protected_minutes": target, "max_appointments_per_day": per_day, "_minutes": worked,
        })
    if not any("support" in a["roles"] for a in staff):
        staff[0]["roles"] = ["support"] + [r for r in staff[0]["roles"] if r != "support"]
    supporters = [a for a in staff if "support" in a["roles"]]
    policers = [a for a in staff if "policing" in a["roles"]]

    hours = Counter()
    for a in supporters:
        for s in a["skills"]:
            hours[s] += a["_minutes"] / len(a["skills"])
    floor = 0.02 * (sum(hours.values()) / len(skills) or 1.0)
    demand = [max(hours[s], floor) for s in skills]
    clients = []
    for c in range(p["clients_per_advisor"] * advisors):
        need = rng.choices(skills, weights=demand)[0]
        able = [a for a in supporters if need in a["skills"]]
        named = rng.choice(able)["id"] if able and rng.random() >= p["new_clients"] else None
        history = []
        if named:
            for k in range(rng.randint(0, 5)):
                who = named if rng.random() < 0.75 else rng.choice(supporters)["id"]
                history.append({"advisor": who, "date": (start - timedelta(days=7 * (k + 1))).isoformat()})
        clients.append({"id": f"c{c + 1}", "named_advisor": named, "need": need,
                        "complexity": rng.choices([1, 2, 3], weights=[5, 3, 2])[0], "history": history})
    held = Counter(c["named_advisor"] for c in clients)
    for a in staff:
        a["caseload"] = held[a["id"]]
        a["max_caseload"] = a["caseload"] + int(a["caseload"] * rng.uniform(0, p["caseload_slack"]))

    bookable = sum(a.pop("_minutes") - a["protected_minutes"] for a in staff)
    budget = p["load"] * bookable
    appointments, used = [], 0
    # Clients who come this week: a few come more than once, as in an office.
    pool = rng.sample(clients, min(len(clients), max(1, int(budget / mean_minutes))))
    while used < budget:
        client = rng.choice(pool) if rng.random() < 0.85 else rng.choice(clients)
        kind, skill = "support", client["need"]
        if policers and rng.random() < p["policing"]:
            kind = "policing"
            if not any(skill in a["skills"] for a in policers):
                skill = rng.choice(rng.choice(policers)["skills"])
        minutes = _minutes_of(rng, p, client["complexity"], slot)
        windows = _windows(rng, p, minutes, slot)
        appointments.append({
            "id": f"p{len(appointments) + 1}", "client": client["id"], "kind": kind, "skill": skill,
            "duration_minutes": minutes,
            "windows": [{"start": _t(days[s // 1440], s % 1440), "end": _t(days[e // 1440], e % 1440)} for s, e in windows],
        })
        used += minutes
    _pin_a_few(rng, appointments, clients, staff, days, slot)
    return {
        "format": PROBLEM_FORMAT,
        "horizon": {"start": start.isoformat(), "days": DAYS, "slot_minutes": slot, "timezone": "Europe/London",
                    "protected_block_minutes": p["protected_block_minutes"]},
        "weights": {"assigned": 10000, "continuity": 100, "protected": 1, "separation": 500, "disruption": 200},
        "advisors": staff, "clients": clients, "appointments": appointments,
        "generator": {"profile": "varied", "advisors": advisors, "seed": seed, "parameters": p},
    }


def _minute(text: str, days: list[date]) -> int:
    day = days.index(date.fromisoformat(text[:10]))
    return day * 1440 + int(text[11:13]) * 60 + int(text[14:16])


def _pin_a_few(rng, appointments, clients, staff, days, slot) -> None:
    """Pin about 1 % of support appointments to the named advisor, inside a window and the advisor's
    time, never overlapping another pin of that advisor or client, within the daily limit."""
    named = {c["id"]: c["named_advisor"] for c in clients}
    by_id = {a["id"]: a for a in staff}
    taken: dict[str, list[tuple[int, int]]] = {}
    per_day: Counter = Counter()
    for appt in appointments:
        if rng.random() >= 0.01 or appt["kind"] != "support":
            continue
        advisor = by_id.get(named[appt["client"]] or "")
        if advisor is None or appt["skill"] not in advisor["skills"]:
            continue
        length = appt["duration_minutes"]
        for span in rng.sample(advisor["availability"], len(advisor["availability"])):
            s, e = _minute(span["start"], days), _minute(span["end"], days)
            for w in appt["windows"]:
                lo, hi = max(s, _minute(w["start"], days)), min(e, _minute(w["end"], days))
                if hi - lo < length:
                    continue
                begin = lo + rng.randrange(0, (hi - lo - length) // slot + 1) * slot
                clash = any(b < begin + length and begin < f for who in (advisor["id"], appt["client"])
                            for b, f in taken.get(who, []))
                limit = advisor["max_appointments_per_day"]
                if clash or (limit is not None and per_day[(advisor["id"], begin // 1440)] >= limit):
                    continue
                for who in (advisor["id"], appt["client"]):
                    taken.setdefault(who, []).append((begin, begin + length))
                per_day[(advisor["id"], begin // 1440)] += 1
                appt["pinned"] = {"advisor": advisor["id"], "start": _t(days[begin // 1440], begin % 1440)}
                break
            if "pinned" in appt:
                break
