"""Figures and continuity-of-care indices."""
from __future__ import annotations

import pytest

from scheduler.metrics import continuity_indices, figures, score, score_terms
from scheduler.model import Placement
from scheduler.parse import parse_problem


def test_published_worked_example():
    got = continuity_indices(list("AABACA"))
    assert round(got["upc"], 3) == 0.667
    assert round(got["coc"], 3) == 0.400
    assert round(got["secon"], 3) == 0.200
    assert got["mmci"] == pytest.approx(0.608, abs=0.0005)


def test_indices_by_their_definitions():
    # B A B B: 3 of 4 with B; (9 + 1 - 4) / 12; pairs BA AB BB -> 1 of 3; 2 providers.
    got = continuity_indices(["B", "A", "B", "B"])
    assert got["upc"] == pytest.approx(0.75)
    assert got["coc"] == pytest.approx(0.5)
    assert got["secon"] == pytest.approx(1 / 3)
    assert got["mmci"] == pytest.approx((1 - 2 / 4.1) / (1 - 1 / 4.1))


def test_one_provider_throughout_is_perfect_and_all_different_is_zero():
    same = continuity_indices(["A"] * 5)
    assert all(same[k] == pytest.approx(1.0) for k in ("upc", "coc", "secon", "mmci"))
    spread = continuity_indices(["A", "B", "C"])
    assert spread["coc"] == 0 and spread["secon"] == 0
    assert spread["mmci"] == pytest.approx((1 - 3 / 3.1) / (1 - 1 / 3.1)) and spread["mmci"] < 0.05  # near, not at, 0
    assert spread["upc"] == pytest.approx(1 / 3)


def test_no_visits_and_one_visit():
    assert continuity_indices([]) == {"upc": None, "coc": None, "secon": None, "mmci": None}
    # One visit: UPC and MMCI are defined (1.0); COC and SECON would divide by zero.
    assert continuity_indices(["A"]) == {"upc": 1.0, "coc": None, "secon": None, "mmci": 1.0}


def test_figures_of_an_empty_plan(problem_doc):
    p = parse_problem(problem_doc)
    got = figures(p, {}, {}, [])
    # Nothing assigned: fill 0; no assigned support or policing to judge -> None, not a perfect 1.0.
    assert got == {"fill": 0.0, "continuity": None, "separation": None, "protected": 0.0, "gap": None}


def test_figures_and_score_of_a_partial_plan(problem_doc):
    p = parse_problem(problem_doc)
    assignments = {"p1": Placement("a2", 36), "p2": Placement("a2", 40), "p4": Placement("a1", 136)}
    protected = [("a1", 56, 60)]  # one hour for a1 (target 120)
    got = figures(p, assignments, {}, protected, bound=40000)
    assert got["fill"] == 0.75
    assert got["continuity"] == 0.5  # p1 with a2, p4 with a1 (c1's named advisor)
    assert got["separation"] == 0.0  # p2 with a2, c2's named advisor
    assert got["protected"] == round(60 / 180, 6)
    terms = score_terms(p, assignments, {}, protected)
    assert terms == {"assigned": 3, "continuity": 2, "protected": 60, "separation": 1, "disruption": 1}
    value = score(p, assignments, {}, protected)
    assert value == 30000 + 200 + 60 - 500 - 200
    assert got["gap"] == round((40000 - value) / 40000, 6)


def test_allocation_makes_the_allocated_advisor_named(problem_doc):
    p = parse_problem(problem_doc)
    placed = {"p3": Placement("a1", 36)}
    assert score_terms(p, placed, {"c3": "a1"}, [])["continuity"] == 1
    assert score_terms(p, placed, {}, [])["continuity"] == 0


def test_client_continuity_runs_history_then_the_plan_in_time_order(make_problem):
    from scheduler.metrics import client_continuity

    doc = make_problem()
    doc["clients"][0]["history"].reverse()  # history given out of order: a2 (16 Oct) before a1 (2 Oct)
    p = parse_problem(doc)
    # p4 Tuesday with a1, p1 Monday with a1: c1's visits in order are a1 (2 Oct), a2 (16 Oct), a1, a1.
    got = client_continuity(p, {"p4": Placement("a1", 136), "p1": Placement("a1", 36)})
    assert got["c1"]["upc"] == pytest.approx(3 / 4)
    assert got["c1"]["coc"] == pytest.approx((9 + 1 - 4) / 12)
    assert got["c1"]["secon"] == pytest.approx(1 / 3)  # pairs a1-a2, a2-a1, a1-a1
    assert got["c1"]["mmci"] == pytest.approx((1 - 2 / 4.1) / (1 - 1 / 4.1))
    assert got["c2"] == continuity_indices([])  # no history, nothing planned
    assert set(got) == {"c1", "c2", "c3"}
