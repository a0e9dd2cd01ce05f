"""Tiny weeks for the solver tests: a random generator, a brute-force optimum, and a checked solve.

The brute force shares no code with the solver: it enumerates every placement of every
appointment (and every allocation of new clients), keeps the combinations that break no hard
rule, and scores them straight from the contract's formula. Protected time is worked out the
same way a person would: each stretch of free availability at least a block long can be one
protected block, so the most an advisor can keep is the total of those stretches.
"""
from __future__ import annotations

import itertools
import random

from ortools.sat.python import cp_model

from scheduler.check import check_solution
from scheduler.explain import CODES
from scheduler.parse import parse_problem
from scheduler.solver import build_model, solve

DAY = "2026-11-23"
SKILLS = ("debt", "housing")


def at(minutes: int, day: str = DAY) -> str:
    return f"{day}T{minutes // 60:02d}:{minutes % 60:02d}"


def span(start_min: int, end_min: int) -> dict:
    return {"start": at(start_min), "end": at(end_min)}


def tiny_week(rng: random.Random, advisors: int = 2, appointments: tuple[int, int] = (3, 4)) -> dict:
    """One morning, 15-minute grid: `advisors` advisors, 3-4 appointments, weights that trade off."""
    people = []
    for i in range(advisors):
        availability = ([span(540, 720)] if rng.random() < 0.6 else
                        [span(540, 630), span(660, 720)])  # a break from 10:30 to 11:00
        roles = ["support"] if i == 0 else rng.choice([["support"], ["policing"], ["support", "policing"]])
        people.append({"id": f"a{i}", "name": f"Advisor {i}",
                       "skills": rng.sample(SKILLS, rng.randint(1, 2)), "roles": roles,
                       "availability": availability,
                       "protected_minutes": rng.choice([0, 30, 60]),
                       "max_appointments_per_day": rng.choice([None, 1, 2]),
                       "max_caseload": rng.choice([None, None, 0, 1])})
    clients = []
    for c in range(rng.randint(2, 3)):
        clients.append({"id": f"c{c}", "named_advisor": rng.choice([None] + [a["id"] for a in people]),
                        "need": rng.choice(SKILLS), "complexity": rng.randint(1, 3)})
    appts = []
    for n in range(rng.randint(*appointments)):
        minutes = rng.choice([15, 30, 45, 60])
        start = rng.choice([540, 570, 600, 630, 660])
        end = min(720, start + max(minutes, rng.choice([30, 60, 90, 180])))
        if end - start < minutes:
            start = end - minutes
        client = rng.choice(clients)
        appts.append({"id": f"p{n}", "client": client["id"],
                      "kind": "support" if rng.random() < 0.75 else "policing",
                      "skill": client["need"] if rng.random() < 0.8 else rng.choice(SKILLS),
                      "duration_minutes": minutes, "windows": [span(start, end)]})
    doc = {"format": "caseload-problem/1",
           "horizon": {"start": DAY, "days": 1, "slot_minutes": 15, "timezone": "Europe/London",
                       "protected_block_minutes": rng.choice([30, 45])},
           "weights": {"assigned": rng.choice([100, 1000]), "continuity": rng.choice([0, 40, 100]),
                       "protected": rng.choice([1, 5]), "separation": rng.choice([0, 60, 500]),
                       "disruption": rng.choice([0, 30, 200])},
           "advisors": people, "clients": clients, "appointments": appts}
    if rng.random() < 0.5:
        a = rng.choice(appts)
        doc["previous"] = [{"appointment": a["id"], "advisor": rng.choice(people)["id"],
                            "start": a["windows"][0]["start"]}]
    if rng.random() < 0.3:
        _pin_somewhere(doc, rng)
    return doc


def _pin_somewhere(doc: dict, rng: random.Random) -> None:
    """Pin one appointment at a placement that is valid on its own."""
    problem = parse_problem(doc)
    appt = rng.choice(problem.appointments)
    options = [(v.id, s) for v in problem.advisors if v.max_appointments_per_day != 0
               for s in _starts(problem, appt, v)]
    if options:
        advisor, start = rng.choice(options)
        row = next(r for r in doc["appointments"] if r["id"] == appt.id)
        row["pinned"] = {"advisor": advisor, "start": problem.horizon.to_text(start)}


def _starts(problem, appt, advisor) -> list[int]:
    if appt.kind not in advisor.roles or appt.skill not in advisor.skills:
        return []
    return sorted({s for w in appt.windows for a in advisor.availability
                   for s in range(max(w.start, a.start), min(w.end, a.end) - appt.duration + 1)})


def brute_force_best(doc: dict) -> int:
    """The best score over every valid plan, by enumeration (tiny problems only)."""
    p = parse_problem(doc)
    w, h = p.weights, p.horizon
    options = []
    for appt in p.appointments:
        if appt.pinned is not None:
            options.append([(appt.pinned.advisor, appt.pinned.start)])
        else:
            options.append([None] + [(v.id, s) for v in p.advisors for s in _starts(p, appt, v)])
    new_clients = [c for c in p.clients if c.named_advisor is None]
    allocation_choices = [[None] + [v.id for v in p.advisors if "support" in v.roles and c.need in v.skills]
                          for c in new_clients]
    allocations = []
    for combo in itertools.product(*allocation_choices):
        taken = {v: combo.count(v) for v in set(combo) if v is not None}
        if all(p.advisor_by_id[v].max_caseload is None or p.advisor_by_id[v].caseload + n <= p.advisor_by_id[v].max_caseload
               for v, n in taken.items()):
            allocations.append({c.id: v for c, v in zip(new_clients, combo) if v is not None})

    best = None
    for plan in itertools.product(*options):
        busy, client_busy, per_day = {}, {}, {}
        ok = True
        for appt, placed in zip(p.appointments, plan):
            if placed is None:
                continue
            v, s = placed
            slots = set(range(s, s + appt.duration))
            if busy.get(v, set()) & slots or client_busy.get(appt.client, set()) & slots:
                ok = False
                break
            busy.setdefault(v, set()).update(slots)
            client_busy.setdefault(appt.client, set()).update(slots)
            per_day[v] = per_day.get(v, 0) + 1
            limit = p.advisor_by_id[v].max_appointments_per_day
            if limit is not None and per_day[v] > limit:
                ok = False
                break
        if not ok:
            continue
        protected = 0
        for v in p.advisors:
            free = 0
            for a in v.availability:
                run = 0
                for t in range(a.start, a.end + 1):
                    if t < a.end and t not in busy.get(v.id, set()):
                        run += 1
                    else:
                        free += run if run >= h.protected_block_slots else 0
                        run = 0
            protected += min(v.protected_minutes, free * h.slot_minutes)
        for alloc in allocations:
            value = w.protected * protected
            for appt, placed in zip(p.appointments, plan):
                if placed is None:
                    continue
                value += w.assigned
                client = p.client_by_id[appt.client]
                named = client.named_advisor or alloc.get(client.id)
                if placed[0] == named:
                    value += w.continuity * client.complexity if appt.kind == "support" else -w.separation
            for appt, placed in zip(p.appointments, plan):
                before = p.previous.get(appt.id)
                if before is not None and (placed is None or placed != (before.advisor, before.start)):
                    value -= w.disruption
            best = value if best is None else max(best, value)
    return best


def solve_checked(doc: dict, time_limit: float = 5.0, **options) -> dict:
    """Solve in this process with one worker and assert what every solution must satisfy."""
    options.setdefault("in_process", True)
    options.setdefault("workers", 1)
    solution = solve(doc, time_limit=time_limit, **options)
    result = check_solution(doc, solution)
    assert result.ok, result.violations
    assert solution["score"] == result.score
    assert solution["bound"] is None or solution["bound"] >= solution["score"]
    listed = [r["appointment"] for r in solution["assignments"]] + [u["appointment"] for u in solution["unassigned"]]
    assert sorted(listed) == sorted(a["id"] for a in doc["appointments"])
    assert all(u.get("code") in CODES and u.get("reason") for u in solution["unassigned"])
    return solution


def placed(solution: dict) -> dict[str, tuple[str, str]]:
    return {r["appointment"]: (r["advisor"], r["start"]) for r in solution["assignments"]}


def reasons(solution: dict) -> dict[str, str]:
    return {u["appointment"]: u["reason"] for u in solution["unassigned"]}


def model_accepts(doc: dict, place: dict[str, tuple[str, str]] | None = None, blocks=(),
                  allocate: dict[str, str] | None = None) -> bool:
    """Whether the CP-SAT model (every hard rule) has a plan with these placements, exact protected
    blocks (advisor, start, end) and allocations forced. A placement or block the model has no
    variable for counts as refused: the rule holds by construction."""
    problem = parse_problem(doc)
    h = problem.horizon
    model, st, _ = build_model(problem, {})
    for appt_id, (advisor, start) in (place or {}).items():
        var = st.xs.x.get((appt_id, advisor, h.to_slot(start)))
        if var is None:
            return False
        model.add(var == 1)
    for advisor, start, end in blocks:
        first, last = h.to_slot(start), h.to_slot(end)
        for t in range(first, last):
            var = st.protected.get((advisor, t))
            if var is None:
                return False
            model.add(var == 1)
        for t in (first - 1, last):  # exactly this block: the slots either side stay unprotected
            if (advisor, t) in st.protected:
                model.add(st.protected[(advisor, t)] == 0)
    for client, advisor in (allocate or {}).items():
        var = st.alloc.get((client, advisor))
        if var is None:
            return False
        model.add(var == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    solver.parameters.stop_after_first_solution = True
    status = solver.solve(model)
    assert status != cp_model.UNKNOWN, "the model should decide a tiny case at once"
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def model_objective(doc: dict, solution: dict) -> int:
    """The CP-SAT model's objective (scheduler.rules: every score term) for exactly this plan.

    Placements and allocations are fixed to the solution's; protected slots are kept out of
    everything but the solution's blocks and left free inside them, so the maximum the model
    finds is min(target, minutes in those blocks) per advisor, as the contract counts it."""
    problem = parse_problem(doc)
    h = problem.horizon
    model, st, _ = build_model(problem, {})
    chosen = {(r["appointment"], r["advisor"], h.to_slot(r["start"])) for r in solution["assignments"]}
    assert chosen <= set(st.xs.x), "a valid placement has no variable in the model"
    for key, var in st.xs.x.items():
        model.add(var == (1 if key in chosen else 0))
    allocated = {(a["client"], a["advisor"]) for a in solution.get("allocations", [])}
    for key, var in st.alloc.items():
        model.add(var == (1 if key in allocated else 0))
    inside = {(b["advisor"], t) for b in solution.get("protected", [])
              for t in range(h.to_slot(b["start"]), h.to_slot(b["end"]))}
    for key, var in st.protected.items():
        if key not in inside:
            model.add(var == 0)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    assert solver.solve(model) == cp_model.OPTIMAL, "the model should refuse no valid plan"
    return int(round(solver.objective_value))
