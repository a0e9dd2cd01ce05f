"""The search under time pressure never returns, or reports on the way, a plan that breaks a rule.

Strict mode (SCHEDULER_STRICT=1, tests/conftest.py) makes solve_in_process raise on an invalid final
plan instead of falling back to its start plan, so these tests see every search bug. Once (load 10,
tests/project/test_readme_commands.py) the neighbourhood search returned a plan with one advisor's
appointments overlapping and over the daily limit: two threads re-solved parts sharing an advisor,
because a part's advisors were marked free again before its result was in the plan. A plan
reported on the way becomes the answer only through the runner's fallback, which checks it.
"""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler import lns
from scheduler.budget import Budget
from scheduler.check import check_solution
from scheduler.document import plan_document, solution_document
from scheduler.generate_varied import generate_varied
from scheduler.model import Placement
from scheduler.parse import parse_problem
from scheduler.runner import best_plan_message, run_in_child
from scheduler.solver import solve_in_process
from tests.scheduler.varied_weeks import varied_week

pytestmark = pytest.mark.slow

DAYS = [f"2026-11-{23 + d}" for d in range(5)]


def _crowded_home_week():
    """Every client's own advisor a1 has room for two one-hour appointments a day (09:00-11:00, at most 2
    starts); each day's four appointments start at a2 and a3. Every part that helps is aimed at a1 on
    one day, so two threads re-solving parts together nearly always want the same two hours."""
    def days(start, end):
        return [{"start": f"{d}T{start}", "end": f"{d}T{end}"} for d in DAYS]

    doc = {"format": "caseload-problem/1", "horizon": {"start": DAYS[0], "days": 5, "slot_minutes": 15},
           "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"], "max_appointments_per_day": 2,
                         "availability": days("09:00", "11:00")}]
           + [{"id": v, "skills": ["debt"], "roles": ["support"], "availability": days("09:00", "17:00")}
              for v in ("a2", "a3")],
           "clients": [], "appointments": []}
    start = {}
    for d, day in enumerate(DAYS):
        for k in range(4):
            doc["clients"].append({"id": f"c{d}{k}", "named_advisor": "a1", "need": "debt"})
            doc["appointments"].append({"id": f"p{d}{k}", "client": f"c{d}{k}", "kind": "support", "skill": "debt",
                                        "duration_minutes": 60,
                                        "windows": [{"start": f"{day}T09:00", "end": f"{day}T17:00"}]})
            start[f"p{d}{k}"] = ("a2" if k < 2 else "a3", f"{day}T{13 + k % 2}:00")
    problem = parse_problem(doc)
    return problem, {a: Placement(v, problem.horizon.to_slot(t)) for a, (v, t) in start.items()}


REPORTED = "overlap reported"  # the stand-in's progress event after its plan: the test stops the search then


def _child_reporting_an_overlap(solve_fn, problem_doc, options, out) -> None:
    """Stands in for a search that reports a plan breaking rule 3 (p1 and p3 both at a1 on Monday
    09:00, tests/scheduler/conftest.py's week), says so in a progress event, and then overruns."""
    problem = parse_problem(problem_doc)
    at = problem.horizon.to_slot
    placed = {"p1": Placement("a1", at("2026-11-23T09:00")), "p3": Placement("a1", at("2026-11-23T09:00")),
              "p4": Placement("a1", at("2026-11-24T10:00"))}
    out.put(best_plan_message(lns.Plan(problem, placed, {"c3": "a1"}, []), None))
    out.put(("progress", {"elapsed": 0.0, "score": None, "bound": None, "note": REPORTED}))
    time.sleep(600)


def _stop_once_reported(event: dict) -> bool:
    """The caller's stop request (a leader pressing Stop), sent once the plan has been reported: the
    queue keeps the child's order, so the runner holds the plan when it reads this event."""
    return event.get("note") == REPORTED


def test_a_stopped_search_never_hands_over_a_reported_plan_that_breaks_a_rule(problem_doc, monkeypatch):
    # The runner's fallback is the one place a plan reported on the way becomes the answer.
    monkeypatch.delenv("SCHEDULER_STRICT")
    # Stopped on request as soon as the plan is reported, under a 60 s limit: a spawned child must import
    # OR-Tools before it reports, which took over 3.5 s at load 11, so a 2 s limit (+ the runner's grace)
    # ran out first about 1 run in 3 and the test saw no report at all, not the rule it is about. On a
    # quiet machine this still ends in about a second.
    answer = run_in_child(problem_doc, solve_in_process, time_limit=60.0, workers=1,
                          progress=_stop_once_reported, child=_child_reporting_an_overlap)
    assert check_solution(problem_doc, answer).ok
    assert answer["solver"] == "named-first" and "broke a rule" in answer["note"]
    assert answer["note"].startswith("stopped on request")  # the reported plan was held, not just the desk plan
    monkeypatch.setenv("SCHEDULER_STRICT", "1")  # tests see it instead of the desk plan
    with pytest.raises(AssertionError, match="rule 3"):
        run_in_child(problem_doc, solve_in_process, time_limit=60.0, workers=1,
                     progress=_stop_once_reported, child=_child_reporting_an_overlap)


def _violations(problem, plan) -> list[str]:
    doc = solution_document(problem, plan.assignments, plan.allocations, plan.protected, status="feasible", reasons={})
    return check_solution(problem, doc).violations


def test_parts_solved_in_parallel_never_book_the_same_free_time(monkeypatch):
    problem, start = _crowded_home_week()
    real_sub_score = lns._sub_score

    def descheduled(*args):
        # A thread that loses the CPU for a moment as it scores its part (as at load 10): the real
        # score, 20 ms late. Before the fix, 4-6 runs in 10 broke a rule this way (0 in 40 after).
        time.sleep(0.02)
        return real_sub_score(*args)

    monkeypatch.setattr(lns, "_sub_score", descheduled)
    home = []
    for seed in range(12):
        plan = lns.Plan(problem, start, {}, [])
        lns.improve(plan, Budget(time.perf_counter() + 0.8), workers=4, seed=seed, size=2, part_time=0.2)
        assert _violations(problem, plan) == [], f"seed {seed}"
        home.append(sum(p.advisor == "a1" for p in plan.assignments.values()))
    # The search did move clients home (up to 10 of 20), so the threads really did compete. The best
    # seed, not the last: at load 10 (a 0.8 s budget starved) one run may solve only a part or two.
    assert max(home) >= 4, home


def _stopper(after: int | None):
    """A progress callback that asks to stop at its `after`-th report (never if None)."""
    seen = [0]

    def progress(_event):
        seen[0] += 1
        return after is not None and seen[0] >= after
    return progress


def _week(generator: str, seed: int, advisors: int, limit: int) -> dict:
    """A small week with tight daily limits and long windows, from either varied-week generator."""
    if generator == "varied_week":  # tests/scheduler/varied_weeks.py: at most `limit` starts a day
        return varied_week(seed, advisors=advisors, max_per_day=int(limit), windows="long")
    # `python -m scheduler generate varied`, at its tightest daily limits (0.8: ~80 % of a full day)
    return generate_varied(advisors, seed, daily_limit=0.8 if limit < 4 else 1.0)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generator=st.sampled_from(["varied_week", "generate_varied"]), seed=st.integers(0, 10_000),
       advisors=st.integers(3, 6), limit=st.sampled_from([2, 3, 4]), strategy=st.sampled_from(["lns", "hybrid", "full"]),
       seconds=st.sampled_from([0.5, 1.0, 2.0]), stop_after=st.sampled_from([None, 1, 2]))
def test_search_under_time_pressure_keeps_every_plan_valid(generator, seed, advisors, limit, strategy, seconds,
                                                           stop_after):
    # Wall-clock budgets (not deterministic ones), two workers, stop requests from the progress
    # callback: the paths where timing decides what the search does. Strict mode raises on an invalid
    # final plan; every plan reported on the way (what the runner keeps if the child is stopped) is
    # checked too.
    problem = parse_problem(_week(generator, seed, advisors, limit))
    reported = []  # copied as the runner's child copies them for its parent
    doc = solve_in_process(problem, time_limit=seconds, workers=2, strategy=strategy, progress=_stopper(stop_after),
                           best_so_far=lambda plan, bound: reported.append(best_plan_message(plan, bound)[1]))
    docs = [plan_document(problem, a, al, pr, status="feasible", bound=bound) for a, al, pr, bound in reported]
    for plan in docs + [doc]:
        result = check_solution(problem, plan)
        assert result.ok, result.violations[:3]
