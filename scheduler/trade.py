"""A greedy repair that trades places by complexity: bring a complex client home by moving a simpler one.

Continuity is weighted by the client's complexity (problem-format.md, Score), so when a named advisor
is full, seeing a complexity-3 client who is elsewhere is worth more than seeing a complexity-1 client
of their own. bring_home (scheduler.repair) only uses free time and swaps with appointments not at
home; this pass also moves an appointment that IS at home (a simpler client's, or one worth less
there) to wherever it fits next, its own advisor first, when the trade raises the score. Each trade is
scored exactly (continuity, separation, disruption and the protected minutes of the advisors it
touches), so a trade that loses protected time or fill is never made.
"""
from __future__ import annotations

from scheduler import baselines
from scheduler.budget import Budget
from scheduler.model import Placement, Problem
from scheduler.repair import _value

# Appointments at the named advisor tried as the one to move, per appointment brought home, and in
# the whole pass: enough to find the simpler client in the way, few enough that the pass stays
# around a second at 10,000 appointments.
TRADE_TRIES = 6
TRADE_TOTAL = 8_000


def trade_home(plan, budget: Budget | None = None) -> int:
    """Improve `plan` (scheduler.lns.Plan) in place by trades; returns the score gained (0: unchanged).
    Stops early (keeping the trades made) once `budget` (scheduler.budget.Budget) is spent."""
    problem: Problem = plan.problem
    before = plan.score()
    assignments = dict(plan.assignments)
    book = baselines.Diary.holding(problem, assignments)
    fixed = {a.id for a in problem.appointments if a.pinned is not None}
    fixed |= {a for a, placed in problem.previous.items() if assignments.get(a) == placed}
    homes = {c.id: problem.home_of(c.id, plan.allocations) for c in problem.clients}
    held: dict[str, set[str]] = {v.id: set() for v in problem.advisors}
    for appt_id, placed in assignments.items():
        held[placed.advisor].add(appt_id)
    kept = _Kept(problem, book)
    tries = 0
    for count, appt in enumerate(_away_most_complex_first(problem, assignments, homes, fixed)):
        if tries >= TRADE_TOTAL or (budget is not None and count % 64 == 63 and budget.expired()):
            break
        tries += _bring_one_home(problem, plan, book, assignments, held, kept, fixed, appt, homes[appt.client], homes)
    old = (plan.assignments, plan.protected)
    plan.assignments, plan.protected = assignments, baselines.place_protected(problem, book)
    if plan.score() <= before:  # the per-trade scores are exact; this guards the whole pass anyway
        plan.assignments, plan.protected = old
        return 0
    return plan.score() - before


def _away_most_complex_first(problem: Problem, assignments, homes, fixed) -> list:
    """Support appointments away from a named advisor who could take them, most complex client first
    (the most valuable to bring home get the first choice of what to move)."""
    away = []
    for appt in problem.appointments:
        placed, home = assignments.get(appt.id), homes[appt.client]
        if (placed is not None and appt.id not in fixed and appt.kind == "support" and home is not None
                and placed.advisor != home and problem.advisor_by_id[home].can_do(appt.kind, appt.skill)):
            away.append(appt)
    away.sort(key=lambda a: -problem.client_by_id[a.client].complexity)
    return away


def _bring_one_home(problem, plan, book, assignments, held, kept, fixed, appt, home, homes) -> int:
    """Move `appt` to `home`, into free time or in place of one appointment there that then moves to
    its earliest place (its own named advisor first); the first trade that raises the score is made.
    Returns how many trades were tried."""
    placed = assignments[appt.id]
    here = _value(problem, plan, appt, placed.advisor, placed.start)
    worth = problem.weights.continuity * problem.client_by_id[appt.client].complexity
    lo, hi = min(w.start for w in appt.windows), max(w.end for w in appt.windows)
    in_reach = []
    for other_id in held[home]:
        there = assignments[other_id]
        if other_id in fixed or there.start >= hi or there.start + problem.appointment_by_id[other_id].duration <= lo:
            continue
        value = _worth_at(problem, problem.appointment_by_id[other_id], home, homes)
        if value < worth and _overlaps_windows(problem, appt, other_id, there):
            in_reach.append((value, other_id))
    in_reach.sort()
    tries = 0
    for other_id in [None] + [b for _, b in in_reach[:TRADE_TRIES]]:
        tries += 1
        if _try(problem, plan, book, assignments, held, kept, appt, home, here, other_id):
            break
    return tries


def _worth_at(problem: Problem, appt, advisor_id: str, homes) -> int:
    """What `appt` scores at `advisor_id` for continuity and separation: only a cheaper one is worth
    moving out of the way (the exact trade, disruption included, is scored in _try)."""
    if homes[appt.client] != advisor_id:
        return 0
    w = problem.weights
    return w.continuity * problem.client_by_id[appt.client].complexity if appt.kind == "support" else -w.separation


def _try(problem, plan, book, assignments, held, kept, appt, home, here, other_id) -> bool:
    """One trade (other_id None: a plain move into free time); made and True if it raises the score."""
    placed = assignments[appt.id]
    other = problem.appointment_by_id[other_id] if other_id is not None else None
    there = assignments[other_id] if other is not None else None
    book.remove(appt, placed.advisor, placed.start)
    if other is not None:
        book.remove(other, there.advisor, there.start)
    start = book.earliest_start(appt, home)
    moved = None
    if start is not None:
        book.place(appt, home, start)
        if other is not None:
            moved = baselines.choose_named_first(problem, book, other, problem.home_of(other.client, plan.allocations))
            if moved is not None:
                book.place(other, moved.advisor, moved.start)
    if start is not None and (other is None or moved is not None):
        touched = {placed.advisor, home} | ({moved.advisor} if moved is not None else set())
        gain = _value(problem, plan, appt, home, start) - here
        if other is not None:
            gain += (_value(problem, plan, other, moved.advisor, moved.start)
                     - _value(problem, plan, other, there.advisor, there.start))
        gain += problem.weights.protected * kept.change(touched)
        if gain > 0:
            assignments[appt.id] = Placement(home, start)
            held[placed.advisor].discard(appt.id)
            held[home].add(appt.id)
            if other is not None:
                assignments[other_id] = moved
                held[home].discard(other_id)
                held[moved.advisor].add(other_id)
            kept.commit(touched)
            return True
        if other is not None:
            book.remove(other, moved.advisor, moved.start)
    if start is not None:
        book.remove(appt, home, start)
    book.place(appt, placed.advisor, placed.start)
    if other is not None:
        book.place(other, there.advisor, there.start)
    return False


def _overlaps_windows(problem: Problem, appt, other_id: str, at: Placement) -> bool:
    """Whether moving `other_id` (at `at`) frees time inside one of `appt`'s windows."""
    end = at.start + problem.appointment_by_id[other_id].duration
    return any(w.start < end and at.start < w.end for w in appt.windows)


class _Kept:
    """Protected minutes each advisor keeps given the diary (as place_protected seats them), so a
    trade's effect on protected time is known from the advisors it touches alone."""

    def __init__(self, problem: Problem, book):
        self.problem, self.book = problem, book
        self.now = {v.id: self._measure(v.id) for v in problem.advisors if v.protected_minutes > 0}
        self._trial: dict[str, int] = {}

    def _measure(self, advisor_id: str) -> int:
        advisor = self.problem.advisor_by_id[advisor_id]
        seated = baselines.seat_advisor(self.problem, advisor, self.book.advisor_busy[advisor_id])
        return min(advisor.protected_minutes, sum(e - s for s, e in seated) * self.problem.horizon.slot_minutes)

    def change(self, advisors) -> int:
        """Minutes kept now minus before, over `advisors` (the diary as it is now)."""
        self._trial = {v: self._measure(v) for v in advisors if v in self.now}
        return sum(m - self.now[v] for v, m in self._trial.items())

    def commit(self, advisors) -> None:
        self.now.update({v: m for v, m in self._trial.items() if v in advisors})
