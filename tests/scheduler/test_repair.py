"""The greedy bring-home pass: moves appointments to the client's own advisor, never makes a plan worse."""
from __future__ import annotations

import random

import pytest

from scheduler import lns, repair
from scheduler.baselines import earliest
from scheduler.check import check_solution
from scheduler.document import read_placements, solution_document
from scheduler.model import Placement
from scheduler.parse import parse_problem
from tiny import tiny_week


def _doc(plan):
    return solution_document(plan.problem, plan.assignments, plan.allocations, plan.protected,
                             status="feasible", reasons={})


def test_an_appointment_away_from_home_comes_home(make_problem):
    doc = make_problem()
    doc["advisors"][1]["skills"] = ["debt", "housing"]
    doc.pop("previous")
    problem = parse_problem(doc)
    at = problem.horizon.to_slot
    # p1 is c1's (named a1) but booked with a2; a1 is free on Monday morning.
    plan = lns.Plan(problem, {"p1": Placement("a2", at("2026-11-23T09:00")),
                              "p4": Placement("a1", at("2026-11-24T10:00"))}, {}, [])
    before = plan.score()
    assert repair.bring_home(plan) >= 1
    assert plan.assignments["p1"].advisor == "a1"
    assert plan.score() > before and check_solution(problem, _doc(plan)).ok


@pytest.mark.parametrize("improve", [repair.bring_home, repair.clear_preferred_time], ids=["home", "preferred"])
@pytest.mark.parametrize("seed", range(25))
def test_never_worse_and_always_valid(seed, improve):
    doc = tiny_week(random.Random(seed), advisors=3, appointments=(4, 7))
    for advisor in doc["advisors"]:  # preferred protected time in each advisor's first working stretch
        if advisor["availability"]:
            first = advisor["availability"][0]
            advisor["protected_preferences"] = [{"start": first["start"], "end": first["end"]}]
            advisor["protected_minutes"] = max(advisor.get("protected_minutes", 0), 60)
    problem = parse_problem(doc)
    plan = lns.Plan(problem, *read_placements(problem, earliest(problem)))
    before = plan.score()
    improve(plan)
    result = check_solution(problem, _doc(plan))
    assert result.ok, result.violations
    assert result.score >= before


# --- preferred protected time -------------------------------------------------------------------------

def _prefers_monday_morning(make_problem):
    doc = make_problem()
    doc.pop("previous")
    doc["advisors"][0]["protected_preferences"] = [{"start": "2026-11-23T09:00", "end": "2026-11-23T11:00"}]
    return doc


def test_an_appointment_leaves_preferred_time_when_nothing_is_lost(make_problem):
    problem = parse_problem(_prefers_monday_morning(make_problem))
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"p1": Placement("a1", at("2026-11-23T10:00")),
                              "p4": Placement("a1", at("2026-11-24T10:00"))}, {}, [])
    before = plan.score()
    assert repair.clear_preferred_time(plan) == 1
    moved = plan.assignments["p1"]
    assert moved.advisor == "a1" and not at("2026-11-23T08:15") < moved.start < at("2026-11-23T11:00")
    assert ("a1", at("2026-11-23T09:00"), at("2026-11-23T11:00")) in plan.protected
    assert plan.score() >= before and check_solution(problem, _doc(plan)).ok
    assert plan.assignments["p4"] == Placement("a1", at("2026-11-24T10:00"))  # the pin stays


def test_the_solver_keeps_preferred_time_free(make_problem):
    from scheduler.solver import solve_in_process

    doc = _prefers_monday_morning(make_problem)
    solution = solve_in_process(doc, time_limit=3, workers=1, deterministic=True)
    assert check_solution(doc, solution).ok
    mine = [a for a in solution["assignments"] if a["advisor"] == "a1" and a["start"].startswith("2026-11-23")]
    assert all(not ("2026-11-23T08:15" < a["start"] < "2026-11-23T11:00") for a in mine), mine
    assert {"advisor": "a1", "start": "2026-11-23T09:00", "end": "2026-11-23T11:00"} in solution["protected"]
