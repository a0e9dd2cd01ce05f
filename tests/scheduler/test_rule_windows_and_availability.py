"""Rule 2: wholly inside one window and one availability interval of the advisor, on the grid."""
from tiny import model_accepts, placed, solve_checked


def test_inside_availability_accepted_across_lunch_refused(problem_doc):
    assert model_accepts(problem_doc, {"p1": ("a1", "2026-11-23T11:45")})  # 11:45-12:30 fits exactly
    assert not model_accepts(problem_doc, {"p1": ("a1", "2026-11-23T12:00")})  # runs into the 12:30 break
    assert not model_accepts(problem_doc, {"p1": ("a1", "2026-11-23T08:45")})  # before a1 starts


def test_outside_the_window_refused(problem_doc):
    # p2's window is Monday only; a2 works Monday only anyway, so move the window to test it alone.
    doc = dict(problem_doc)
    doc["appointments"][1]["windows"] = [{"start": "2026-11-23T14:00", "end": "2026-11-23T15:00"}]
    assert model_accepts(doc, {"p2": ("a2", "2026-11-23T14:30")})
    assert not model_accepts(doc, {"p2": ("a2", "2026-11-23T14:45")})  # would end at 15:15
    assert not model_accepts(doc, {"p2": ("a2", "2026-11-23T13:45")})


def test_solution_uses_the_only_time_that_fits(make_problem):
    doc = make_problem()
    # Two windows; only the second meets a2's availability.
    doc["appointments"][1]["windows"] = [{"start": "2026-11-23T07:00", "end": "2026-11-23T08:30"},
                                         {"start": "2026-11-23T16:30", "end": "2026-11-23T18:00"}]
    assert placed(solve_checked(doc))["p2"] == ("a2", "2026-11-23T16:30")


def _split_day(make_problem) -> dict:
    """a2 works Monday 09:00-13:00 and 13:00-17:00 (touching); p2 (60 min) can only come 12:30-13:30."""
    doc = make_problem()
    doc["advisors"][1]["availability"] = [{"start": "2026-11-23T09:00", "end": "2026-11-23T13:00"},
                                          {"start": "2026-11-23T13:00", "end": "2026-11-23T17:00"}]
    doc["appointments"][1].update(duration_minutes=60,
                                  windows=[{"start": "2026-11-23T12:30", "end": "2026-11-23T13:30"}])
    return doc


def test_an_appointment_across_touching_availability_is_assigned_and_checked(make_problem):
    """Issue 12 kind 3: touching intervals are not a gap, for the solver and for the checker."""
    doc = _split_day(make_problem)
    assert placed(solve_checked(doc))["p2"] == ("a2", "2026-11-23T12:30")


def test_checker_accepts_a_placement_spanning_touching_intervals(make_problem):
    from scheduler.check import check_solution

    doc = _split_day(make_problem)
    doc["appointments"] = [doc["appointments"][1]]
    doc.pop("previous")
    solution = {"format": "caseload-solution/1", "status": "feasible",
                "assignments": [{"appointment": "p2", "advisor": "a2", "start": "2026-11-23T12:30"}],
                "unassigned": [], "allocations": [], "protected": [], "score": 10000}
    result = check_solution(doc, solution)
    assert not [v for v in result.violations if v.startswith("rule")], result.violations
