"""The score and figures of a plan, and continuity-of-care indices per client.

Shared by the checker, the baselines and reports. Works on plain placements so it needs no
solver: `assignments` maps appointment id -> Placement, `allocations` client id -> advisor id,
`protected` is a list of (advisor id, start slot, end slot).
"""
from __future__ import annotations

import math
from collections import Counter

from scheduler.model import Placement, Problem


def protected_minutes_kept(problem: Problem, protected) -> dict[str, int]:
    """Per advisor: min(target, minutes in its protected blocks)."""
    kept: Counter[str] = Counter()
    for advisor, start, end in protected:
        kept[advisor] += (end - start) * problem.horizon.slot_minutes
    return {a.id: min(a.protected_minutes, kept.get(a.id, 0)) for a in problem.advisors}


def score_terms(problem: Problem, assignments: dict[str, Placement], allocations: dict[str, str], protected) -> dict[str, int]:
    """The raw count behind each score term (before weights)."""
    assigned = continuity = separation = disruption = 0
    for appt in problem.appointments:
        placed = assignments.get(appt.id)
        if placed is None:
            continue
        assigned += 1
        named = problem.home_of(appt.client, allocations)
        if named is not None and placed.advisor == named:
            if appt.kind == "support":
                continuity += problem.client_by_id[appt.client].complexity
            else:
                separation += 1
    for appt_id, before in problem.previous.items():
        if assignments.get(appt_id) != before:
            disruption += 1
    protected_total = sum(protected_minutes_kept(problem, protected).values())
    return {"assigned": assigned, "continuity": continuity, "protected": protected_total,
            "separation": separation, "disruption": disruption}


def score(problem: Problem, assignments, allocations, protected) -> int:
    w = problem.weights
    t = score_terms(problem, assignments, allocations, protected)
    return (w.assigned * t["assigned"] + w.continuity * t["continuity"] + w.protected * t["protected"]
            - w.separation * t["separation"] - w.disruption * t["disruption"])


def _ratio(numerator: float, denominator: float) -> float | None:
    """A share; None (not 1.0) when nothing was there to count, e.g. no policing appointments,
    so a report shows "no policing this week" rather than a perfect separation."""
    return round(numerator / denominator, 6) if denominator else None


def figures(problem: Problem, assignments, allocations, protected, bound: int | None = None,
            score_value: int | None = None) -> dict:
    """fill, continuity, separation, protected, gap — as problem-format.md defines them."""
    support_named = support_with_named = policing = policing_apart = 0
    for appt in problem.appointments:
        placed = assignments.get(appt.id)
        if placed is None:
            continue
        named = problem.home_of(appt.client, allocations)
        if appt.kind == "support":
            if named is not None:
                support_named += 1
                support_with_named += placed.advisor == named
        else:
            policing += 1
            policing_apart += placed.advisor != named
    targets = sum(a.protected_minutes for a in problem.advisors)
    kept = sum(protected_minutes_kept(problem, protected).values())
    value = score(problem, assignments, allocations, protected) if score_value is None else score_value
    gap = None
    if bound is not None:
        gap = round((bound - value) / abs(bound), 6) if bound else 0.0
    return {
        "fill": _ratio(len(assignments), len(problem.appointments)),
        "continuity": _ratio(support_with_named, support_named),
        "separation": _ratio(policing_apart, policing),
        "protected": _ratio(kept, targets),
        "gap": gap,
    }


def continuity_indices(visits) -> dict[str, float | None]:
    """Continuity-of-care indices of one client's visits, given as the advisor ids in order.

    UPC  usual provider continuity: share of visits with the most-seen advisor.
    COC  Bice–Boxerman: (sum n_j^2 - n) / (n (n - 1)).
    SECON sequential continuity: share of consecutive pairs with the same advisor.
    MMCI modified modified continuity index (Magill & Senf):
         (1 - providers / (n + 0.1)) / (1 - 1 / (n + 0.1)).
    No visits: every index is None. One visit: UPC and MMCI are 1.0 (MMCI's +0.1 exists to define
    it there); COC and SECON divide by zero, so they are None.
    """
    visits = list(visits)
    n = len(visits)
    if n == 0:
        return {"upc": None, "coc": None, "secon": None, "mmci": None}
    counts = Counter(visits)
    upc = max(counts.values()) / n
    if n == 1:
        return {"upc": 1.0, "coc": None, "secon": None, "mmci": 1.0}
    coc = (sum(c * c for c in counts.values()) - n) / (n * (n - 1))
    secon = sum(1 for a, b in zip(visits, visits[1:]) if a == b) / (n - 1)
    mmci = (1 - len(counts) / (n + 0.1)) / (1 - 1 / (n + 0.1))
    return {"upc": upc, "coc": coc, "secon": secon, "mmci": mmci}


def client_continuity(problem: Problem, assignments: dict[str, Placement]) -> dict[str, dict]:
    """Per client: continuity_indices over its history (by date) followed by this plan's appointments
    (by start), so a report shows what the plan does to each client's continuity of care."""
    planned: dict[str, list[tuple[int, str]]] = {}
    for appt in problem.appointments:
        placed = assignments.get(appt.id)
        if placed is not None:
            planned.setdefault(appt.client, []).append((placed.start, placed.advisor))
    return {c.id: continuity_indices([v.advisor for v in sorted(c.history, key=lambda v: v.date)]
                                     + [advisor for _, advisor in sorted(planned.get(c.id, []))])
            for c in problem.clients}


def is_close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, abs_tol=1e-9)
