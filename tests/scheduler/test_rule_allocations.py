"""Rule 6: new clients get at most one support advisor with their need, within max_caseload."""
from tiny import model_accepts, solve_checked


def test_allocation_needs_support_role_and_need_skill(problem_doc):
    assert model_accepts(problem_doc, allocate={"c3": "a1"})
    assert not model_accepts(problem_doc, allocate={"c3": "a3"})  # housing, but policing only
    assert not model_accepts(problem_doc, allocate={"c3": "a2"})  # support, but no housing
    assert not model_accepts(problem_doc, allocate={"c1": "a1"})  # c1 already has a named advisor


def test_max_caseload_caps_new_allocations(make_problem):
    doc = make_problem()
    doc["advisors"][0]["max_caseload"] = 1  # a1 holds c1 already
    assert not model_accepts(doc, allocate={"c3": "a1"})
    assert solve_checked(doc)["allocations"] == []


def test_one_advisor_per_new_client_and_the_cap_shared(make_problem):
    doc = make_problem()
    doc["advisors"][1]["skills"] = ["debt", "housing"]
    doc["clients"].append({"id": "c4", "named_advisor": None, "need": "housing"})
    doc["appointments"].append({"id": "p5", "client": "c4", "kind": "support", "skill": "housing",
                                "duration_minutes": 30,
                                "windows": [{"start": "2026-11-23T09:00", "end": "2026-11-23T17:00"}]})
    doc["advisors"][0]["max_caseload"] = 2  # room for one more at a1 (holds c1) ...
    doc["advisors"][1]["max_caseload"] = 2  # ... and at a2 (holds c2)
    assert model_accepts(doc, allocate={"c3": "a1", "c4": "a2"})
    assert not model_accepts(doc, allocate={"c3": "a1", "c4": "a1"})
    assert not model_accepts(doc, allocate={"c3": "a2", "c4": "a2"})
    solution = solve_checked(doc)
    given = {r["client"]: r["advisor"] for r in solution["allocations"]}
    assert set(given) == {"c3", "c4"} and sorted(given.values()) == ["a1", "a2"]
