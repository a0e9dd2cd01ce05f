"""The start phase (scheduler.solver._best_start) spends from the solve's budget: once the budget is
spent it returns the best desk plan it has, repaired or not, so a big week cannot overrun its limit
in the desks and repairs."""
from __future__ import annotations

import time

from scheduler import baselines, lns, solver
from scheduler.budget import Budget
from scheduler.check import check_solution
from scheduler.parse import parse_problem
from varied_weeks import varied_week


def _valid(problem, plan) -> bool:
    doc = solver._document(problem, plan, None, time.perf_counter(), "feasible")
    return check_solution(problem, doc).ok


def _week():
    # A week where the repairs gain: the start with repairs scores above every bare desk plan.
    return parse_problem(varied_week(3, advisors=10))


def test_a_spent_budget_stops_the_repairs_and_the_best_desk_plan_comes_back():
    problem = _week()
    desks = [lns.Plan(problem, a, al, pr) for _, a, al, pr in baselines.desk_plans(problem)]
    best_desk = max(plan.score() for plan in desks)
    spent = Budget(time.perf_counter() - 1.0)  # its deadline has passed
    plan = solver._best_start(problem, None, spent)
    assert plan.score() == best_desk
    assert _valid(problem, plan)


def test_with_budget_left_the_repairs_run():
    problem = _week()
    desks = [lns.Plan(problem, a, al, pr) for _, a, al, pr in baselines.desk_plans(problem)]
    best_desk = max(plan.score() for plan in desks)
    plan = solver._best_start(problem, None, Budget.for_limit(600))
    assert plan.score() > best_desk
    assert _valid(problem, plan)
