"""Each appointment is placed at most once (assigned or listed as unassigned, never twice)."""
from tiny import model_accepts


def test_one_placement_accepted_two_refused(problem_doc):
    assert model_accepts(problem_doc, {"p1": ("a1", "2026-11-23T09:00")})
    # The same appointment with two advisors at once is not a plan.
    doc = dict(problem_doc)
    assert not _two_placements(doc, ("a1", "2026-11-23T09:00"), ("a2", "2026-11-23T09:00"))
    assert not _two_placements(doc, ("a1", "2026-11-23T09:00"), ("a1", "2026-11-24T09:00"))


def _two_placements(doc, first, second) -> bool:
    from ortools.sat.python import cp_model

    from scheduler.parse import parse_problem
    from scheduler.solver import build_model

    problem = parse_problem(doc)
    model, st, _ = build_model(problem, {})
    for advisor, start in (first, second):
        model.add(st.xs.x[("p1", advisor, problem.horizon.to_slot(start))] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
