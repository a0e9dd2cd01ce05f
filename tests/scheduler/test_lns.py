"""Neighbourhood search: a re-solved part never collides with what stays outside it."""
from __future__ import annotations

import time

from scheduler import lns
from scheduler.budget import Budget
from scheduler.check import check_solution
from scheduler.document import solution_document
from scheduler.model import Interval, Placement
from scheduler.parse import parse_problem

NIGHT = {
    "format": "caseload-problem/1",
    "horizon": {"start": "2026-11-23", "days": 2, "slot_minutes": 15},
    "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"], "protected_minutes": 60,
                  "availability": [{"start": "2026-11-23T22:00", "end": "2026-11-24T02:00"}]}],
    "clients": [{"id": "c1", "named_advisor": "a1", "need": "debt"},
                {"id": "c2", "named_advisor": "a1", "need": "debt"}],
    "appointments": [
        {"id": "p1", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 60,
         "windows": [{"start": "2026-11-23T23:30", "end": "2026-11-24T00:30"}]},
        {"id": "p2", "client": "c2", "kind": "support", "skill": "debt", "duration_minutes": 30,
         "windows": [{"start": "2026-11-24T00:00", "end": "2026-11-24T01:00"}]},
    ],
}


def _plan():
    problem = parse_problem(NIGHT)
    to_slot = problem.horizon.to_slot
    # p1 Monday 23:30-00:30, across midnight; p2 not booked yet; a1's hour of protected time 22:00-23:00.
    return problem, lns.Plan(problem, {"p1": Placement("a1", to_slot("2026-11-23T23:30"))}, {},
                             [("a1", to_slot("2026-11-23T22:00"), to_slot("2026-11-23T23:00"))])


def test_a_part_leaves_out_time_taken_by_what_started_the_day_before():
    problem, plan = _plan()
    sub, freed = lns.subproblem(plan, {"a1"}, {1})  # Tuesday only: p1 (Monday) stays
    assert freed == {"p2"}
    to_slot = problem.horizon.to_slot
    (a1,) = sub.advisors
    assert a1.availability == (Interval(to_slot("2026-11-24T00:30"), to_slot("2026-11-24T02:00")),)


def test_search_keeps_the_plan_valid_across_midnight():
    problem, plan = _plan()
    lns.improve(plan, Budget(time.perf_counter() + 20, units=0.5), workers=1, seed=0, size=1)
    doc = solution_document(problem, plan.assignments, plan.allocations, plan.protected, status="feasible",
                            reasons={})
    result = check_solution(problem, doc)
    assert result.ok, result.violations
    assert len(plan.assignments) >= 1  # never worse than the start: one appointment booked
