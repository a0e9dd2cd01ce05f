"""Trading places by complexity (scheduler.trade): a complex client comes home by moving a simpler one."""
from __future__ import annotations

import time

from scheduler import lns, repair, solver, trade
from scheduler.budget import Budget
from scheduler.check import check_solution
from scheduler.model import Placement
from scheduler.parse import parse_problem
from tiny import span


def _week() -> dict:
    """a1 and a2 each work 09:00-10:00. c1 (complexity 1) and c3 (complexity 3) both belong to a1, who
    has room for one of them. Every desk books c1's 45 minutes with a1 first (its window is tighter and
    ends first) and c3's hour with a2; the lengths differ, so re-dealing same-time appointments cannot
    swap them, and a1 holds no one else's client to swap with."""
    hour = [span(9 * 60, 10 * 60)]
    return {
        "format": "caseload-problem/1",
        "horizon": {"start": "2026-11-23", "days": 1, "slot_minutes": 15, "timezone": "Europe/London",
                    "protected_block_minutes": 60},
        "weights": {"assigned": 10000, "continuity": 100, "protected": 1, "separation": 500, "disruption": 200},
        "advisors": [{"id": v, "name": v, "skills": ["debt"], "roles": ["support"], "availability": hour}
                     for v in ("a1", "a2")],
        "clients": [{"id": "c1", "named_advisor": "a1", "need": "debt", "complexity": 1},
                    {"id": "c3", "named_advisor": "a1", "need": "debt", "complexity": 3}],
        "appointments": [
            {"id": "q1", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 45,
             "windows": hour},
            {"id": "q3", "client": "c3", "kind": "support", "skill": "debt", "duration_minutes": 60,
             "windows": [span(9 * 60, 10 * 60 + 30)]},
        ],
    }


def _valid(problem, plan) -> bool:
    return check_solution(problem, solver._document(problem, plan, None, time.perf_counter(), "feasible")).ok


def test_the_complex_client_comes_home_and_the_simple_one_moves():
    problem = parse_problem(_week())
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"q1": Placement("a1", at("2026-11-23T09:00")),
                              "q3": Placement("a2", at("2026-11-23T09:00"))}, {}, [])
    assert repair.bring_home(plan) == 0 and repair.match_same_times(plan) == 0  # the other repairs cannot
    assert trade.trade_home(plan) == 200
    assert plan.assignments == {"q3": Placement("a1", at("2026-11-23T09:00")),
                                "q1": Placement("a2", at("2026-11-23T09:00"))}
    assert _valid(problem, plan)


def test_no_trade_moves_a_client_worth_as_much_at_home():
    doc = _week()
    doc["clients"][0]["complexity"] = 3  # now both are worth 300 with a1: nothing to gain
    problem = parse_problem(doc)
    at = problem.horizon.to_slot
    start = {"q1": Placement("a1", at("2026-11-23T09:00")), "q3": Placement("a2", at("2026-11-23T09:00"))}
    plan = lns.Plan(problem, start, {}, [])
    assert trade.trade_home(plan) == 0
    assert plan.assignments == start


def test_the_start_phase_finds_the_trade():
    problem = parse_problem(_week())
    plan = solver._best_start(problem, None)
    assert plan.assignments["q3"].advisor == "a1" and plan.assignments["q1"].advisor == "a2"
    assert plan.score() == 2 * 10000 + 300


def test_the_search_ends_with_the_trades():
    problem = parse_problem(_week())
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"q1": Placement("a1", at("2026-11-23T09:00")),
                              "q3": Placement("a2", at("2026-11-23T09:00"))}, {}, [])
    no_parts = Budget(time.perf_counter() + 60, units=0.0)  # deterministic, no units: no part is solved
    plan = solver._neighbourhood_search(plan, no_parts, 1, report=lambda current: False)
    assert plan.assignments["q3"].advisor == "a1" and plan.score() == 2 * 10000 + 300
    assert _valid(problem, plan)
