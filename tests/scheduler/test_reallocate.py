"""scheduler.reallocate: the best allocations of new clients for fixed placements, and the search using it."""
from __future__ import annotations

import itertools
import random

from tiny import tiny_week

from scheduler import baselines, lns, solver
from scheduler.budget import Budget
from scheduler.check import check_solution
from scheduler.document import plan_document
from scheduler.parse import parse_problem
from scheduler.reallocate import best_allocations


def _checked_score(problem, assignments, allocations, protected) -> int:
    doc = plan_document(problem, assignments, allocations, protected, status="feasible", bound=None,
                        seconds=0.0, solver="test")
    result = check_solution(problem, doc)
    assert result.ok, result.violations
    return result.score


def _brute_force(problem, assignments, protected) -> int:
    """The best checked score over every allocation of the new clients (or none), placements fixed."""
    new = [c for c in problem.clients if c.named_advisor is None]
    options = [[None] + [a.id for a in problem.advisors] for _ in new]
    best = None
    for choice in itertools.product(*options):
        allocations = {c.id: v for c, v in zip(new, choice) if v is not None}
        doc = plan_document(problem, assignments, allocations, protected, status="feasible", bound=None,
                            seconds=0.0, solver="test")
        result = check_solution(problem, doc)
        if result.ok and (best is None or result.score > best):
            best = result.score
    return best


def test_best_allocations_match_brute_force_on_random_weeks():
    rng = random.Random(16)
    tried = 0
    for _ in range(60):
        doc = tiny_week(rng, advisors=3, appointments=(3, 5))
        for client in doc["clients"]:  # mostly new clients, so there is something to allocate
            if rng.random() < 0.7:
                client["named_advisor"] = None
        problem = parse_problem(doc)
        assignments, allocations, protected = baselines.desk_plan(problem)[:3]
        # A valid but arbitrary starting allocation: the spare-caseload rule of the desk.
        best = _brute_force(problem, assignments, protected)
        for aspire in (False, True):
            got = best_allocations(problem, assignments, allocations, aspire)
            score = _checked_score(problem, assignments, got, protected)
            assert score >= _checked_score(problem, assignments, allocations, protected)
            assert score == best
        tried += any(c.named_advisor is None for c in problem.clients)
    assert tried >= 30


def _away_from_allocation(make_problem):
    """c3 (new, housing) booked with a4 on Monday 12:30-13:30, while allocated to a1, who is at lunch then."""
    doc = make_problem()
    doc["advisors"].append({"id": "a4", "name": "Dev Rao", "skills": ["housing"], "roles": ["support"],
                            "availability": [{"start": "2026-11-23T09:00", "end": "2026-11-23T17:00"}],
                            "max_caseload": 1})
    doc["appointments"][2]["windows"] = [{"start": "2026-11-23T12:30", "end": "2026-11-23T13:30"}]
    problem = parse_problem(doc)
    assignments, allocations, protected = baselines.desk_plan(problem)[:3]
    assert assignments["p3"].advisor == "a4"
    return problem, assignments, {"c3": "a1"}, protected


def test_best_allocations_follow_the_booking_within_caseload(make_problem):
    problem, assignments, allocations, protected = _away_from_allocation(make_problem)
    assert best_allocations(problem, assignments, allocations) == {"c3": "a4"}
    full = [a for a in problem.advisors if a.id == "a4"][0]
    object.__setattr__(full, "max_caseload", 0)  # no room at a4: the allocation stays where it was
    assert best_allocations(problem, assignments, allocations) == {"c3": "a1"}


def test_search_reallocates_new_clients_to_where_they_are_booked(make_problem):
    # The parts keep allocations fixed and a1 cannot take p3 at lunch time, so without re-allocating
    # the client keeps an advisor it never sees.
    problem, assignments, allocations, protected = _away_from_allocation(make_problem)
    plan = lns.Plan(problem, assignments, allocations, protected)
    before = plan.score()
    plan = solver._neighbourhood_search(plan, Budget.for_limit(2.0, deterministic=True), 1, lambda current: False)
    assert plan.allocations.get("c3") == "a4"
    assert _checked_score(problem, plan.assignments, plan.allocations, plan.protected) >= before + 100


def test_aspire_gives_a_client_booked_nowhere_useful_an_advisor_with_room(make_problem):
    # a4 has no room, so booked there c3 gains nothing anywhere; aspire still allocates it to a1
    # (housing, room for two more), where the search can then aim to move p3.
    problem, assignments, _, protected = _away_from_allocation(make_problem)
    full = [a for a in problem.advisors if a.id == "a4"][0]
    object.__setattr__(full, "max_caseload", 0)
    assert best_allocations(problem, assignments, {}) == {}
    assert best_allocations(problem, assignments, {}, aspire=True) == {"c3": "a1"}
