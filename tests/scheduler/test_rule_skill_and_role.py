"""Rule 1: the advisor has the appointment's skill and the role of its kind."""
from tiny import model_accepts, placed, reasons, solve_checked


def test_qualified_advisor_accepted_unqualified_refused(problem_doc):
    # p2 is policing debt on Monday: a2 (support + policing, debt) can, a1 (support only) cannot.
    assert model_accepts(problem_doc, {"p2": ("a2", "2026-11-23T09:00")})
    assert not model_accepts(problem_doc, {"p2": ("a1", "2026-11-23T09:00")})
    # p3 is support housing: a3 has housing but only the policing role.
    assert not model_accepts(problem_doc, {"p3": ("a3", "2026-11-24T09:00")})


def test_nobody_qualified_leaves_it_unassigned(make_problem):
    doc = make_problem()
    doc["appointments"][1]["skill"] = "housing"  # policing housing: only a3, who works Tuesday only
    doc["appointments"][1]["windows"] = [{"start": "2026-11-24T09:00", "end": "2026-11-24T17:00"}]
    assert placed(solve_checked(doc))["p2"][0] == "a3"
    doc["appointments"][1]["skill"] = "immigration"
    solution = solve_checked(doc)
    assert "p2" not in placed(solution)
    assert reasons(solution)["p2"] == "no advisor has the immigration skill and the policing role"
