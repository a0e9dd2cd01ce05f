"""Which (advisor, start) placements the model considers for each appointment, and their booleans.

Pruning keeps the time-indexed model small enough to solve: a placement is a candidate only if
the advisor has the skill and role and the whole appointment fits inside one window and one
availability interval. For large weeks each appointment keeps its named advisor plus the
`alternates` qualified advisors with the most free time in its windows; the warm-start placement,
the pin and the previous placement are always kept. When anything is pruned the model is no longer
a relaxation of the problem, so the bound then comes from scheduler.bound instead.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scheduler.model import Appointment, Placement, Problem

if TYPE_CHECKING:  # only named in annotations: the offers and the checker's explanations use this module without OR-Tools
    from ortools.sat.python import cp_model


@dataclass
class Candidates:
    starts: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (appt, advisor) -> starts
    pruned: bool = False

    def advisors_of(self, appt_id: str) -> list[str]:
        return [v for (a, v) in self.starts if a == appt_id]


def feasible_starts(problem: Problem, appt: Appointment, advisor_id: str, step: int = 1) -> list[int]:
    """Every grid start where `appt` fits wholly in one window and one availability interval."""
    advisor = problem.advisor_by_id[advisor_id]
    starts = set()
    for window in appt.windows:
        for avail in advisor.availability:
            lo, hi = max(window.start, avail.start), min(window.end, avail.end) - appt.duration
            starts.update(range(lo, hi + 1, step) if step == 1 else
                          [s for s in range(lo, hi + 1) if (s - avail.start) % step == 0])
    return sorted(starts)


def _free_minutes_in_windows(problem: Problem, appt: Appointment, advisor_id: str) -> int:
    advisor = problem.advisor_by_id[advisor_id]
    return sum(max(0, min(w.end, a.end) - max(w.start, a.start)) for w in appt.windows for a in advisor.availability)


def choose_candidates(problem: Problem, hint: dict[str, Placement] | None = None, alternates: int | None = None,
                      step: int = 1) -> Candidates:
    hint = hint or {}
    cands = Candidates()
    for appt in problem.appointments:
        keep_always = {p for p in (appt.pinned, hint.get(appt.id), problem.previous.get(appt.id)) if p is not None}
        if appt.pinned is not None:
            cands.starts[(appt.id, appt.pinned.advisor)] = [appt.pinned.start]
            continue
        qualified = [a.id for a in problem.advisors if a.can_do(appt.kind, appt.skill)]
        named = problem.client_by_id[appt.client].named_advisor
        chosen = qualified
        if alternates is not None and len(qualified) > alternates + 1:
            ranked = sorted((v for v in qualified if v != named),
                            key=lambda v: (-_free_minutes_in_windows(problem, appt, v), v))
            chosen = ([named] if named in qualified else []) + ranked[:alternates]
            chosen += [p.advisor for p in keep_always if p.advisor not in chosen and p.advisor in qualified]
            cands.pruned = True
        for advisor_id in chosen:
            starts = feasible_starts(problem, appt, advisor_id, step)
            extra = [p.start for p in keep_always if p.advisor == advisor_id
                     and p.start in feasible_starts(problem, appt, advisor_id)]
            starts = sorted(set(starts) | set(extra))
            if step > 1:
                cands.pruned = True
            if starts:
                cands.starts[(appt.id, advisor_id)] = starts
    return cands


class AssignVars:
    """The booleans x[appt, advisor, start] and helpers to sum them."""

    def __init__(self, model: cp_model.CpModel, problem: Problem, cands: Candidates):
        self.problem = problem
        self.x: dict[tuple[str, str, int], cp_model.IntVar] = {}
        self.by_appt: dict[str, list] = defaultdict(list)
        self.by_appt_advisor: dict[tuple[str, str], list] = defaultdict(list)
        for (appt_id, advisor_id), starts in sorted(cands.starts.items()):
            for s in starts:
                var = model.new_bool_var(f"assign_{appt_id}_{advisor_id}_{s}")
                self.x[(appt_id, advisor_id, s)] = var
                self.by_appt[appt_id].append(var)
                self.by_appt_advisor[(appt_id, advisor_id)].append(var)

    def with_advisor(self, appt_id: str, advisor_id: str) -> list:
        return self.by_appt_advisor.get((appt_id, advisor_id), [])

    def extract(self, value) -> dict[str, Placement]:
        """Placements chosen in a solution; `value` maps a variable to its value."""
        return {a: Placement(v, s) for (a, v, s), var in self.x.items() if value(var)}
