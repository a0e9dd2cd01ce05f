"""Small weeks with a plan and a random offer request, and a brute force for the best single placement.

The brute force shares no code with scheduler.booking: it tries every advisor and every start on
the grid, applies the placement to the plan document, gives that advisor every free stretch long
enough for a block as protected time (the most any seating keeps) and asks the independent checker
for the score.
"""
from __future__ import annotations

import random

from scheduler.baselines import earliest, named_first
from scheduler.check import check_solution

DAYS = ("2026-11-23", "2026-11-24")
SKILLS = ("debt", "housing")


def at(day: int, minutes: int) -> str:
    return f"{DAYS[day]}T{minutes // 60:02d}:{minutes % 60:02d}"


def small_week(rng: random.Random) -> dict:
    """Two mornings, 15-minute grid, 2-3 advisors with protected targets and daily limits, 3-6 appointments."""
    advisors = []
    for i in range(rng.randint(2, 3)):
        availability = []
        for d in range(2):
            if rng.random() < 0.8:
                availability += ([{"start": at(d, 540), "end": at(d, 720)}] if rng.random() < 0.6 else
                                 [{"start": at(d, 540), "end": at(d, 630)}, {"start": at(d, 660), "end": at(d, 720)}])
        advisors.append({"id": f"a{i}", "name": f"Advisor {i}", "skills": rng.sample(SKILLS, rng.randint(1, 2)),
                         "roles": ["support"] if i == 0 else rng.choice([["support"], ["support", "policing"]]),
                         "availability": availability, "protected_minutes": rng.choice([0, 30, 60, 90]),
                         "max_appointments_per_day": rng.choice([None, 2, 3])})
    clients = [{"id": f"c{c}", "named_advisor": rng.choice([None] + [a["id"] for a in advisors]),
                "need": rng.choice(SKILLS), "complexity": rng.randint(1, 3)} for c in range(rng.randint(2, 4))]
    appointments = []
    for n in range(rng.randint(3, 6)):
        client = rng.choice(clients)
        minutes = rng.choice([30, 45, 60])
        d = rng.randrange(2)
        start = rng.choice([540, 600, 660])
        appointments.append({"id": f"p{n}", "client": client["id"],
                             "kind": "support" if rng.random() < 0.8 else "policing", "skill": client["need"],
                             "duration_minutes": minutes,
                             "windows": [{"start": at(d, start), "end": at(rng.choice([d, 1]), 720)}]})
    doc = {"format": "caseload-problem/1",
           "horizon": {"start": DAYS[0], "days": 2, "slot_minutes": 15, "timezone": "Europe/London",
                       "protected_block_minutes": rng.choice([30, 45, 60])},
           "weights": {"assigned": 1000, "continuity": rng.choice([0, 40, 100]), "protected": rng.choice([1, 5]),
                       "separation": rng.choice([0, 60, 500]), "disruption": rng.choice([0, 30])},
           "advisors": advisors, "clients": clients, "appointments": appointments}
    return doc


def request_for(doc: dict, rng: random.Random, max_moves: int = 0, count: int | None = None) -> dict:
    """An offer request for a random new appointment of one of the week's clients, against a desk plan."""
    plan = (named_first if rng.random() < 0.5 else earliest)(doc)
    client = rng.choice(doc["clients"])
    d = rng.randrange(2)
    request = {"id": "new", "client": client["id"], "kind": "support" if rng.random() < 0.8 else "policing",
               "skill": client["need"] if rng.random() < 0.9 else rng.choice(SKILLS),
               "duration_minutes": rng.choice([15, 30, 45, 60]),
               "windows": [{"start": at(d, rng.choice([540, 600])), "end": at(rng.choice([d, 1]), 720)}]}
    if request["kind"] == "policing" and rng.random() < 0.5:
        request["kind"] = "support"
    return {"format": "caseload-offer-request/1", "problem": doc, "plan": plan, "request": request,
            "count": count or rng.randint(1, 4), "max_moves": max_moves}


def _free_stretches(doc: dict, advisor: dict, busy: set[int], block_slots: int) -> list[tuple[int, int]]:
    out = []
    for avail in advisor["availability"]:
        start, end = _slot(avail["start"]), _slot(avail["end"])
        run = None
        for t in range(start, end + 1):
            free = t < end and t not in busy
            if free and run is None:
                run = t
            elif not free and run is not None:
                if t - run >= block_slots:
                    out.append((run, t))
                run = None
    return out


def _slot(text: str) -> int:
    day = DAYS.index(text[:10])
    return day * 96 + (int(text[11:13]) * 60 + int(text[14:16])) // 15


def _text(slot: int) -> str:
    return at(slot // 96, (slot % 96) * 15)


def brute_force(request_document: dict) -> dict:
    """{(advisor, day): best score_delta there} over every single placement, with that advisor's
    protected time re-seated as well as it can be; {} when the request fits nowhere."""
    doc, plan, req = request_document["problem"], request_document["plan"], request_document["request"]
    problem = {**doc, "appointments": doc["appointments"] + [req]}
    base = check_solution(problem, {**plan, "score": None, "unassigned": plan["unassigned"] + [{"appointment": "new"}]})
    assert base.ok, base.violations
    durations = {a["id"]: a["duration_minutes"] // 15 for a in problem["appointments"]}
    block = -(-doc["horizon"]["protected_block_minutes"] // 15)
    best = {}
    for advisor in doc["advisors"]:
        busy = {t for row in plan["assignments"] if row["advisor"] == advisor["id"]
                for t in range(_slot(row["start"]), _slot(row["start"]) + durations[row["appointment"]])}
        for start in range(0, 2 * 96 - durations["new"] + 1):
            mine = busy | set(range(start, start + durations["new"]))
            blocks = [{"advisor": advisor["id"], "start": _text(s), "end": _text(e)}
                      for s, e in _free_stretches(doc, advisor, mine, block)]
            solution = {**plan, "score": None,
                        "assignments": plan["assignments"] + [{"appointment": "new", "advisor": advisor["id"],
                                                                "start": _text(start)}],
                        "protected": [b for b in plan["protected"] if b["advisor"] != advisor["id"]] + blocks}
            result = check_solution(problem, solution)
            if result.ok:
                key = (advisor["id"], _text(start)[:10])
                best[key] = max(best.get(key, result.score - base.score), result.score - base.score)
    return best
