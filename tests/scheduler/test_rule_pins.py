"""Rule 5: a pinned appointment is assigned exactly as pinned."""
from tiny import model_accepts, placed, solve_checked


def test_pin_accepted_anything_else_refused(problem_doc):
    assert model_accepts(problem_doc, {"p4": ("a1", "2026-11-24T10:00")})
    assert not model_accepts(problem_doc, {"p4": ("a1", "2026-11-24T09:00")})
    assert not model_accepts(problem_doc, {"p4": ("a2", "2026-11-23T10:00")})


def test_pin_holds_even_when_it_costs(make_problem):
    doc = make_problem()
    # Pin p1 to a2 although a1 is c1's named advisor (continuity lost) and it was published with a1.
    doc["appointments"][0]["pinned"] = {"advisor": "a2", "start": "2026-11-23T15:00"}
    assert placed(solve_checked(doc))["p1"] == ("a2", "2026-11-23T15:00")


def test_pin_holds_even_when_leaving_it_out_would_score_more(make_problem):
    # Pin the policing review p2 to c2's own advisor a2: serving it (100) costs more in separation (500)
    # than leaving it out, so only the pin rule books it.
    doc = make_problem(weights={"assigned": 100, "continuity": 100, "protected": 1, "separation": 500,
                                "disruption": 200})
    doc["appointments"][1]["pinned"] = {"advisor": "a2", "start": "2026-11-23T10:00"}
    solution = solve_checked(doc)
    assert placed(solution)["p2"] == ("a2", "2026-11-23T10:00")
    assert solution["terms"]["separation"] == 1
