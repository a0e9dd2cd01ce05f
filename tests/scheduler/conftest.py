"""A small, valid problem document that tests change one field at a time.

`make_problem(**overrides)` returns a fresh deep copy each call, so a test can break one field
without touching another test's copy. Top-level keys in `overrides` replace the default ones.

The week: Monday 23 and Tuesday 24 November 2026, 15-minute slots, blocks of at least 60 minutes.
- a1 support, debt + housing, 09:00-12:30 and 13:30-17:00 both days, 120 protected minutes,
  at most 7 a day, max_caseload 3 (holds c1 now).
- a2 support + policing, debt, Monday 09:00-17:00 only.
- a3 policing only, housing, Tuesday 09:00-13:00.
- c1 (a1, debt, complexity 2), c2 (a2, debt), c3 new (housing).
- p1 c1 support debt 45 min, either day; p2 c2 policing debt 30 min, Monday;
  p3 c3 support housing 60 min, either day; p4 c1 support debt 30 min pinned to a1 Tuesday 10:00.
"""
from __future__ import annotations

import copy
import os

import pytest

from scheduler import rules

# The rule-removal check (test_rule_removal.py) runs a rule's tests with that rule or score term left
# out of the model: SCHEDULER_DROP_RULE names the function (e.g. add_pins, score_separation).
_DROP = os.environ.get("SCHEDULER_DROP_RULE")
if _DROP:
    from hypothesis import Phase, settings

    # Fixed examples (derandomize), so whether a missing term is caught does not depend on the draw; no
    # time spent shrinking a failure, which is all the check needs.
    settings.register_profile("rule-removal", phases=[Phase.explicit, Phase.reuse, Phase.generate],
                              derandomize=True, max_examples=150)
    settings.load_profile("rule-removal")
    rules.HARD_RULES = tuple(r for r in rules.HARD_RULES if r.__name__ != _DROP)
    rules.SCORE_TERMS = tuple(t for t in rules.SCORE_TERMS if t.__name__ != _DROP)

BASE = {
    "format": "caseload-problem/1",
    "horizon": {"start": "2026-11-23", "days": 2, "slot_minutes": 15, "timezone": "Europe/London",
                "protected_block_minutes": 60},
    "weights": {"assigned": 10000, "continuity": 100, "protected": 1, "separation": 500, "disruption": 200},
    "advisors": [
        {"id": "a1", "name": "Asha Patel", "skills": ["debt", "housing"], "roles": ["support"],
         "availability": [{"start": "2026-11-23T09:00", "end": "2026-11-23T12:30"},
                          {"start": "2026-11-23T13:30", "end": "2026-11-23T17:00"},
                          {"start": "2026-11-24T09:00", "end": "2026-11-24T12:30"},
                          {"start": "2026-11-24T13:30", "end": "2026-11-24T17:00"}],
         "protected_minutes": 120, "max_appointments_per_day": 7, "max_caseload": 3},
        {"id": "a2", "name": "Ben Okafor", "skills": ["debt"], "roles": ["support", "policing"],
         "availability": [{"start": "2026-11-23T09:00", "end": "2026-11-23T17:00"}],
         "protected_minutes": 60},
        {"id": "a3", "name": "Cara Lewis", "skills": ["housing"], "roles": ["policing"],
         "availability": [{"start": "2026-11-24T09:00", "end": "2026-11-24T13:00"}]},
    ],
    "clients": [
        {"id": "c1", "named_advisor": "a1", "need": "debt", "complexity": 2,
         "history": [{"advisor": "a1", "date": "2026-10-02"}, {"advisor": "a2", "date": "2026-10-16"}]},
        {"id": "c2", "named_advisor": "a2", "need": "debt", "complexity": 1},
        {"id": "c3", "named_advisor": None, "need": "housing", "complexity": 1},
    ],
    "appointments": [
        {"id": "p1", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 45,
         "windows": [{"start": "2026-11-23T09:00", "end": "2026-11-24T17:00"}]},
        {"id": "p2", "client": "c2", "kind": "policing", "skill": "debt", "duration_minutes": 30,
         "windows": [{"start": "2026-11-23T09:00", "end": "2026-11-23T17:00"}]},
        {"id": "p3", "client": "c3", "kind": "support", "skill": "housing", "duration_minutes": 60,
         "windows": [{"start": "2026-11-23T09:00", "end": "2026-11-24T17:00"}]},
        {"id": "p4", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 30,
         "windows": [{"start": "2026-11-24T09:00", "end": "2026-11-24T12:00"}],
         "pinned": {"advisor": "a1", "start": "2026-11-24T10:00"}},
    ],
    "previous": [{"appointment": "p1", "advisor": "a1", "start": "2026-11-23T09:00"}],
}


def make_problem_doc(**overrides) -> dict:
    doc = copy.deepcopy(BASE)
    doc.update(copy.deepcopy(overrides))
    return doc


@pytest.fixture
def make_problem():
    """Factory fixture: make_problem(**top_level_overrides) -> a fresh problem document."""
    return make_problem_doc


@pytest.fixture
def problem_doc() -> dict:
    return make_problem_doc()
