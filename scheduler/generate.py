"""Realistic generated weeks for tests and benchmarks: jobcentre, advice and clinic profiles, and
`varied` (scheduler.generate_varied: a week whose shape is drawn per seed).

Seeded and deterministic. Load = appointment minutes / bookable minutes (availability less the
protected-time targets). The three fixed profiles generate exactly what they always have (the
tests and the web demo depend on them).
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.generate_varied import generate_varied
from scheduler.model import PROBLEM_FORMAT


@dataclass(frozen=True)
class Profile:
    slot: int
    support_minutes: dict[int, tuple[int, ...]]  # complexity -> durations to choose from
    policing_share: float
    policing_minutes: int
    protected_hours: float
    protected_block: int
    clients_per_advisor: int
    skills: tuple[str, ...]
    max_per_day: int  # a little above what load 0.8 needs on a full day, so it binds only on busy days


PROFILES = {
    "jobcentre": Profile(15, {1: (30,), 2: (45,), 3: (60,)}, 0.22, 30, 4, 60, 60,
                         ("work-search", "disability", "housing", "debt", "skills"), 10),
    "advice": Profile(30, {1: (60,), 2: (60, 90), 3: (90,)}, 0.08, 60, 5, 90, 40,
                      ("debt", "housing", "benefits", "employment", "immigration"), 6),
    "clinic": Profile(10, {1: (10,), 2: (20,), 3: (30,)}, 0.05, 20, 3, 60, 250,
                      ("general", "diabetes", "respiratory", "mental-health", "wound-care"), 30),
}
DAY_START, LUNCH, LUNCH_END, DAY_END = 9 * 60, 12 * 60 + 30, 13 * 60 + 30, 17 * 60


def _t(day: date, minutes: int) -> str:
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}"


def _availability(rng: random.Random, days: list[date], part_time: bool) -> list[tuple[int, int, int]]:
    """(day index, start minute, end minute) intervals: lunch breaks, part-timers, absences, half days."""
    spans = []
    working = sorted(rng.sample(range(len(days)), 3)) if part_time else list(range(len(days)))
    absent = rng.choice(working) if rng.random() < 0.12 else None
    for d in working:
        if d == absent:
            continue
        if rng.random() < 0.08:  # a half day
            spans.append((d, DAY_START, LUNCH) if rng.random() < 0.5 else (d, LUNCH_END, DAY_END))
        else:
            spans += [(d, DAY_START, LUNCH), (d, LUNCH_END, DAY_END)]
    return spans


PROFILE_NAMES = (*PROFILES, "varied")


def generate(profile: str, advisors: int, seed: int = 1, load: float | None = None, start: date | None = None,
             **varied) -> dict:
    """A caseload-problem/1 week. `load` defaults to 0.8 for the fixed profiles and is drawn for
    `varied`; `varied` also takes generate_varied's parameters by name. ValueError names a bad argument."""
    if profile == "varied":
        return generate_varied(advisors, seed, start=start, load=load, **varied)
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: choose one of {', '.join(PROFILE_NAMES)}")
    if varied:
        raise ValueError(f"{', '.join(sorted(varied))}: only the varied profile takes these")
    if advisors < 1:
        raise ValueError("advisors: must be at least 1")
    load = 0.8 if load is None else load
    p = PROFILES[profile]
    rng = random.Random(f"{profile}-{advisors}-{seed}")
    start = start or date(2026, 11, 23)  # a Monday
    days = [start + timedelta(days=i) for i in range(5)]

    staff = []
    for i in range(advisors):
        policing = rng.random() < 0.25
        policing_only = policing and rng.random() < 0.3
        part_time = rng.random() < 0.2
        skills = rng.sample(p.skills, rng.randint(1, 3))
        spans = _availability(rng, days, part_time)
        staff.append({
            "id": f"a{i + 1}", "name": f"Advisor {i + 1}", "skills": skills,
            "roles": (["policing"] if policing_only else ["support", "policing"] if policing else ["support"]),
            "availability": [{"start": _t(days[d], s), "end": _t(days[d], e)} for d, s, e in spans],
            "protected_minutes": int(p.protected_hours * 60 * (0.6 if part_time else 1.0)) // p.slot * p.slot,
            "max_appointments_per_day": p.max_per_day,
            "_minutes": sum(e - s for _, s, e in spans),
        })
    supporters = [a for a in staff if "support" in a["roles"]] or staff
    policers = [a for a in staff if "policing" in a["roles"]]

    # The whole caseload is in the document (a clinician holds ~250 patients), so most clients have
    # no appointment this week and few have more than one, as in a real office.
    demand = _demand(p.skills, supporters)
    clients = []
    for c in range(p.clients_per_advisor * advisors):
        need = rng.choices(p.skills, weights=demand)[0]
        able = [a for a in supporters if need in a["skills"] and "support" in a["roles"]]
        named = rng.choice(able)["id"] if able and rng.random() < 0.9 else None
        history = []
        if named:
            for k in range(rng.randint(0, 4)):
                who = named if rng.random() < 0.8 else rng.choice(supporters)["id"]
                history.append({"advisor": who, "date": (start - timedelta(days=7 * (k + 1))).isoformat()})
        clients.append({"id": f"c{c + 1}", "named_advisor": named, "need": need,
                        "complexity": rng.choices([1, 2, 3], weights=[6, 3, 1])[0], "history": history})
    held = Counter(c["named_advisor"] for c in clients)
    for a in staff:
        a["caseload"] = held[a["id"]]
        a["max_caseload"] = a["caseload"] + rng.randint(0, max(3, a["caseload"] // 10))  # some are full

    bookable = sum(a.pop("_minutes") - a["protected_minutes"] for a in staff)
    budget = load * bookable
    appointments, used, n = [], 0, 0
    pinned_slots: set[tuple[str, int, int]] = set()
    while used < budget:
        n += 1
        client = rng.choice(clients)
        policing = policers and rng.random() < p.policing_share
        if policing:
            kind, skill, minutes = "policing", client["need"], p.policing_minutes
            if not any(skill in a["skills"] for a in policers):
                skill = rng.choice(policers)["skills"][0]
        else:
            kind, skill = "support", client["need"]
            minutes = rng.choice(p.support_minutes[client["complexity"]])
        first = rng.randrange(5)
        last = min(4, first + rng.randint(0, 2))
        appt = {"id": f"p{n}", "client": client["id"], "kind": kind, "skill": skill, "duration_minutes": minutes,
                "windows": [{"start": _t(days[first], DAY_START), "end": _t(days[last], DAY_END)}]}
        if rng.random() < 0.02:
            _maybe_pin(rng, appt, client, staff, days, minutes, p.slot, pinned_slots)
        appointments.append(appt)
        used += minutes
    return {
        "format": PROBLEM_FORMAT,
        "horizon": {"start": start.isoformat(), "days": 5, "slot_minutes": p.slot, "timezone": "Europe/London",
                    "protected_block_minutes": p.protected_block},
        "weights": {"assigned": 10000, "continuity": 100, "protected": 1, "separation": 500, "disruption": 200},
        "advisors": staff, "clients": clients, "appointments": appointments,
        "generator": {"profile": profile, "advisors": advisors, "seed": seed, "load": load},
    }


def _demand(skills: tuple[str, ...], supporters: list[dict]) -> list[float]:
    """How often clients need each skill: in proportion to the support hours offered for it, as an
    office staffs for its demand; a skill nobody covers stays rare but possible."""
    hours = {s: 0.0 for s in skills}
    for a in supporters:
        for s in a["skills"]:
            hours[s] += a["_minutes"] / len(a["skills"])
    floor = 0.02 * (sum(hours.values()) / len(skills) or 1.0)
    return [max(hours[s], floor) for s in skills]


def _maybe_pin(rng, appt, client, staff, days, minutes, slot, pinned_slots) -> None:
    """Pin to the named advisor (support) at a start inside their availability that no other pin uses."""
    advisor = next((a for a in staff if a["id"] == client["named_advisor"]), None)
    if advisor is None or appt["kind"] != "support" or appt["skill"] not in advisor["skills"]:
        return
    w_start, w_end = appt["windows"][0]["start"], appt["windows"][0]["end"]
    for span in rng.sample(advisor["availability"], len(advisor["availability"])):
        if not (w_start <= span["start"] and span["end"] <= w_end):
            continue
        day = span["start"][:10]
        s = int(span["start"][11:13]) * 60 + int(span["start"][14:16])
        e = int(span["end"][11:13]) * 60 + int(span["end"][14:16])
        if e - s < minutes:
            continue
        begin = s + rng.randrange(0, (e - s - minutes) // slot + 1) * slot
        key_a, key_c = (advisor["id"], day, begin // 60), (client["id"], day, begin // 60)
        # Keep pins an hour apart per advisor and per client so they never clash.
        if any((who, day, hour) in pinned_slots for who in (advisor["id"], client["id"])
               for hour in (begin // 60 - 1, begin // 60, begin // 60 + 1)):
            continue
        pinned_slots.update({key_a, key_c})
        appt["pinned"] = {"advisor": advisor["id"], "start": f"{day}T{begin // 60:02d}:{begin % 60:02d}"}
        return
