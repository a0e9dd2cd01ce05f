"""Rule 3 (clients): a client is never in two appointments at once."""
from tiny import model_accepts, placed, solve_checked


def test_same_client_two_advisors_overlap_refused(make_problem):
    doc = make_problem()
    doc["appointments"][1].update(client="c1")  # p2 (policing, a2) is now c1's, like p1
    assert model_accepts(doc, {"p1": ("a1", "2026-11-23T09:00"), "p2": ("a2", "2026-11-23T09:45")})
    assert not model_accepts(doc, {"p1": ("a1", "2026-11-23T09:00"), "p2": ("a2", "2026-11-23T09:30")})


def test_solution_staggers_the_clients_appointments(make_problem):
    doc = make_problem()
    doc["appointments"][1].update(client="c1", windows=[{"start": "2026-11-23T09:00", "end": "2026-11-23T10:15"}])
    doc["appointments"][0]["windows"] = [{"start": "2026-11-23T09:00", "end": "2026-11-23T10:15"}]
    booked = placed(solve_checked(doc))
    assert {"p1", "p2"} <= set(booked)  # 45 + 30 minutes fit in 75 only one after the other
    starts = sorted(booked[a][1] for a in ("p1", "p2"))
    assert starts in (["2026-11-23T09:00", "2026-11-23T09:30"], ["2026-11-23T09:00", "2026-11-23T09:45"])
