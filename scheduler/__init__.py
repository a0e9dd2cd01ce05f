"""Caseload's planning engine: problem document in, solution document out (see problem-format.md).

Pure Python around OR-Tools CP-SAT; no web framework imports.
"""
from scheduler.check import check_solution
from scheduler.model import ProblemError
from scheduler.parse import load_problem, parse_problem


def solve(problem, **options):
    """Solve a problem (document or Problem); see scheduler.solver.solve for the options."""
    from scheduler.solver import solve as _solve

    return _solve(problem, **options)


def offers(request_document):
    """Ranked offers for one new appointment (or series) in a plan: caseload-offer-request/1 in,
    caseload-offers/1 out; see scheduler.booking.offers. Keep a scheduler.booking.Desk to answer many."""
    from scheduler.booking import offers as _offers

    return _offers(request_document)


__all__ = ["ProblemError", "load_problem", "parse_problem", "solve", "check_solution", "offers"]
