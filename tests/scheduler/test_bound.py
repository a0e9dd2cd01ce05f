"""The LP upper bound: never below the score of any valid plan (so never below the solver's)."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest

from scheduler import bound_days, bound_model
from scheduler.baselines import earliest, named_first
from scheduler.bound import column_generation, trivial_bound, upper_bound
from scheduler.check import check_solution
from scheduler.generate import generate
from scheduler.parse import parse_problem
from scheduler.solver import solve_in_process


def night_shift() -> dict:
    """One advisor working 22:00-02:00 across midnight, at most one appointment starting per date,
    and two clients: one can only come before midnight, the other only after."""
    return {
        "format": "caseload-problem/1",
        "horizon": {"start": "2026-11-23", "days": 2, "slot_minutes": 15},
        "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"], "max_appointments_per_day": 1,
                      "availability": [{"start": "2026-11-23T22:00", "end": "2026-11-24T02:00"}]}],
        "clients": [{"id": "c1", "named_advisor": "a1", "need": "debt"},
                    {"id": "c2", "named_advisor": "a1", "need": "debt"}],
        "appointments": [
            {"id": "p1", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 60,
             "windows": [{"start": "2026-11-23T22:00", "end": "2026-11-23T23:30"}]},
            {"id": "p2", "client": "c2", "kind": "support", "skill": "debt", "duration_minutes": 60,
             "windows": [{"start": "2026-11-24T00:00", "end": "2026-11-24T02:00"}]},
        ],
    }


def test_availability_past_midnight_counts_starts_on_their_own_date():
    doc = night_shift()
    # By hand: p1 on Monday 22:00 and p2 on Tuesday 00:00 are one start per date, both with the named advisor.
    plan = {"format": "caseload-solution/1", "status": "feasible",
            "assignments": [{"appointment": "p1", "advisor": "a1", "start": "2026-11-23T22:00"},
                            {"appointment": "p2", "advisor": "a1", "start": "2026-11-24T00:00"}],
            "unassigned": [], "allocations": [], "protected": []}
    result = check_solution(doc, plan)
    assert result.ok, result.violations
    both = 2 * 10000 + 2 * 100
    assert result.score == both
    assert upper_bound(parse_problem(doc)) >= both
    solution = solve_in_process(doc, time_limit=2, workers=1, deterministic=True)
    assert solution["score"] == both and solution["status"] == "optimal"


def test_a_long_appointment_crossing_midnight_uses_the_night_not_one_date():
    doc = night_shift()
    doc["advisors"][0]["max_appointments_per_day"] = None
    doc["appointments"][0].update(duration_minutes=180, windows=[{"start": "2026-11-23T22:00",
                                                                   "end": "2026-11-24T01:00"}])
    doc["appointments"][1]["windows"] = [{"start": "2026-11-24T01:00", "end": "2026-11-24T02:00"}]
    # 22:00-01:00 then 01:00-02:00: the whole night, both placed.
    solution = solve_in_process(doc, time_limit=2, workers=1, deterministic=True)
    assert len(solution["assignments"]) == 2
    assert check_solution(doc, solution).ok and solution["bound"] >= solution["score"]


@pytest.mark.parametrize("profile", ["jobcentre", "advice", "clinic"])
def test_bound_lies_between_every_desk_plan_and_the_trivial_bound(profile):
    doc = generate(profile, 4, seed=7)
    problem = parse_problem(doc)
    value = upper_bound(problem)
    assert value <= trivial_bound(problem)
    for baseline in (earliest, named_first):
        assert check_solution(problem, baseline(problem)).score <= value


def test_trivial_bound_by_hand(problem_doc):
    # 4 appointments; support complexity 2 (p1) + 1 (p3) + 2 (p4); protected targets 120 + 60.
    assert trivial_bound(parse_problem(problem_doc)) == 4 * 10000 + 100 * 5 + 180


@pytest.mark.parametrize("seed", range(40))
def test_bound_is_never_below_the_brute_force_optimum_of_a_tiny_week(seed):
    """Tiny weeks have short windows inside one morning, where the time-of-day rows bind."""
    import random

    from tiny import brute_force_best, tiny_week

    doc = tiny_week(random.Random(1000 + seed), appointments=(3, 5))
    assert upper_bound(parse_problem(doc)) >= brute_force_best(doc)


def test_appointments_that_all_want_the_same_hour_share_that_hour():
    """Three hour-long appointments that can only be 09:00-10:00 on one advisor's 8-hour day: one fits.
    Without the time-of-day rows the relaxation packs all three into the day's 8 hours."""
    doc = {"format": "caseload-problem/1", "horizon": {"start": "2026-11-23", "days": 1, "slot_minutes": 15},
           "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"],
                         "availability": [{"start": "2026-11-23T09:00", "end": "2026-11-23T17:00"}]}],
           "clients": [{"id": f"c{i}", "named_advisor": "a1", "need": "debt"} for i in range(3)],
           "appointments": [{"id": f"p{i}", "client": f"c{i}", "kind": "support", "skill": "debt",
                             "duration_minutes": 60,
                             "windows": [{"start": "2026-11-23T09:00", "end": "2026-11-23T10:00"}]}
                            for i in range(3)]}
    assert upper_bound(parse_problem(doc)) == 10000 + 100


# --- The aggregated relaxation, its dual bound and column generation (bound_model, bound) ---------

def _plans(doc: dict) -> list[dict]:
    return [named_first(doc), earliest(doc), solve_in_process(doc, time_limit=1, workers=1, deterministic=True,
                                                              strategy="lns")]


@pytest.mark.parametrize("seed", range(6))
def test_bound_is_at_least_every_plan_on_varied_weeks(seed):
    """Varied weeks (new clients, policing, protected time, daily limits): the LP bound, the bound of
    the first column-generation round alone, and any random prices all bound every valid plan."""
    from varied_weeks import varied_week

    doc = varied_week(seed, advisors=4)
    problem = parse_problem(doc)
    scores = []
    for plan in _plans(doc):
        result = check_solution(problem, plan)
        assert result.ok, result.violations
        scores.append(result.score)
    full = upper_bound(problem)
    first_round = upper_bound(problem, max_rounds=1)
    assert max(scores) <= full <= first_round <= trivial_bound(problem)
    relax = bound_model.build(problem)
    rng = np.random.default_rng(seed)
    for scale in (1.0, 100.0, 10000.0):
        prices = rng.random(len(relax.b)) * scale
        assert relax.dual_bound(prices) >= max(scores)
        # The advisor-days priced exactly: valid for any prices too, and never looser than the LP's;
        # with the columns' upper bounds priced too (caps), never looser than without.
        # (Each adds its float-rounding allowance, 1e-9 of its terms' magnitudes, hence the slack.)
        capped, plain = bound_days.day_bound(relax, prices), bound_days.day_bound(relax, prices, caps=False)
        assert max(scores) <= capped <= plain + 1e-7 * abs(plain)
        assert plain <= relax.dual_bound(prices) + 1e-6


@pytest.mark.parametrize("seed", range(20))
def test_the_day_bound_at_any_prices_is_never_below_the_brute_force_optimum(seed):
    """The day bound with the columns' upper bounds priced (bound_days's third bound) is a relaxation
    for any prices, not only the LP's: random prices on tiny weeks, checked against the brute force."""
    import random

    from tiny import brute_force_best, tiny_week

    doc = tiny_week(random.Random(3000 + seed), appointments=(3, 5))
    relax = bound_model.build(parse_problem(doc))
    optimum = brute_force_best(doc)
    rng = np.random.default_rng(seed)
    for scale in (0.0, 10.0, 1000.0, 10000.0):
        prices = rng.random(len(relax.b)) * scale * (rng.random(len(relax.b)) < 0.7)
        assert bound_days.day_bound(relax, prices) >= optimum


@pytest.mark.parametrize("seed", [1, 4, 10])
def test_pricing_the_columns_upper_bounds_tightens_the_proven_bound(seed):
    """On these 6-advisor varied weeks the day DP places some lucrative column more often than its
    upper bound allows; pricing those bounds (bound_days, caps) lowers the proven bound below the
    day bound without them, at the same LP prices, and it still bounds every plan."""
    from varied_weeks import varied_week

    doc = varied_week(seed, advisors=6)
    problem = parse_problem(doc)
    relax = bound_model.build(problem)
    _, _, prices = column_generation(relax, time.perf_counter() + 10.0)
    plain = math.floor(bound_days.day_bound(relax, prices, caps=False))
    value = upper_bound(problem)
    assert value < plain
    for plan in _plans(doc):
        result = check_solution(problem, plan)
        assert result.ok and result.score <= value


@pytest.mark.parametrize("seed", range(12))
def test_bound_is_at_least_cp_sat_optimum_on_tiny_weeks(seed):
    """CP-SAT's whole-week model solves tiny weeks to optimality; the relaxation must not cut it off."""
    import random

    from tiny import tiny_week

    doc = tiny_week(random.Random(2000 + seed), appointments=(3, 6))
    solution = solve_in_process(doc, time_limit=5, workers=1, deterministic=True, strategy="full")
    assert solution["status"] == "optimal"
    assert upper_bound(parse_problem(doc)) >= solution["score"]


def test_prices_of_zero_give_every_column_at_its_bound():
    """Weak duality by hand: with no prices the bound is every column at its upper bound."""
    doc = {"format": "caseload-problem/1", "horizon": {"start": "2026-11-23", "days": 1, "slot_minutes": 15},
           "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"],
                         "availability": [{"start": "2026-11-23T09:00", "end": "2026-11-23T10:00"}]}],
           "clients": [{"id": "c1", "named_advisor": "a1", "need": "debt"}],
           "appointments": [{"id": f"p{i}", "client": "c1", "kind": "support", "skill": "debt",
                             "duration_minutes": 60,
                             "windows": [{"start": "2026-11-23T09:00", "end": "2026-11-23T10:00"}]}
                            for i in range(2)]}
    problem = parse_problem(doc)
    relax = bound_model.build(problem)
    # Two alike appointments of a named client: one class; each has its own named-advisor column.
    assert sorted(relax.c.tolist()) == [10000.0, 10100.0, 10100.0]
    assert relax.dual_bound(np.zeros(len(relax.b))) == pytest.approx(10000 * 2 + 10100 * 2, abs=1e-3)
    assert upper_bound(problem) == 10100  # one hour, one appointment


def test_overlapping_short_windows_share_their_union():
    """09:00-10:00 and 09:30-10:30, an hour each, on one advisor's day: only one fits. Neither window
    holds both, so only a time-of-day row over their union [09:00, 10:30) (90 minutes for 120 minutes
    of demand) stops the relaxation placing both: at most 1.5 appointments."""
    doc = {"format": "caseload-problem/1", "horizon": {"start": "2026-11-23", "days": 1, "slot_minutes": 15},
           "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"],
                         "availability": [{"start": "2026-11-23T09:00", "end": "2026-11-23T17:00"}]}],
           "clients": [{"id": f"c{i}", "named_advisor": "a1", "need": "debt"} for i in range(2)],
           "appointments": [{"id": f"p{i}", "client": f"c{i}", "kind": "support", "skill": "debt",
                             "duration_minutes": 60,
                             "windows": [{"start": f"2026-11-23T{start}", "end": f"2026-11-23T{end}"}]}
                            for i, (start, end) in enumerate([("09:00", "10:00"), ("09:30", "10:30")])]}
    assert 10100 <= upper_bound(parse_problem(doc)) <= 15150


def split_shift(appointments: int = 4) -> dict:
    """One advisor working 09:00-10:30 and 11:00-12:30 (three hours) and hour-long appointments that may
    be any time that day: each half-shift holds one, 30 minutes of each are lost."""
    return {"format": "caseload-problem/1", "horizon": {"start": "2026-11-23", "days": 1, "slot_minutes": 15},
            "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"],
                          "availability": [{"start": "2026-11-23T09:00", "end": "2026-11-23T10:30"},
                                           {"start": "2026-11-23T11:00", "end": "2026-11-23T12:30"}]}],
            "clients": [{"id": f"c{i}", "named_advisor": "a1", "need": "debt"} for i in range(appointments)],
            "appointments": [{"id": f"p{i}", "client": f"c{i}", "kind": "support", "skill": "debt",
                              "duration_minutes": 60,
                              "windows": [{"start": "2026-11-23T00:00", "end": "2026-11-24T00:00"}]}
                             for i in range(appointments)]}


def test_an_appointment_cannot_straddle_a_split_shift():
    """Four wanted, three hours: the LP counts three hours of capacity and places three; priced as a
    real day (bound_days) only two fit, which is the optimum CP-SAT proves. Without the day pricing
    the bound is a whole appointment looser."""
    doc = split_shift()
    problem = parse_problem(doc)
    solution = solve_in_process(doc, time_limit=5, workers=1, deterministic=True, strategy="full")
    assert solution["status"] == "optimal" and solution["score"] == 2 * 10100
    assert upper_bound(problem) == 2 * 10100
    assert upper_bound(problem, days=False) >= 3 * 10000
    # The day pricing only helps where the LP's prices sit on the day's rows: with exactly three
    # appointments HiGHS prices the appointments instead, and the bound stays the LP's (still valid).
    three = parse_problem(split_shift(3))
    assert 2 * 10100 <= upper_bound(three) <= upper_bound(three, days=False)


def test_the_daily_limit_and_protected_time_are_kept_by_the_day_pricing():
    """Four half-hour appointments on a whole 09:00-17:00 day, at most two a day, and a 7-hour
    protected target: two are placed and 7 hours of protected time are left. The day pricing must
    count both (a bound below 2 × 10100 + 420 would cut off this plan)."""
    doc = split_shift(4)
    doc["advisors"][0].update(availability=[{"start": "2026-11-23T09:00", "end": "2026-11-23T17:00"}],
                              max_appointments_per_day=2, protected_minutes=420)
    for a in doc["appointments"]:
        a["duration_minutes"] = 30
    problem = parse_problem(doc)
    solution = solve_in_process(doc, time_limit=5, workers=1, deterministic=True, strategy="full")
    assert solution["status"] == "optimal" and solution["score"] == 2 * 10100 + 420
    assert upper_bound(problem) == 2 * 10100 + 420
