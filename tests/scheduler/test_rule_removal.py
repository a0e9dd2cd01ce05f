"""The rule-removal check: each hard rule and score term of the model has tests that fail without it.

For every function in scheduler.rules.HARD_RULES and SCORE_TERMS, its own tests run again in a
fresh pytest process with SCHEDULER_DROP_RULE naming it (tests/scheduler/conftest.py then poses the
model without it) and must fail. The solver's final check would otherwise hide a missing hard rule
behind the start plan, so the tests run in strict mode (SCHEDULER_STRICT, see tests/conftest.py).
Score terms are caught by the property that the model's objective for a valid plan is the checker's score.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler import rules

HERE = Path(__file__).parent
OBJECTIVE = "test_properties.py::test_the_models_objective_for_a_valid_plan_is_the_checkers_score"
OWN_TESTS = {
    "add_one_placement_per_appointment": ["test_rule_one_placement.py"],
    "add_allocations": ["test_rule_allocations.py"],
    "add_protected_blocks": ["test_rule_protected_blocks.py"],
    "add_advisor_no_overlap": ["test_rule_advisor_no_overlap.py"],
    "add_client_no_overlap": ["test_rule_client_no_overlap.py"],
    "add_daily_limit": ["test_rule_daily_limit.py"],
    "add_pins": ["test_rule_pins.py"],
    "score_assigned": [OBJECTIVE],
    "score_continuity": [OBJECTIVE],
    "score_protected": [OBJECTIVE],
    "score_separation": [OBJECTIVE],
    "score_disruption": [OBJECTIVE],
}


def test_every_rule_and_term_is_listed():
    assert set(OWN_TESTS) == {f.__name__ for f in (*rules.HARD_RULES, *rules.SCORE_TERMS)}


def _run(tests: list[str], drop: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ, SCHEDULER_STRICT="1")
    env.pop("SCHEDULER_DROP_RULE", None)
    if drop:
        env["SCHEDULER_DROP_RULE"] = drop
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                           *[str(HERE / t) for t in tests]],
                          cwd=HERE.parent.parent, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("rule", sorted(OWN_TESTS))
def test_its_own_tests_fail_without_it(rule):
    run = _run(OWN_TESTS[rule], drop=rule)
    # Exit code 1 is "tests failed"; anything else (collection error, usage) would prove nothing.
    assert run.returncode == 1, f"{rule} removed, its tests still pass:\n{run.stdout[-2000:]}"
