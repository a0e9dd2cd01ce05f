"""scheduler.bound_time: the time-indexed LP bound is never below any plan (brute force on tiny weeks,
with random prices too), and is far tighter than the aggregated LP where short windows compete."""
from __future__ import annotations

import random

import numpy as np
import pytest

from scheduler import bound_time
from scheduler.baselines import earliest, named_first
from scheduler.bench import bound_peer
from scheduler.bound import upper_bound
from scheduler.check import check_solution
from scheduler.parse import parse_problem
from scheduler.solver import solve_in_process


@pytest.mark.parametrize("seed", range(40))
def test_time_indexed_bound_is_never_below_the_brute_force_optimum_of_a_tiny_week(seed):
    """Tiny mornings (split shifts, daily limits, protected time, pins, previous plans, new clients):
    the bound from the LP's prices, and the dual bound at random prices, are at least the optimum."""
    from tiny import brute_force_best, tiny_week

    doc = tiny_week(random.Random(7000 + seed), advisors=random.Random(seed).choice([1, 2, 3]), appointments=(3, 5))
    problem = parse_problem(doc)
    optimum = brute_force_best(doc)
    assert bound_time.upper_bound(problem) >= optimum
    relax = bound_time.build(problem)
    rng = np.random.default_rng(seed)
    for scale in (0.0, 10.0, 1000.0):
        assert relax.dual_bound(rng.random(len(relax.b)) * scale) >= optimum


def _competing_hours(seed: int = 1) -> dict:
    """Four advisors, two days 09:00-12:00; many 30-minute appointments, each with a one-hour window,
    bunched in the same two hours: most cannot be placed, whatever the plan."""
    rng = random.Random(seed)
    day = lambda d, m: f"2026-11-{23 + d:02d}T{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    advisors = [{"id": f"a{i}", "name": f"A{i}", "skills": ["debt"], "roles": ["support"],
                 "availability": [{"start": day(d, 540), "end": day(d, 720)} for d in range(2)]} for i in range(4)]
    clients = [{"id": f"c{i}", "named_advisor": f"a{i % 4}", "need": "debt", "complexity": 1} for i in range(8)]
    appts = []
    for n in range(60):
        d, start = rng.randrange(2), rng.choice([540, 555, 570, 585, 600])
        appts.append({"id": f"p{n}", "client": f"c{n % 8}", "kind": "support", "skill": "debt",
                      "duration_minutes": 30, "windows": [{"start": day(d, start), "end": day(d, start + 60)}]})
    return {"format": "caseload-problem/1",
            "horizon": {"start": "2026-11-23", "days": 2, "slot_minutes": 15, "timezone": "Europe/London"},
            "advisors": advisors, "clients": clients, "appointments": appts}


def test_it_is_far_tighter_than_the_aggregated_lp_where_short_windows_compete():
    """Sixty 30-minute appointments in windows between 09:00 and 11:00 on two days, four advisors: at
    most 4 advisors x 2 days x 4 in the two hours fit (fewer, as the windows fall). The time-indexed
    bound sees that; the aggregated LP (its time-of-day rows cover some spans only) and its day bound
    allow two appointments more. The bound stays above the desk plans."""
    doc = _competing_hours()
    problem = parse_problem(doc)
    stats: dict = {}
    aggregated = upper_bound(problem, stats=stats)
    tight = bound_time.upper_bound(problem)
    w = problem.weights
    assert tight <= 32 * w.assigned + 32 * w.continuity
    assert tight <= aggregated - 2 * w.assigned  # 302,600 against 322,700: two appointments fewer
    for plan in (named_first(doc), earliest(doc)):
        result = check_solution(problem, plan)
        assert result.ok and result.score <= tight


def test_it_gives_up_on_a_week_too_large():
    problem = parse_problem(_competing_hours())
    assert bound_time.upper_bound(problem, max_columns=10) is None and bound_time.build(problem, max_columns=10) is None


@pytest.mark.parametrize("seed", range(10))
def test_time_indexed_bound_is_at_least_the_cp_sat_optimum_of_a_small_week(seed):
    """Three advisors, up to 7 appointments (beyond the brute force): CP-SAT's whole-week model proves
    its optimum; the time-indexed bound must not cut it off."""
    from tiny import tiny_week

    doc = tiny_week(random.Random(8000 + seed), advisors=3, appointments=(5, 7))
    solution = solve_in_process(doc, time_limit=10, workers=1, deterministic=True, strategy="full")
    assert solution["status"] == "optimal"
    assert bound_time.upper_bound(parse_problem(doc)) >= solution["score"]


def test_the_bench_bound_peer_takes_the_time_indexed_bound_where_it_is_lower():
    problem = parse_problem(_competing_hours())
    peer = bound_peer(problem, time_limit=60.0)
    assert peer["proved"] == "time-indexed" and peer["bound"] == peer["time_indexed"] == bound_time.upper_bound(problem)
    assert peer["bound"] < upper_bound(problem)
