"""Writing solution documents (caseload-solution/1) from placements in slots."""
from __future__ import annotations

from scheduler import explain, metrics
from scheduler.explain import Unplaced
from scheduler.model import SOLUTION_FORMAT, Placement, Problem

PLANNER = "cp-sat"  # the "solver" a planner's solution names


def solution_document(problem: Problem, assignments: dict[str, Placement], allocations: dict[str, str],
                      protected: list[tuple[str, int, int]], *, status: str,
                      reasons: dict[str, Unplaced] | None = None, bound: int | None = None, seconds: float = 0.0,
                      **extra) -> dict:
    """The caseload-solution/1 document of a plan in slots. `reasons`: why each appointment not in
    `assignments` is left out (code and sentence); those it lacks are explained by scheduler.explain."""
    h = problem.horizon
    missing = [a for a in problem.appointments if a.id not in assignments and a.id not in (reasons or {})]
    reasons = {**(explain.unplaced(problem, assignments) if missing else {}), **(reasons or {})}
    value = metrics.score(problem, assignments, allocations, protected)
    doc = {
        "format": SOLUTION_FORMAT,
        "status": status,
        "assignments": [{"appointment": a.id, "advisor": assignments[a.id].advisor,
                         "start": h.to_text(assignments[a.id].start)}
                        for a in problem.appointments if a.id in assignments],
        "unassigned": [{"appointment": a.id, "code": reasons[a.id].code, "reason": reasons[a.id].reason}
                       for a in problem.appointments if a.id not in assignments],
        "allocations": [{"client": c, "advisor": v} for c, v in sorted(allocations.items())],
        "protected": [{"advisor": v, "start": h.to_text(s), "end": h.to_text(e)} for v, s, e in sorted(protected)],
        "score": value,
        "bound": bound,
        "solve_seconds": round(seconds, 3),
        "figures": metrics.figures(problem, assignments, allocations, protected, bound=bound, score_value=value),
        "terms": metrics.score_terms(problem, assignments, allocations, protected),
    }
    doc.update(extra)
    return doc


def plan_document(problem: Problem, assignments: dict[str, Placement], allocations: dict[str, str],
                  protected: list[tuple[str, int, int]], *, status: str, **options) -> dict:
    """The solution document of a planner's plan (see solution_document, same options): allocations
    are given only for clients with a placed support appointment (a plan may hold others in reserve)."""
    return solution_document(problem, assignments, used_allocations(problem, assignments, allocations),
                             protected, status=status, **options)


def used_allocations(problem: Problem, assignments: dict[str, Placement], allocations: dict[str, str]) -> dict[str, str]:
    """The allocations of clients with a placed support appointment."""
    placed = {problem.appointment_by_id[a].client for a in assignments
              if problem.appointment_by_id[a].kind == "support"}
    return {c: v for c, v in allocations.items() if c in placed}


def read_placements(problem: Problem, doc: dict):
    """Placements of a (trusted) solution document: assignments, allocations, protected in slots."""
    h = problem.horizon
    assignments = {row["appointment"]: Placement(row["advisor"], h.to_slot(row["start"]))
                   for row in doc.get("assignments", [])}
    allocations = {row["client"]: row["advisor"] for row in doc.get("allocations", [])}
    protected = [(row["advisor"], h.to_slot(row["start"]), h.to_slot(row["end"])) for row in doc.get("protected", [])]
    return assignments, allocations, protected
