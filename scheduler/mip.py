"""The MIP peer for the benchmark: the same CP-SAT model, translated constraint by constraint into a
MathOpt model and solved by HiGHS. It shows what a general MIP solver does with our formulation.
"""
from __future__ import annotations

import math
import time
from datetime import timedelta

from ortools.math_opt.python import mathopt

from scheduler import bound as relaxation
from scheduler.document import solution_document
from scheduler.explain import raise_for_clashing_pins, unplaced
from scheduler.model import Placement, Problem
from scheduler.parse import parse_problem
from scheduler.rules import blocks_from_slots
from scheduler.solver import build_model  # the same model as the CP-SAT solver


def _literal(xs, ref: int):
    """A CP-SAT literal reference as a linear expression (negative refs are negations)."""
    return xs[ref] if ref >= 0 else 1 - xs[-ref - 1]


KINDS = ("linear", "at_most_one", "exactly_one", "bool_or", "bool_and")


def to_mathopt(proto) -> tuple[mathopt.Model, list]:
    """Translate a CP-SAT model of Booleans, linear rows, at-most-one and (enforced) clauses."""
    m = mathopt.Model(name="caseload")
    xs = []
    for i, var in enumerate(proto.variables):
        domain = list(var.domain)  # the pybind proto has no negative indexing
        lo, hi = domain[0], domain[-1]
        xs.append(m.add_binary_variable(name=f"v{i}") if (lo, hi) == (0, 1) else
                  m.add_integer_variable(lb=lo, ub=hi, name=f"v{i}"))
    for ct in proto.constraints:
        kind = next((k for k in KINDS if getattr(ct, f"has_{k}")()), None)
        enforce = [_literal(xs, r) for r in ct.enforcement_literal]
        slack = sum(1 - e for e in enforce) if enforce else 0
        if kind == "linear":
            expr = sum(c * xs[v] for v, c in zip(ct.linear.vars, ct.linear.coeffs))
            domain = list(ct.linear.domain)
            lo, hi = domain[0], domain[-1]
            big = sum(abs(c) * max(abs(d) for d in proto.variables[v].domain)
                      for v, c in zip(ct.linear.vars, ct.linear.coeffs)) + max(abs(lo), abs(hi)) if enforce else 0
            if lo > -(2**62):
                m.add_linear_constraint(expr + big * slack >= lo)
            if hi < 2**62:
                m.add_linear_constraint(expr - big * slack <= hi)
        elif kind in ("at_most_one", "exactly_one"):
            lits = getattr(ct, kind).literals
            total = sum(_literal(xs, r) for r in lits)
            if kind == "at_most_one":
                m.add_linear_constraint(total <= 1)
            else:
                m.add_linear_constraint(total == 1)
        elif kind == "bool_or":
            m.add_linear_constraint(sum(_literal(xs, r) for r in ct.bool_or.literals) + slack >= 1)
        elif kind == "bool_and":
            for r in ct.bool_and.literals:
                m.add_linear_constraint(_literal(xs, r) + slack >= 1)
        else:
            raise ValueError(f"cannot translate CP-SAT constraint {kind}")
    obj = proto.objective
    scale = obj.scaling_factor or 1.0
    expr = sum(c * xs[v] for v, c in zip(obj.vars, obj.coeffs)) + obj.offset
    m.minimize(scale * expr) if scale > 0 else m.maximize(scale * expr)
    return m, xs


def solve_mip(problem, time_limit: float = 60.0, workers: int = 1) -> dict:

    if not isinstance(problem, Problem):
        problem = parse_problem(problem)
    began = time.perf_counter()
    raise_for_clashing_pins(problem)
    model, st, cands = build_model(problem, {})
    m, xs = to_mathopt(model.proto)
    left = max(1.0, time_limit - (time.perf_counter() - began))
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=left))  # HiGHS sets its own threads
    result = mathopt.solve(m, mathopt.SolverType.HIGHS, params=params)
    lp_bound = relaxation.upper_bound(problem, time_limit=10)
    mip_bound = None
    if not cands.pruned and math.isfinite(result.best_objective_bound()):
        mip_bound = int(math.floor(result.best_objective_bound() + 1e-6))
    bound = min(b for b in (lp_bound, mip_bound) if b is not None)
    if not result.has_primal_feasible_solution():
        why = unplaced(problem, {})
        return {"format": "caseload-solution/1", "status": "unknown", "assignments": [],
                "unassigned": [{"appointment": a.id, "code": why[a.id].code,
                                "reason": f"the MIP found no plan in time ({why[a.id].reason})"}
                               for a in problem.appointments],
                "allocations": [], "protected": [], "score": None, "bound": bound,
                "solve_seconds": round(time.perf_counter() - began, 3), "solver": "mip-highs",
                "model": {"placements": len(st.xs.x), "pruned": cands.pruned}}
    values = result.variable_values()

    def on(var) -> bool:
        return values[xs[var.index]] > 0.5

    assignments = {a: Placement(v, s) for (a, v, s), var in st.xs.x.items() if on(var)}
    allocations = {c: v for (c, v), var in st.alloc.items() if on(var)}
    placed_support = {problem.appointment_by_id[a].client for a in assignments
                      if problem.appointment_by_id[a].kind == "support"}
    allocations = {c: v for c, v in allocations.items() if c in placed_support}
    protected = blocks_from_slots(st, on)
    return solution_document(problem, assignments, allocations, protected, status="feasible",
                             reasons=unplaced(problem, assignments), bound=bound,
                             seconds=time.perf_counter() - began, solver="mip-highs",
                             model={"placements": len(st.xs.x), "pruned": cands.pruned})
