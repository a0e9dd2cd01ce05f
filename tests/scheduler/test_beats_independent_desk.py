"""The planner never scores below a plain named-first booking desk written independently of it (issue 16).

The desk (independent_desk.py) is written from the contract alone; the weeks (varied_weeks.py) are
drawn unlike scheduler.generate's: loads 0.6-1.3, part-time and split shifts, several windows from an
hour to the whole week, durations 10-90 minutes, new clients, policing, varied skill mixes. Before
the planner started from several desk orders and repaired them (scheduler.solver._best_start), it
lost to this desk on 8 of these 20 weeks at 2 s (deterministic), by up to 207,800 points.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from independent_desk import desk_plan
from scheduler import baselines, lns
from scheduler.check import check_solution
from scheduler.generate import generate
from scheduler.parse import parse_problem
from scheduler.solver import solve_in_process
from varied_weeks import varied_week

# (seed, advisors) of varied weeks: the first eight are those the planner lost before (see above).
WEEKS = [(10, 12), (11, 16), (17, 16), (18, 8), (20, 16), (21, 8), (24, 8), (5, 12),
         (13, 12), (16, 12), (26, 16), (29, 16)]


def _desk_score(problem, doc) -> int:
    result = check_solution(problem, desk_plan(doc))
    assert result.ok, result.violations[:3]  # the yardstick itself keeps every hard rule
    return result.score


def _weeks():
    for seed, advisors in WEEKS:
        yield f"varied-{seed}-{advisors}", lambda seed=seed, advisors=advisors: varied_week(seed, advisors)
    for load in (1.1, 1.3):  # the family that showed the collapse at 120 advisors, smaller
        yield f"advice-16-load{load}", lambda load=load: generate("advice", 16, seed=3, load=load)
    yield "varied-many-new-long-windows", lambda: varied_week(40, 12, new_share=0.3, windows="long", load=1.2)
    yield "varied-part-time-short-windows", lambda: varied_week(41, 12, part_time=0.5, split=0.5, windows="short")


@pytest.mark.slow
@pytest.mark.parametrize("make", [m for _, m in _weeks()], ids=[n for n, _ in _weeks()])
def test_planner_scores_at_least_the_independent_desk(make):
    doc = make()
    problem = parse_problem(doc)
    desk = _desk_score(problem, doc)
    solution = solve_in_process(problem, time_limit=2, deterministic=True)
    result = check_solution(problem, solution)
    assert result.ok, result.violations[:3]
    assert result.score == solution["score"]
    assert solution["score"] >= desk, f"planner {solution['score']} below the independent desk's {desk}"
    assert solution["bound"] >= solution["score"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), advisors=st.integers(2, 10))
def test_our_desk_plans_include_one_at_least_as_good_as_the_independent_desk(seed, advisors):
    """The start plans alone (before any search) never lose to the independent desk: one of them is
    the same rule (requests in order, new clients allocated at their first booking)."""
    doc = varied_week(seed, advisors)
    problem = parse_problem(doc)
    desk = _desk_score(problem, doc)
    best = max(lns.Plan(problem, a, al, pr).score() for _, a, al, pr in baselines.desk_plans(problem))
    assert best >= desk


def test_the_requests_order_desk_is_the_independent_rule():
    """Same rule, two implementations: equal scores on varied weeks (a check on both)."""
    for seed in range(6):
        doc = varied_week(seed, 6)
        problem = parse_problem(doc)
        ours = baselines.run_baseline(problem, baselines.choose_named_first, "named-first", order="requests",
                                      allocate="first")
        assert check_solution(problem, ours).score == _desk_score(problem, doc)
