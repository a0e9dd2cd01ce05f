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
