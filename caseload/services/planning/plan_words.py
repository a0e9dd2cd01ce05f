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


def quality_words(score, bound, status: str | None = None) -> str:
    """"the best possible plan (proven)", "within 0.4 % of the best possible plan", or why it is not known."""
    if score is None:
        return "No plan yet."
    if status == "optimal" or (bound is not None and score >= bound):
        return "The best possible plan (proven)."
    if bound is None or bound <= 0:
        return "A workable plan; how close it is to the best possible is not proven."
    gap = (bound - score) / bound
    return f"Within {math.ceil(gap * 1000) / 10:.1f} % of the best possible plan."  # rounded up: never flatters


def continuity_words(figures: dict | None) -> str | None:
    """"96 % of appointments with the client's named advisor" (support appointments of clients with one)."""
    value = (figures or {}).get("continuity")
    if value is None:
        return None
    return f"{value * 100:.0f} % of appointments with the client's named advisor."


def fill_words(placed: int, total: int) -> str:
    return f"{placed} of {counted(total, 'appointment')} placed" + ("." if placed == total else f"; {total - placed} unassigned.")
