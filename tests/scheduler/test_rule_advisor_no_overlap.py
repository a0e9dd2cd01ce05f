"""Rule 3 (advisors): no two appointments of one advisor overlap."""
from tiny import model_accepts, placed, reasons, solve_checked


def test_back_to_back_accepted_overlap_refused(problem_doc):
    assert model_accepts(problem_doc, {"p1": ("a1", "2026-11-23T09:00"), "p3": ("a1", "2026-11-23T09:45")})
    assert not model_accepts(problem_doc, {"p1": ("a1", "2026-11-23T09:00"), "p3": ("a1", "2026-11-23T09:30")})


def test_one_seat_left_one_appointment_waits(make_problem):
    doc = make_problem()
    # p1 (c1) and p3 (c3) both want a1 in the same single hour and nobody else can take p3.
    for i in (0, 2):
        doc["appointments"][i]["windows"] = [{"start": "2026-11-23T09:00", "end": "2026-11-23T10:00"}]
        doc["appointments"][i]["duration_minutes"] = 60
    doc["advisors"][1]["availability"] = [{"start": "2026-11-23T13:00", "end": "2026-11-23T17:00"}]  # a2: afternoon
    solution = solve_checked(doc)
    booked = placed(solution)
    assert ("p1" in booked) != ("p3" in booked)
    (why,) = reasons(solution).values()
    assert "fully booked" in why
