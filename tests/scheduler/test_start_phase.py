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


def test_counting_placements_stops_once_the_answer_is_known():
    problem = _week()
    full = solver._placement_count(problem, enough=10**9)
    assert full > 100
    partial = solver._placement_count(problem, enough=100)
    assert 100 <= partial < full


def test_the_end_reserve_grows_with_the_week_and_is_capped_by_the_limit():
    problem = _week()
    small = solver._end_reserve(problem, 60.0)
    assert 0 < small == solver.END_RESERVE_PER_1000 * len(problem.appointments) / 1000
    assert solver._end_reserve(problem, 0.1) == solver.END_RESERVE_SHARE * 0.1
