"""The independent checker: accepts a valid plan, names each broken hard rule, recomputes the score.

One valid plan of the conftest week is broken one rule at a time.
"""
from __future__ import annotations

import copy

import pytest

import scheduler
from scheduler.check import check_plan, check_solution
from scheduler.document import read_placements


def valid_solution() -> dict:
    return {
        "format": "caseload-solution/1",
        "status": "feasible",
        "assignments": [
            {"appointment": "p1", "advisor": "a1", "start": "2026-11-23T09:00"},
            {"appointment": "p2", "advisor": "a2", "start": "2026-11-23T09:00"},
            {"appointment": "p3", "advisor": "a1", "start": "2026-11-24T13:30"},
            {"appointment": "p4", "advisor": "a1", "start": "2026-11-24T10:00"},
        ],
        "unassigned": [],
        "allocations": [{"client": "c3", "advisor": "a1"}],
        "protected": [{"advisor": "a1", "start": "2026-11-23T14:00", "end": "2026-11-23T16:00"},
                      {"advisor": "a2", "start": "2026-11-23T11:00", "end": "2026-11-23T12:00"}],
        "score": 40180,
        "bound": 40200,
    }


# By hand from problem-format.md: 4 assigned; continuity 2 (p1, c1) + 2 (p4, c1) + 1 (p3, c3 allocated
# to a1); protected 120 + 60 minutes; p2 is policing by c2's named advisor a2 (the only one able).
HAND_SCORE = 10000 * 4 + 100 * 5 + 1 * 180 - 500 * 1


def assign(solution: dict, appointment: str, advisor: str, start: str) -> dict:
    for row in solution["assignments"]:
        if row["appointment"] == appointment:
            row.update(advisor=advisor, start=start)
    return solution


def only_rule(result, rule: int, *words: str) -> None:
    """The violations are all of this rule, and one of them names all the words (ids)."""
    assert result.violations, "the checker accepted a broken plan"
    assert all(v.startswith(f"rule {rule}:") for v in result.violations), result.violations
    assert any(all(w in v for w in words) for v in result.violations), result.violations


def broken(change) -> dict:
    solution = valid_solution()
    del solution["score"], solution["bound"]  # breaking a rule may change the score; judge the rule alone
    change(solution)
    return solution


def test_valid_plan_passes_with_the_hand_computed_score(problem_doc):
    result = check_solution(problem_doc, valid_solution())
    assert result.ok, result.violations
    assert result.score == HAND_SCORE
    assert result.terms == {"assigned": 4, "continuity": 5, "protected": 180, "separation": 1, "disruption": 0}
    assert result.figures == {"fill": 1.0, "continuity": 1.0, "separation": 0.0, "protected": 1.0,
                              "gap": round((40200 - HAND_SCORE) / 40200, 6)}


def test_package_level_check_accepts_a_parsed_problem(problem_doc):
    result = scheduler.check_solution(scheduler.parse_problem(problem_doc), valid_solution())
    assert result.ok and result.score == HAND_SCORE


def test_unassigned_with_reason_is_valid_and_scores_less(problem_doc):
    solution = valid_solution()
    solution["assignments"] = [r for r in solution["assignments"] if r["appointment"] != "p3"]
    solution["unassigned"] = [{"appointment": "p3", "reason": "no housing advisor free"}]
    solution["allocations"] = []
    solution["score"], solution["bound"] = HAND_SCORE - 10000 - 100, None
    result = check_solution(problem_doc, solution)
    assert result.ok, result.violations
    assert result.figures["fill"] == 0.75 and result.figures["gap"] is None


def test_disruption_counts_a_moved_published_appointment(problem_doc):
    solution = assign(valid_solution(), "p1", "a1", "2026-11-23T10:00")
    solution["score"] = HAND_SCORE - 200
    result = check_solution(problem_doc, solution)
    assert result.ok, result.violations
    assert result.terms["disruption"] == 1


def test_rule1_skill(problem_doc):
    result = check_solution(problem_doc, broken(lambda s: assign(s, "p3", "a2", "2026-11-23T13:00")))
    only_rule(result, 1, "p3", "housing", "a2")


def test_rule1_role(problem_doc):
    result = check_solution(problem_doc, broken(lambda s: assign(s, "p2", "a1", "2026-11-23T10:00")))
    only_rule(result, 1, "p2", "policing", "a1")


def test_rule2_outside_every_window(make_problem):
    doc = make_problem()
    doc["appointments"][0]["windows"] = [{"start": "2026-11-23T09:00", "end": "2026-11-23T17:00"}]
    result = check_solution(doc, broken(lambda s: assign(s, "p1", "a1", "2026-11-24T09:00")))
    only_rule(result, 2, "p1", "windows")


def test_rule2_outside_availability(problem_doc):
    result = check_solution(problem_doc, broken(lambda s: assign(s, "p1", "a1", "2026-11-23T12:30")))
    only_rule(result, 2, "p1", "a1's availability")


def test_rule2_start_off_the_grid(problem_doc):
    result = check_solution(problem_doc, broken(lambda s: assign(s, "p1", "a1", "2026-11-23T09:05")))
    assert any("assignments[0].start" in v and "grid" in v for v in result.violations), result.violations


def test_rule3_advisor_double_booked(problem_doc):
    result = check_solution(problem_doc, broken(lambda s: assign(s, "p3", "a1", "2026-11-23T09:30")))
    only_rule(result, 3, "p1", "p3", "advisor a1")


def test_rule3_client_in_two_places(make_problem):
    doc = make_problem()
    doc["appointments"][1]["client"] = "c1"  # p2 becomes c1's policing review, Monday 09:00 with a2
    result = check_solution(doc, broken(lambda s: None))
    only_rule(result, 3, "p1", "p2", "client c1")


def test_rule4_daily_limit(make_problem):
    doc = make_problem()
    doc["advisors"][0]["max_appointments_per_day"] = 1
    result = check_solution(doc, broken(lambda s: None))
    only_rule(result, 4, "a1", "2026-11-24", "more than 1")


def test_rule5_pin_moved(problem_doc):
    result = check_solution(problem_doc, broken(lambda s: assign(s, "p4", "a1", "2026-11-24T10:30")))
    only_rule(result, 5, "p4", "a1")


def test_rule5_pinned_appointment_left_unassigned(problem_doc):
    def drop_p4(s):
        s["assignments"] = [r for r in s["assignments"] if r["appointment"] != "p4"]
        s["unassigned"] = [{"appointment": "p4", "reason": "x"}]
    only_rule(check_solution(problem_doc, broken(drop_p4)), 5, "p4")


@pytest.mark.parametrize("client, advisor, words", [
    ("c1", "a1", ("c1", "already has named advisor a1")),
    ("c3", "a3", ("c3", "a3", "support role")),
    ("c3", "a2", ("c3", "needs housing", "a2")),
])
def test_rule6_bad_allocation(problem_doc, client, advisor, words):
    def allocate(s):
        s["allocations"] = [{"client": client, "advisor": advisor}]
    only_rule(check_solution(problem_doc, broken(allocate)), 6, *words)


def test_rule6_max_caseload(make_problem):
    doc = make_problem()
    doc["advisors"][0]["max_caseload"] = 1  # a1 already holds c1
    only_rule(check_solution(doc, broken(lambda s: None)), 6, "a1", "2 clients", "max_caseload 1")


@pytest.mark.parametrize("block, words", [
    ({"advisor": "a2", "start": "2026-11-23T13:00", "end": "2026-11-23T13:45"}, ("a2", "shorter than 60")),
    ({"advisor": "a1", "start": "2026-11-23T12:00", "end": "2026-11-23T13:30"}, ("a1", "availability")),
    ({"advisor": "a1", "start": "2026-11-23T09:00", "end": "2026-11-23T10:00"}, ("a1", "overlaps appointment p1")),
    ({"advisor": "a1", "start": "2026-11-23T15:00", "end": "2026-11-23T16:30"}, ("a1", "blocks", "overlap")),
])
def test_rule7_bad_protected_block(problem_doc, block, words):
    only_rule(check_solution(problem_doc, broken(lambda s: s["protected"].append(block))), 7, *words)


def test_protected_beyond_the_target_scores_only_the_target(problem_doc):
    solution = valid_solution()
    solution["protected"].append({"advisor": "a1", "start": "2026-11-24T15:00", "end": "2026-11-24T17:00"})
    result = check_solution(problem_doc, solution)
    assert result.ok, result.violations
    assert result.terms["protected"] == 180


@pytest.mark.parametrize("change, words", [
    (lambda s: s.update(format="caseload-solution/9"), "format"),
    (lambda s: s.update(status="great"), "status"),
    (lambda s: s["assignments"].pop(2), "p3 is in neither assignments nor unassigned"),
    (lambda s: s["unassigned"].append({"appointment": "p3"}), "p3 is listed twice"),
    (lambda s: s["assignments"].append(dict(s["assignments"][0])), "p1 is assigned more than once"),
    (lambda s: s["assignments"].append({"appointment": "p9", "advisor": "a1", "start": "2026-11-23T11:00"}),
     "unknown appointment 'p9'"),
    (lambda s: s["assignments"][0].update(advisor="a9"), "unknown advisor 'a9'"),
    (lambda s: s["allocations"].append({"client": "c9", "advisor": "a1"}), "unknown client 'c9'"),
    (lambda s: s["protected"].append({"advisor": "a9", "start": "2026-11-23T11:00", "end": "2026-11-23T12:00"}),
     "unknown advisor 'a9'"),
    (lambda s: s.update(assignments=[1, 2]), "malformed"),
])
def test_document_shape_faults(problem_doc, change, words):
    result = check_solution(problem_doc, broken(change))
    assert any(words in v for v in result.violations), result.violations


def test_reported_score_and_bound_are_checked(problem_doc):
    solution = valid_solution()
    solution["score"] = HAND_SCORE + 1
    assert any(v.startswith("score:") for v in check_solution(problem_doc, solution).violations)
    solution = valid_solution()
    solution["bound"] = HAND_SCORE - 1
    assert any(v.startswith("bound:") for v in check_solution(problem_doc, solution).violations)


def test_the_checker_does_not_change_the_solution(problem_doc):
    solution = valid_solution()
    before = copy.deepcopy(solution)
    check_solution(problem_doc, solution)
    assert solution == before



@pytest.mark.parametrize("change, valid", [
    (lambda s: None, True),
    (lambda s: assign(s, "p3", "a1", "2026-11-23T09:30"), False),  # rule 3
    (lambda s: assign(s, "p1", "a3", "2026-11-23T09:00"), False),  # rule 1 or 2
    (lambda s: s.update(allocations=[{"client": "c1", "advisor": "a2"}]), False),  # rule 6
    (lambda s: s["protected"].append({"advisor": "a1", "start": "2026-11-23T09:00", "end": "2026-11-23T10:00"}), False),
])
def test_a_plan_in_slots_is_judged_as_its_document(problem_doc, change, valid):
    """check_plan (the planner's check of its start plan, no document written) finds what check_solution finds."""
    problem = scheduler.parse_problem(problem_doc)
    solution = broken(change)
    placements = read_placements(problem, solution)
    in_slots, in_document = check_plan(problem, *placements), check_solution(problem, solution)
    assert in_document.ok == valid
    assert in_slots.violations == in_document.violations and in_slots.score == in_document.score
