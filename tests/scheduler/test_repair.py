"""The greedy bring-home pass: moves appointments to the client's own advisor, never makes a plan worse."""
from __future__ import annotations

import random
import time

import pytest

from scheduler import lns, repair, solver
from scheduler.baselines import earliest
from scheduler.budget import Budget
from scheduler.check import check_solution
from scheduler.document import read_placements, solution_document
from scheduler.model import Placement
from scheduler.parse import parse_problem
from tiny import tiny_week


def _doc(plan):
    return solution_document(plan.problem, plan.assignments, plan.allocations, plan.protected,
                             status="feasible", reasons={})


def _away_week(make_problem):
    """p1 is c1's (named a1) but booked with a2; a1 is free on Monday morning."""
    doc = make_problem()
    doc["advisors"][1]["skills"] = ["debt", "housing"]
    doc.pop("previous")
    problem = parse_problem(doc)
    at = problem.horizon.to_slot
    return problem, lns.Plan(problem, {"p1": Placement("a2", at("2026-11-23T09:00")),
                                       "p4": Placement("a1", at("2026-11-24T10:00"))}, {}, [])


def test_an_appointment_away_from_home_comes_home(make_problem):
    problem, plan = _away_week(make_problem)
    before = plan.score()
    assert repair.bring_home(plan) >= 1
    assert plan.assignments["p1"].advisor == "a1"
    assert plan.score() > before and check_solution(problem, _doc(plan)).ok


@pytest.mark.parametrize("improve", [repair.bring_home, repair.clear_preferred_time], ids=["home", "preferred"])
@pytest.mark.parametrize("seed", range(25))
def test_never_worse_and_always_valid(seed, improve):
    doc = tiny_week(random.Random(seed), advisors=3, appointments=(4, 7))
    for advisor in doc["advisors"]:  # preferred protected time in each advisor's first working stretch
        if advisor["availability"]:
            first = advisor["availability"][0]
            advisor["protected_preferences"] = [{"start": first["start"], "end": first["end"]}]
            advisor["protected_minutes"] = max(advisor.get("protected_minutes", 0), 60)
    problem = parse_problem(doc)
    plan = lns.Plan(problem, *read_placements(problem, earliest(problem)))
    before = plan.score()
    improve(plan)
    result = check_solution(problem, _doc(plan))
    assert result.ok, result.violations
    assert result.score >= before


# --- preferred protected time -------------------------------------------------------------------------

def _prefers_monday_morning(make_problem):
    doc = make_problem()
    doc.pop("previous")
    doc["advisors"][0]["protected_preferences"] = [{"start": "2026-11-23T09:00", "end": "2026-11-23T11:00"}]
    return doc


def test_an_appointment_leaves_preferred_time_when_nothing_is_lost(make_problem):
    problem = parse_problem(_prefers_monday_morning(make_problem))
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"p1": Placement("a1", at("2026-11-23T10:00")),
                              "p4": Placement("a1", at("2026-11-24T10:00"))}, {}, [])
    before = plan.score()
    assert repair.clear_preferred_time(plan) == 1
    moved = plan.assignments["p1"]
    assert moved.advisor == "a1" and not at("2026-11-23T08:15") < moved.start < at("2026-11-23T11:00")
    assert ("a1", at("2026-11-23T09:00"), at("2026-11-23T11:00")) in plan.protected
    assert plan.score() >= before and check_solution(problem, _doc(plan)).ok
    assert plan.assignments["p4"] == Placement("a1", at("2026-11-24T10:00"))  # the pin stays


def test_the_solver_keeps_preferred_time_free(make_problem):
    from scheduler.solver import solve_in_process

    doc = _prefers_monday_morning(make_problem)
    solution = solve_in_process(doc, time_limit=3, workers=1, deterministic=True)
    assert check_solution(doc, solution).ok
    mine = [a for a in solution["assignments"] if a["advisor"] == "a1" and a["start"].startswith("2026-11-23")]
    assert all(not ("2026-11-23T08:15" < a["start"] < "2026-11-23T11:00") for a in mine), mine
    assert {"advisor": "a1", "start": "2026-11-23T09:00", "end": "2026-11-23T11:00"} in solution["protected"]


# --- booking the unbooked by moving one appointment out of the way --------------------------------------

def _day_limit_week() -> dict:
    """a1 (debt, housing) may start one appointment a day; a2 (debt) is free. p1 (debt, c1 named a1)
    sits in a1's 09:00 hour; p2 (housing, only a1 can take it) fits in a1's free 10:00-12:00 but a1's
    day is at its limit, so p2 is booked only if p1 moves to a2."""
    day = "2026-11-23"
    hours = [{"start": f"{day}T09:00", "end": f"{day}T12:00"}]
    return {
        "format": "caseload-problem/1",
        "horizon": {"start": day, "days": 1, "slot_minutes": 15, "timezone": "Europe/London"},
        "advisors": [
            {"id": "a1", "name": "A", "skills": ["debt", "housing"], "roles": ["support"], "availability": hours,
             "max_appointments_per_day": 1},
            {"id": "a2", "name": "B", "skills": ["debt"], "roles": ["support"], "availability": hours},
        ],
        "clients": [{"id": "c1", "named_advisor": "a1", "need": "debt"},
                    {"id": "c2", "named_advisor": "a1", "need": "housing"}],
        "appointments": [
            {"id": "p1", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 60,
             "windows": [{"start": f"{day}T09:00", "end": f"{day}T12:00"}]},
            {"id": "p2", "client": "c2", "kind": "support", "skill": "housing", "duration_minutes": 60,
             "windows": [{"start": f"{day}T10:00", "end": f"{day}T12:00"}]},
        ],
    }


def test_a_full_day_gives_up_one_appointment_to_book_another():
    # Free time but a day at its daily limit: one of the day's own appointments moves to another
    # advisor. The pass before this move looked only at places with exactly one appointment in the
    # way, and there is none in p2's window, so p2 stayed unbooked.
    problem = parse_problem(_day_limit_week())
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"p1": Placement("a1", at("2026-11-23T09:00"))}, {}, [])
    before = plan.score()
    assert repair.bring_home(plan) == 0  # no plain move books it
    assert repair.book_by_ejection(plan) == 1
    assert plan.assignments["p2"].advisor == "a1" and plan.assignments["p1"].advisor == "a2"
    result = check_solution(problem, _doc(plan))
    assert result.ok, result.violations
    assert result.score == plan.score() > before


def test_a_blocker_with_nowhere_to_go_stays():
    # The same week without a2: p1 has no other place, so nothing moves and p2 stays unbooked.
    doc = _day_limit_week()
    doc["advisors"] = doc["advisors"][:1]
    problem = parse_problem(doc)
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"p1": Placement("a1", at("2026-11-23T09:00"))}, {}, [])
    assert repair.book_by_ejection(plan) == 0
    assert plan.assignments == {"p1": Placement("a1", at("2026-11-23T09:00"))}


def _onward_week() -> dict:
    """One morning. p2 (housing: only a1) wants a1's 09:00 hour, where p1 sits. p1 (debt, 09:00-11:00)
    has no free place: a2 has time at 09:00 but may start one appointment a day and holds p3 at 10:00;
    a3 works 11:00-12:00, after p1's window. p3 (debt, 09:00-12:00) can go to a3."""
    doc = _day_limit_week()
    day = "2026-11-23"

    def hours(a, b):
        return [{"start": f"{day}T{a}", "end": f"{day}T{b}"}]

    doc["advisors"] = [
        {"id": "a1", "name": "A", "skills": ["debt", "housing"], "roles": ["support"], "availability": hours("09:00", "10:00")},
        {"id": "a2", "name": "B", "skills": ["debt"], "roles": ["support"], "availability": hours("09:00", "12:00"),
         "max_appointments_per_day": 1},
        {"id": "a3", "name": "C", "skills": ["debt"], "roles": ["support"], "availability": hours("11:00", "12:00")},
    ]
    doc["clients"] = [{"id": "c1", "named_advisor": "a2", "need": "debt"},
                      {"id": "c2", "named_advisor": "a1", "need": "housing"},
                      {"id": "c3", "named_advisor": "a2", "need": "debt"}]
    doc["appointments"] = [
        {"id": "p1", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 60, "windows": hours("09:00", "11:00")},
        {"id": "p2", "client": "c2", "kind": "support", "skill": "housing", "duration_minutes": 60, "windows": hours("09:00", "10:00")},
        {"id": "p3", "client": "c3", "kind": "support", "skill": "debt", "duration_minutes": 60, "windows": hours("09:00", "12:00")},
    ]
    return doc


def test_a_blocker_with_no_free_place_goes_to_a_full_day_whose_appointment_moves_on():
    # A chain of two moves: p1 leaves a1 for a2's free 09:00 (a2's day is at its limit), p3 leaves
    # a2 for a3, and p2 takes p1's place. Moving only the one blocker found nowhere for p1.
    problem = parse_problem(_onward_week())
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"p1": Placement("a1", at("2026-11-23T09:00")),
                              "p3": Placement("a2", at("2026-11-23T10:00"))}, {}, [])
    before = plan.score()
    assert repair.bring_home(plan) == 0 and repair.book_two_for_one(plan) == 0
    assert repair.book_by_ejection(plan) == 0  # p1 alone has nowhere to go
    assert repair.book_by_ejection(plan, deep=True) == 1
    assert plan.assignments == {"p1": Placement("a2", at("2026-11-23T09:00")),
                                "p2": Placement("a1", at("2026-11-23T09:00")),
                                "p3": Placement("a3", at("2026-11-23T11:00"))}
    result = check_solution(problem, _doc(plan))
    assert result.ok, result.violations
    assert result.score == plan.score() > before


def test_a_spent_budget_stops_booking_more():
    problem = parse_problem(_onward_week())
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"p1": Placement("a1", at("2026-11-23T09:00")),
                              "p3": Placement("a2", at("2026-11-23T10:00"))}, {}, [])
    assert repair.book_more(plan, Budget(time.perf_counter() - 1.0)) == 0
    assert "p2" not in plan.assignments


@pytest.mark.parametrize("book", [repair.book_by_ejection, repair.book_two_for_one, repair.book_more],
                         ids=["ejection", "two-for-one", "more"])
@pytest.mark.parametrize("seed", range(40))
def test_booking_more_never_worse_and_always_valid(seed, book):
    rng = random.Random(seed)
    doc = tiny_week(rng, advisors=3, appointments=(5, 9))
    for advisor in doc["advisors"]:
        advisor["max_appointments_per_day"] = rng.choice([1, 2, 3, None])
    problem = parse_problem(doc)
    # A fill-first desk plan of the week in a random order leaves room for the pass to work in.
    plan = lns.Plan(problem, *read_placements(problem, earliest(problem)))
    drop = [a for a in sorted(plan.assignments) if problem.appointment_by_id[a].pinned is None]
    for appt_id in rng.sample(drop, k=len(drop) // 3):
        del plan.assignments[appt_id]
    plan.protected = []
    before = plan.score()
    book(plan)
    result = check_solution(problem, _doc(plan))
    assert result.ok, result.violations
    assert result.score >= before


def _one_long_or_two_short() -> dict:
    """a1 works 09:00-10:00. p1 (60 min) fills the hour; p2 and p3 (30 min each) want the same hour."""
    doc = _day_limit_week()
    day = "2026-11-23"
    hour = [{"start": f"{day}T09:00", "end": f"{day}T10:00"}]
    doc["advisors"] = [{"id": "a1", "name": "A", "skills": ["debt"], "roles": ["support"], "availability": hour}]
    doc["clients"] = [{"id": f"c{i}", "named_advisor": "a1", "need": "debt"} for i in (1, 2, 3)]
    doc["appointments"] = [{"id": f"p{i}", "client": f"c{i}", "kind": "support", "skill": "debt",
                            "duration_minutes": minutes, "windows": hour}
                           for i, minutes in ((1, 60), (2, 30), (3, 30))]
    return doc


def test_one_long_booking_makes_way_for_two_short_ones():
    # Each booking is worth the same, so the hour holds two short appointments rather than one long
    # one. Moving the long one out of the way (book_by_ejection) cannot do it: it has nowhere to go.
    problem = parse_problem(_one_long_or_two_short())
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"p1": Placement("a1", at("2026-11-23T09:00"))}, {}, [])
    before = plan.score()
    assert repair.book_by_ejection(plan) == 0 and repair.bring_home(plan) == 0
    assert repair.book_two_for_one(plan) == 1
    assert set(plan.assignments) == {"p2", "p3"}
    result = check_solution(problem, _doc(plan))
    assert result.ok, result.violations
    assert result.score == plan.score() == before + problem.weights.assigned + problem.weights.continuity


def test_the_solver_books_two_short_ones_from_the_start():
    # The start phase (desk plans and their repairs) alone, as a 120-advisor week would get it.
    problem = parse_problem(_one_long_or_two_short())
    plan = solver._best_start(problem, None)
    assert set(plan.assignments) == {"p2", "p3"}
