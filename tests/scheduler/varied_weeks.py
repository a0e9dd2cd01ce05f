"""Varied weeks for judging the planner on weeks unlike scheduler.generate's (issue 16).

Written from docs/problem-format.md, independent of scheduler.generate: each seed draws its own mix
of load (0.6-1.3), part-time and split shifts, 1-4 windows per appointment (an hour to the whole
week), durations 10-90 minutes, 0-30 % new clients, 0-30 % policing, protected targets 0-20 % of
hours, skill mixes from one generalist pool to many specialists, caseloads near their maximum.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

MONDAY = date(2026, 11, 23)


def _t(day: int, minute: int) -> str:
    moment = MONDAY + timedelta(days=day)
    return f"{moment.isoformat()}T{minute // 60:02d}:{minute % 60:02d}"


def varied_week(seed: int, advisors: int = 12, **fixed) -> dict:
    """A caseload-problem/1 document; keyword arguments fix any drawn setting (load, new_share, ...)."""
    rng = random.Random(f"varied-{seed}-{advisors}")
    slot = fixed.get("slot", rng.choice([5, 10, 15, 30]))
    knobs = {
        "load": round(rng.uniform(0.6, 1.3), 2),
        "new_share": rng.choice([0.0, 0.1, 0.3, rng.uniform(0, 0.3)]),
        "policing_share": rng.choice([0.0, 0.1, 0.3, rng.uniform(0, 0.3)]),
        "protected_share": rng.uniform(0.0, 0.2),
        "skills": rng.choice([1, 2, 4, 6]),
        "skills_each": rng.choice([1, 2, 3]),
        "part_time": rng.uniform(0.0, 0.5),
        "split": rng.uniform(0.0, 0.5),
        "windows": rng.choice(["short", "long", "mixed"]),
        "clients_per_advisor": rng.choice([5, 15, 40]),
        "max_per_day": rng.choice([None, 4, 8, 20]),
        "complexity_heavy": rng.random() < 0.5,
    }
    knobs.update({k: v for k, v in fixed.items() if k != "slot"})
    skills = [f"s{i}" for i in range(knobs["skills"])]
    durations = [d for d in (10, 15, 20, 30, 45, 60, 75, 90) if d % slot == 0] or [slot]

    staff = []
    for i in range(advisors):
        roll = rng.random()
        roles = ["support"] if roll < 0.7 else ["support", "policing"] if roll < 0.9 else ["policing"]
        if knobs["policing_share"] == 0:
            roles = ["support"]
        spans = []
        days = range(5) if rng.random() >= knobs["part_time"] else sorted(rng.sample(range(5), rng.randint(1, 4)))
        for d in days:
            begin = rng.choice([7, 8, 9, 10]) * 60
            end = begin + rng.choice([4, 6, 8, 9]) * 60
            end = min(end, 20 * 60)
            if rng.random() < knobs["split"] and end - begin >= 5 * 60:
                gap_start = begin + rng.randrange(2, (end - begin) // 60 - 2) * 60
                spans += [(d, begin, gap_start), (d, gap_start + rng.choice([30, 60, 120]), end)]
            else:
                spans.append((d, begin, end))
        minutes = sum(e - s for _, s, e in spans)
        protected = int(minutes * rng.uniform(0, knobs["protected_share"])) // slot * slot
        staff.append({"id": f"a{i + 1}", "name": f"Advisor {i + 1}",
                      "skills": rng.sample(skills, min(len(skills), rng.randint(1, knobs["skills_each"]))),
                      "roles": roles,
                      "availability": [{"start": _t(d, s), "end": _t(d, e)} for d, s, e in spans],
                      "protected_minutes": protected, "max_appointments_per_day": knobs["max_per_day"],
                      "_minutes": minutes})
    supporters = [a for a in staff if "support" in a["roles"]]
    policers = [a for a in staff if "policing" in a["roles"]]
    clients = []
    for c in range(knobs["clients_per_advisor"] * advisors):
        need = rng.choice(skills)
        able = [a["id"] for a in supporters if need in a["skills"]]
        named = rng.choice(able) if able and rng.random() >= knobs["new_share"] else None
        weights = [3, 3, 4] if knobs["complexity_heavy"] else [6, 3, 1]
        clients.append({"id": f"c{c + 1}", "named_advisor": named, "need": need,
                        "complexity": rng.choices([1, 2, 3], weights=weights)[0], "history": []})
    for a in staff:
        a["caseload"] = sum(c["named_advisor"] == a["id"] for c in clients)
        a["max_caseload"] = a["caseload"] + rng.choice([0, 1, 2, 5, 20])

    budget = knobs["load"] * sum(a.pop("_minutes") - a["protected_minutes"] for a in staff)
    appointments, used = [], 0
    while used < budget:
        client = rng.choice(clients)
        policing = policers and rng.random() < knobs["policing_share"]
        kind = "policing" if policing else "support"
        minutes = rng.choice(durations)
        windows = []
        for _ in range(rng.randint(1, 4)):
            style = knobs["windows"] if knobs["windows"] != "mixed" else rng.choice(["short", "long"])
            day = rng.randrange(5)
            if style == "short":
                begin = rng.randrange(7 * 60, 18 * 60, 60)
                length = max(minutes, rng.choice([60, 120, 180, 240]))
                windows.append((day * 1440 + begin, day * 1440 + min(begin + length, 20 * 60)))
            else:
                last = min(4, day + rng.randint(0, 4))
                windows.append((day * 1440 + 7 * 60, last * 1440 + 20 * 60))
        windows = _merged([w for w in windows if w[1] - w[0] >= minutes]) or [(7 * 60, 4 * 1440 + 20 * 60)]
        appointments.append({"id": f"p{len(appointments) + 1}", "client": client["id"], "kind": kind,
                             "skill": client["need"], "duration_minutes": minutes,
                             "windows": [{"start": _t(s // 1440, s % 1440), "end": _t(e // 1440, e % 1440)}
                                         for s, e in windows]})
        used += minutes
    return {"format": "caseload-problem/1",
            "horizon": {"start": MONDAY.isoformat(), "days": 5, "slot_minutes": slot, "timezone": "Europe/London",
                        "protected_block_minutes": rng.choice([30, 60, 90]) // slot * slot or slot},
            "weights": {"assigned": 10000, "continuity": 100, "protected": 1, "separation": 500, "disruption": 200},
            "advisors": staff, "clients": clients, "appointments": appointments,
            "generator": {"varied": seed, "advisors": advisors, "slot": slot, **knobs}}


def _merged(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
