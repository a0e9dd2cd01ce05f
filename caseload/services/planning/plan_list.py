"""The week page's list of plans: one line per plan a planning run made, with the desk's changes grouped under it.

Every desk booking (or cancellation) in a published week makes a new published version (services/desk/versions),
so a busy week listed every version as if it were a plan. A line here is a plan a run made (a draft, or one a
leader published) with the desk versions built on it, newest first: the line opens the newest of them (the one
in force), and the older versions are kept for looking back.

A desk version is a published (or since superseded) plan the desk made (Plan.made_by "desk", set by
services/desk/versions); a planning run's draft is made by the planner (planning.boundary.draft_plan).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import Plan, PlanItem, Team
from caseload.models.rota import MADE_BY_DESK
from caseload.services.planning.plans import week_plans


@dataclass
class PlanLine:
    """`base`: the plan a run made; `desk`: desk versions on top of it, newest first; `head`: the newest of the
    line (what it opens); `placed`/`total`: the head's appointments placed, of all; `continuity`: the head's
    share of support appointments with the named advisor (0-1, None when not known)."""

    base: Plan
    desk: list[Plan] = field(default_factory=list)
    placed: int = 0
    total: int = 0
    continuity: float | None = None

    @property
    def head(self) -> Plan:
        return self.desk[0] if self.desk else self.base

    @property
    def earlier(self) -> list[Plan]:
        """The line's older versions, newest first (the desk's before the head, then the base)."""
        return self.desk[1:] + [self.base] if self.desk else []


def desk_version_ids(plans: list[Plan]) -> set[int]:
    """Ids of the `plans` the booking desk made (Plan.made_by "desk": published directly, never drafted by a
    planning run)."""
    return {p.id for p in plans if p.made_by == MADE_BY_DESK}


def plan_lines(team: Team, week_start: date) -> list[PlanLine]:
    """The week's plans as lines, newest first (by the newest version in each line)."""
    plans = week_plans(team, week_start)
    by_id = {p.id: p for p in plans}
    desk = desk_version_ids(plans)
    lines = {p.id: PlanLine(p) for p in plans if p.id not in desk}
    for plan in plans:  # newest first, so each line's desk versions come newest first
        if plan.id not in desk:
            continue
        base = plan
        while base.id in desk and base.based_on_id in by_id:
            base = by_id[base.based_on_id]
        if base.id in desk:  # the run's plan is gone (deleted): the version stands on its own line
            lines[plan.id] = PlanLine(plan)
        else:
            lines[base.id].desk.append(plan)
    counts = dict(((pid, (total, placed)) for pid, total, placed in db.session.execute(
        select(PlanItem.plan_id, func.count(PlanItem.id), func.count(PlanItem.advisor_id))
        .where(PlanItem.plan_id.in_([line.head.id for line in lines.values()])).group_by(PlanItem.plan_id))))
    for line in lines.values():
        line.total, line.placed = counts.get(line.head.id, (0, 0))
        line.continuity = (line.head.figures or {}).get("continuity")
    return sorted(lines.values(), key=lambda line: line.head.id, reverse=True)
