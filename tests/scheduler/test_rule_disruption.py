"""Disruption (a score term): re-planning keeps published appointments where they were unless they must move."""
from tiny import placed, solve_checked


def _published(doc: dict) -> dict:
    doc["previous"] = [{"appointment": "p1", "advisor": "a1", "start": "2026-11-24T14:00"},
                       {"appointment": "p3", "advisor": "a1", "start": "2026-11-23T14:00"}]
    return doc


def test_nothing_changed_nothing_moves(make_problem):
    solution = solve_checked(_published(make_problem()))
    booked = placed(solution)
    assert booked["p1"] == ("a1", "2026-11-24T14:00") and booked["p3"] == ("a1", "2026-11-23T14:00")
    assert solution["terms"]["disruption"] == 0


def test_only_the_affected_appointment_moves(make_problem):
    doc = _published(make_problem())
    del doc["advisors"][0]["availability"][1]  # a1 is off on Monday afternoon now: p3 must move
    solution = solve_checked(doc)
    booked = placed(solution)
    assert booked["p1"] == ("a1", "2026-11-24T14:00")  # unaffected: stays put
    assert "p3" in booked and booked["p3"] != ("a1", "2026-11-23T14:00")
    assert solution["terms"]["disruption"] == 1


def test_a_published_placement_that_became_impossible_is_still_booked(make_problem):
    doc = _published(make_problem())
    doc["appointments"][0]["windows"] = [{"start": "2026-11-23T09:00", "end": "2026-11-23T12:00"}]  # Monday only now
    solution = solve_checked(doc)
    assert placed(solution)["p1"][1].startswith("2026-11-23")
    assert solution["terms"]["disruption"] == 1


def test_a_published_appointment_stays_when_moving_gains_less_than_the_disruption(make_problem):
    doc = make_problem(weights={"assigned": 10000, "continuity": 100, "protected": 1, "separation": 500,
                                "disruption": 300})
    # p1 (c1, complexity 2) was published with a2, not c1's named advisor a1: moving it home gains
    # continuity 200, keeping it saves disruption 300.
    doc["previous"] = [{"appointment": "p1", "advisor": "a2", "start": "2026-11-23T15:00"}]
    solution = solve_checked(doc)
    assert placed(solution)["p1"] == ("a2", "2026-11-23T15:00")
    assert solution["terms"]["disruption"] == 0
