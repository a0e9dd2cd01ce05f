"""The solver end to end: valid, exactly scored, optimal on tiny weeks, repeatable, better than the desk."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scheduler.budget
import scheduler.lns
import scheduler.rules
import scheduler.solver
from scheduler.baselines import named_first
from scheduler.check import check_solution
from scheduler.cli import main
from scheduler.generate import generate
from scheduler.parse import parse_problem
from scheduler.solver import _phases, solve_in_process
from tiny import brute_force_best, placed, solve_checked, tiny_week


@pytest.mark.parametrize("seed", range(12))
def test_optimum_equals_brute_force_on_tiny_weeks(seed):
    doc = tiny_week(random.Random(seed), appointments=(3, 5))
    solution = solve_checked(doc, deterministic=True)
    assert solution["score"] == brute_force_best(doc)
    assert solution["status"] == "optimal" and solution["bound"] == solution["score"]


@pytest.mark.parametrize("seed", range(4))
def test_the_rules_can_be_posed_in_any_order(seed, monkeypatch):
    """Every variable exists before the first rule runs, so the order of HARD_RULES changes nothing."""
    doc = tiny_week(random.Random(seed), appointments=(3, 5))
    monkeypatch.setattr(scheduler.rules, "HARD_RULES", tuple(reversed(scheduler.rules.HARD_RULES)))
    assert solve_checked(doc, deterministic=True)["score"] == brute_force_best(doc)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.integers(1, 3))
def test_every_solution_passes_the_checker_with_an_honest_bound(rng, advisors):
    doc = tiny_week(rng, advisors=advisors, appointments=(2, 7))
    solution = solve_checked(doc, time_limit=2, deterministic=True)  # asserts validity, score, bound
    assert solution["score"] >= named_first(doc)["score"]


def test_continuity_prefers_the_named_advisor(make_problem):
    doc = make_problem()
    doc["advisors"][1]["skills"] = ["debt", "housing"]
    doc["clients"][0]["named_advisor"] = "a2"  # c1 is now a2's client; p1 may go to a1 or a2
    doc["appointments"][3].pop("pinned")
    doc.pop("previous")
    booked = placed(solve_checked(doc))
    assert booked["p1"][0] == "a2"


def test_new_client_continuity_follows_the_allocation(make_problem):
    doc = make_problem()
    doc["advisors"][1]["skills"] = ["debt", "housing"]
    doc["advisors"][0]["max_caseload"] = 1  # a1 is full: c3 can only be allocated to a2
    solution = solve_checked(doc)
    assert solution["allocations"] == [{"client": "c3", "advisor": "a2"}]
    assert placed(solution)["p3"][0] == "a2"


def test_separation_keeps_policing_away_from_the_named_advisor(make_problem):
    doc = make_problem()
    doc["advisors"].append({"id": "a4", "name": "Dev Shah", "skills": ["debt"], "roles": ["policing"],
                            "availability": [{"start": "2026-11-23T16:00", "end": "2026-11-23T17:00"}]})
    assert placed(solve_checked(doc))["p2"][0] == "a4"  # c2's named advisor a2 could, but should not
    doc["weights"]["separation"] = 0
    doc["advisors"][-1]["availability"] = []
    assert placed(solve_checked(doc))["p2"][0] == "a2"


def test_disruption_keeps_the_published_placement(make_problem):
    doc = make_problem()
    doc["previous"] = [{"appointment": "p1", "advisor": "a1", "start": "2026-11-24T14:00"}]
    assert placed(solve_checked(doc))["p1"] == ("a1", "2026-11-24T14:00")
    doc["weights"]["disruption"] = 0
    doc["weights"]["protected"] = 0
    doc["previous"] = [{"appointment": "p1", "advisor": "a2", "start": "2026-11-23T09:00"}]
    assert placed(solve_checked(doc))["p1"][0] == "a1"  # continuity wins once moving is free


def test_generated_week_beats_the_booking_desk():
    doc = generate("jobcentre", 10, seed=2)
    desk = named_first(doc)
    solution = solve_checked(doc, time_limit=4)
    assert solution["score"] > desk["score"]
    assert len(solution["assignments"]) >= len(desk["assignments"])
    assert solution["bound"] >= solution["score"]


def test_auto_strategy_by_week_size_and_time():
    mid = parse_problem(generate("advice", 10, seed=4))  # ~14 k candidate placements
    assert _phases(mid, "auto", 60) == (True, True)
    assert _phases(mid, "auto", 3) == (False, True)
    big = parse_problem(generate("clinic", 10, seed=1))  # ~125 k
    assert _phases(big, "auto", 60) == (False, True)


@pytest.mark.parametrize("strategy", ["full", "hybrid", "lns"])
def test_each_strategy_gives_a_valid_plan_better_than_the_desk(strategy):
    doc = generate("jobcentre", 10, seed=3)
    solution = solve_in_process(doc, time_limit=3, workers=1, strategy=strategy)
    result = check_solution(doc, solution)
    assert result.ok, result.violations
    assert solution["score"] == result.score > named_first(doc)["score"]
    assert solution["bound"] >= solution["score"]


@pytest.mark.parametrize("strategy", ["auto", "hybrid"])
def test_deterministic_mode_repeats_itself(strategy):
    doc = generate("advice", 10, seed=4)
    first = solve_in_process(doc, time_limit=3, workers=1, deterministic=True, strategy=strategy)
    second = solve_in_process(doc, time_limit=3, workers=1, deterministic=True, strategy=strategy)
    assert check_solution(doc, first).ok
    for key in ("assignments", "allocations", "protected", "score", "bound"):
        assert first[key] == second[key], key


def _busy_solves(tmp_path, count: int):
    """`count` other solves of a bigger week at once, in their own processes, each using the CPU."""
    week = tmp_path / "busy.json"
    week.write_text(json.dumps(generate("jobcentre", 30, seed=2)))
    return [subprocess.Popen([sys.executable, "-m", "scheduler", "solve", str(week), "--out", os.devnull,
                              "--time-limit", "60", "--workers", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]


class _SlowMachineClock:
    """The clock as a machine `factor` times slower sees it: each real second reads as `factor`."""

    def __init__(self, factor: float):
        self.factor, self.origin = factor, time.perf_counter()

    def perf_counter(self) -> float:
        return self.origin + self.factor * (time.perf_counter() - self.origin)

    def __getattr__(self, name):
        return getattr(time, name)


@pytest.mark.parametrize("strategy", ["auto", "hybrid"])
def test_deterministic_mode_does_not_read_the_clock(strategy, monkeypatch):
    """A machine three times slower gives the same deterministic plan: the neighbourhood search still
    runs, and each part gets the same deterministic time (before the Budget, a slow full-model phase
    used up the wall-clock limit and the search was skipped)."""
    doc = generate("advice", 10, seed=4)
    alone = solve_in_process(doc, time_limit=3, workers=1, deterministic=True, strategy=strategy)
    clock = _SlowMachineClock(3.0)
    for module in (scheduler.solver, scheduler.lns, scheduler.budget):
        if hasattr(module, "time"):  # every module of the search that reads the clock
            monkeypatch.setattr(module, "time", clock)
    slow = solve_in_process(doc, time_limit=3, workers=1, deterministic=True, strategy=strategy)
    for key in ("assignments", "allocations", "protected", "score"):
        assert alone[key] == slow[key], key


@pytest.mark.slow
def test_deterministic_mode_gives_the_same_plan_on_a_busy_machine(tmp_path):
    strategy = "hybrid"
    """Alone and beside three other solves, the same deterministic run gives the same plan: no
    decision (whether the neighbourhood search runs, how long a part takes) reads the clock."""
    doc = generate("advice", 10, seed=4)
    alone = solve_in_process(doc, time_limit=3, workers=1, deterministic=True, strategy=strategy)
    others = _busy_solves(tmp_path, 3)
    try:
        time.sleep(1.0)  # let them get going
        busy = solve_in_process(doc, time_limit=3, workers=1, deterministic=True, strategy=strategy)
        assert all(p.poll() is None for p in others), "the other solves ended before this one"
    finally:
        for p in others:
            p.kill()
            p.wait()
    assert check_solution(doc, alone).ok
    for key in ("assignments", "allocations", "protected", "score"):
        assert alone[key] == busy[key], key


def test_command_line_solve_writes_a_checked_solution(tmp_path, problem_doc):
    problem = tmp_path / "week.json"
    problem.write_text(json.dumps(problem_doc))
    out = tmp_path / "plan.json"
    assert main(["solve", str(problem), "--out", str(out), "--time-limit", "3", "--workers", "1",
                 "--deterministic"]) == 0
    assert main(["check", str(problem), str(out)]) == 0
    assert json.loads(out.read_text())["status"] == "optimal"


def test_command_line_solve_rejects_clashing_pins_and_bad_paths(tmp_path, make_problem, capsys):
    doc = make_problem()
    doc["appointments"][0]["pinned"] = {"advisor": "a1", "start": "2026-11-24T09:45"}  # overlaps p4 at 10:00
    problem = tmp_path / "week.json"
    problem.write_text(json.dumps(doc))
    assert main(["solve", str(problem), "--out", str(tmp_path / "plan.json"), "--time-limit", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "p1" in err and "p4" in err
    assert main(["solve", str(tmp_path / "missing.json")]) == 2
    assert not (tmp_path / "plan.json").exists()
