"""Separation (a score term): policing goes to someone other than the client's own advisor when it can."""
from tiny import model_accepts, placed, solve_checked


def _policing_for_new_client(doc: dict) -> dict:
    """c3 (new, housing) gets a policing review p5; a1 may now police too, a3 polices housing on Tuesday."""
    doc["advisors"][0]["roles"] = ["support", "policing"]
    doc["appointments"].append({"id": "p5", "client": "c3", "kind": "policing", "skill": "housing",
                                "duration_minutes": 30,
                                "windows": [{"start": "2026-11-24T09:00", "end": "2026-11-24T12:00"}]})
    return doc


def test_policing_goes_to_another_advisor_when_one_is_free(make_problem):
    doc = make_problem()
    # a4's only hour is also its protected hour: policing there costs 60 protected points, less than
    # the separation penalty (500), so only the penalty keeps p2 away from c2's own advisor a2.
    doc["advisors"].append({"id": "a4", "name": "Dev Shah", "skills": ["debt"], "roles": ["policing"],
                            "availability": [{"start": "2026-11-23T16:00", "end": "2026-11-23T17:00"}],
                            "protected_minutes": 60})
    solution = solve_checked(doc)
    assert placed(solution)["p2"][0] == "a4"  # not c2's named advisor a2, though a2 is free all day
    assert solution["terms"]["separation"] == 0


def test_named_advisor_polices_when_nobody_else_can_and_it_is_counted(problem_doc):
    # p2 (c2, policing debt, Monday): a2 is the only advisor with debt and the policing role.
    solution = solve_checked(problem_doc)
    assert placed(solution)["p2"][0] == "a2"  # serving the client outweighs the penalty
    assert solution["terms"]["separation"] == 1


def test_a_new_clients_allocated_advisor_counts_as_named(make_problem):
    doc = _policing_for_new_client(make_problem())
    # a1 is the only support advisor with housing, so c3 is allocated to a1; p5 then goes to a3.
    solution = solve_checked(doc)
    assert solution["allocations"] == [{"client": "c3", "advisor": "a1"}]
    assert placed(solution)["p5"][0] == "a3" and solution["terms"]["separation"] == 0
    # Both placements are allowed; only the score tells them apart.
    assert model_accepts(doc, {"p5": ("a1", "2026-11-24T09:00")}, allocate={"c3": "a1"})
    assert model_accepts(doc, {"p5": ("a3", "2026-11-24T09:00")}, allocate={"c3": "a1"})
