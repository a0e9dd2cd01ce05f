"""A plan's quality in words a team leader reads at a glance, from the solver's score and proven bound.

score: the plan's score (higher is better, problem-format.md "Score"); bound: a proven upper limit on any
plan's score for the same week (None when not proven); figures: the report figures (fractions 0-1).
"""
from __future__ import annotations

import math

from caseload.wording import counted


def tighter_bound(*bounds) -> int | None:
    """The best proven bound among those given (the smallest; None when none is proven).

    Every bound the solver reports is proven, so the smallest seen so far stays true: showing it keeps the
    figure from jumping back up when a later report carries a looser one (or none)."""
    proven = [b for b in bounds if b is not None]
    return min(proven) if proven else None


# The solver's status (problem-format.md "status") in a service manager's words; the term stays in a hint.
STATUS_WORDS = {
    "optimal": "Best plan found; no better plan exists",
    "feasible": "Good plan found in the time",
    "unknown": "No plan found in the time",
}


def status_words(status: str | None) -> str:
    """"Best plan found; no better plan exists" for optimal, "Good plan found in the time" for feasible, …;
    an unexpected status is shown as it is."""
    return STATUS_WORDS.get(status or "unknown", str(status))


def quality_words(score, bound, status: str | None = None) -> str:
    """"Best plan found; no better plan exists.", "Good plan found in the time: a better plan could be at most
    0.4 % better.", or that how much better one could be is not known. (It said "the best possible plan (proven)"
    and "within 0.4 % of the best possible plan": solver words a service manager did not follow.)"""
    if score is None:
        return "No plan yet."
    if status == "optimal" or (bound is not None and score >= bound):
        return STATUS_WORDS["optimal"] + "."
    if bound is None or bound <= 0:
        return "Good plan found in the time; how much better a plan could possibly be is not known."
    gap = (bound - score) / bound
    # Rounded up: never flatters.
    return f"Good plan found in the time: a better plan could be at most {math.ceil(gap * 1000) / 10:.1f} % better."


def continuity_words(figures: dict | None) -> str | None:
    """"96 % of appointments with the client's named advisor" (support appointments of clients with one)."""
    value = (figures or {}).get("continuity")
    if value is None:
        return None
    return f"{value * 100:.0f} % of appointments with the client's named advisor."


def fill_words(placed: int, total: int) -> str:
    return f"{placed} of {counted(total, 'appointment')} placed" + ("." if placed == total else f"; {total - placed} unassigned.")
