"""The greedy bring-home pass: moves appointments to the client's own advisor, never makes a plan worse."""
from __future__ import annotations

import random

import pytest

from scheduler import lns, repair
from scheduler.baselines import earliest
from scheduler.check import check_solution
from scheduler.document import read_placements, solution_document
from scheduler.model import Placement, parse_problem
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


@pytest.mark.parametrize("seed", range(30))
def test_never_worse_and_always_valid(seed):
    doc = tiny_week(random.Random(seed), advisors=3, appointments=(4, 7))
    problem = parse_problem(doc)
    plan = lns.Plan(problem, *read_placements(problem, earliest(problem)))
    before = plan.score()
    repair.bring_home(plan)
    result = check_solution(problem, _doc(plan))
    assert result.ok, result.violations
    assert result.score >= before
