"""Rule 4: no advisor starts more than max_appointments_per_day appointments on one date."""
from tiny import model_accepts, placed, reasons, solve_checked


def _limit_one(make_problem):
    doc = make_problem()
    doc["advisors"][0]["max_appointments_per_day"] = 1
    return doc


def test_limit_counts_per_day(make_problem):
    doc = _limit_one(make_problem)
    # p4 is pinned to a1 on Tuesday, so a1's Tuesday is full; Monday has room for one.
    assert model_accepts(doc, {"p1": ("a1", "2026-11-23T09:00")})
    assert not model_accepts(doc, {"p1": ("a1", "2026-11-23T09:00"), "p3": ("a1", "2026-11-23T14:00")})
    assert not model_accepts(doc, {"p3": ("a1", "2026-11-24T14:00")})


def test_at_the_limit_the_rest_waits_and_says_why(make_problem):
    doc = _limit_one(make_problem)
    doc["advisors"][1]["availability"] = [{"start": "2026-11-23T16:30", "end": "2026-11-23T17:00"}]  # room for p2 only
    solution = solve_checked(doc)
    booked = placed(solution)
    assert sum(1 for a, (v, s) in booked.items() if v == "a1" and s.startswith("2026-11-23")) == 1
    assert len(solution["unassigned"]) == 1
    (why,) = reasons(solution).values()
    assert "daily limit" in why
