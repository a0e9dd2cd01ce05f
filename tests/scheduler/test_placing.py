"""Placing parts (scheduler.placing): the interval model books what the plan left out and keeps the
plan valid (checked by scheduler.check)."""
from __future__ import annotations

import time

from scheduler import lns, placing
from scheduler.budget import Budget
from scheduler.check import check_solution
from scheduler.document import solution_document
from scheduler.model import Placement
from scheduler.parse import parse_problem

AVAILABLE = [{"start": "2026-11-23T09:00", "end": "2026-11-23T12:00"}]


def _problem() -> dict:
    return {
        "format": "caseload-problem/1",
        "horizon": {"start": "2026-11-23", "days": 1, "slot_minutes": 15},
        "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"], "availability": AVAILABLE},
                     {"id": "a2", "skills": ["debt"], "roles": ["support"], "availability": AVAILABLE}],
        "clients": [{"id": "c1", "named_advisor": "a1", "need": "debt", "complexity": 3},
                    {"id": "c2", "named_advisor": "a1", "need": "debt"}],
        "appointments": [
            {"id": "p1", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 60,
             "windows": [{"start": "2026-11-23T09:00", "end": "2026-11-23T12:00"}]},
            {"id": "p2", "client": "c2", "kind": "support", "skill": "debt", "duration_minutes": 120,
             "windows": [{"start": "2026-11-23T09:00", "end": "2026-11-23T12:00"}]},
        ],
    }


def test_a_part_books_the_unbooked_appointment_and_the_plan_stays_valid():
    doc = _problem()
    doc["advisors"] = doc["advisors"][:1]  # a1 alone
    problem = parse_problem(doc)
    to_slot = problem.horizon.to_slot
    # p2 takes a1 09:30-11:30, leaving two half hours: p1 (an hour) fits only by moving p2.
    plan = lns.Plan(problem, {"p2": Placement("a1", to_slot("2026-11-23T09:30"))}, {}, [])
    before = plan.score()
    gain = placing.improve(plan, Budget(time.perf_counter() + 20, units=0.5), advisors_per_part=1)
    assert set(plan.assignments) == {"p1", "p2"}
    assert gain == plan.score() - before > 0
    doc = solution_document(problem, plan.assignments, plan.allocations, plan.protected, status="feasible",
                            reasons={})
    result = check_solution(problem, doc)
    assert result.ok, result.violations


def test_appointments_nobody_can_take_do_not_end_the_placing_phase():
    """A part aims only at appointments someone is qualified for: aiming at one nobody can take would
    find no advisor and end the whole phase (here 20 such are unbooked beside p1)."""
    doc = _problem()
    doc["advisors"] = doc["advisors"][:1]
    doc["clients"].append({"id": "c3", "need": "housing"})
    doc["appointments"] += [
        {"id": f"h{k}", "client": "c3", "kind": "support", "skill": "housing", "duration_minutes": 15,
         "windows": [{"start": "2026-11-23T09:00", "end": "2026-11-23T12:00"}]} for k in range(20)]
    problem = parse_problem(doc)
    assert placing.placeable(problem) == {"p1", "p2"}
    plan = lns.Plan(problem, {"p2": Placement("a1", problem.horizon.to_slot("2026-11-23T09:30"))}, {}, [])
    gain = placing.improve(plan, Budget(time.perf_counter() + 20, units=0.5), advisors_per_part=1)
    assert "p1" in plan.assignments and gain > 0
    doc_out = solution_document(problem, plan.assignments, plan.allocations, plan.protected, status="feasible",
                                reasons={})
    assert check_solution(problem, doc_out).ok
