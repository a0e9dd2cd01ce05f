"""What publishing a draft will do, shown to the team leader before they confirm.

Source: the draft's solution document (allocations), its items, the handover notes written for it,
and the week's published plan (if any) to compare against.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from caseload.extensions import db
from caseload.models import Advisor, Client, Plan
from caseload.services.planning.plans import PlanDiff, dropped_by, plan_diff
from caseload.services.planning.problem import db_id
from caseload.services.planning.team_grid import handover_item_ids


@dataclass
class PublishSummary:
    """`allocations`: (client, advisor) pairs that publishing makes the client's named advisor;
    `uncovered`: placed items covering for another named advisor with no handover note;
    `unassigned`: items left unplaced; `diff`: changes from the published plan (None when none is published);
    `dropped`: bookings made since the draft was planned ("N0092 Mon 07 Dec 10:00"), which the draft does not
    hold: publishing it is refused (it would cancel them) until the week is planned again."""

    allocations: list = field(default_factory=list)
    uncovered: list = field(default_factory=list)
    unassigned: int = 0
    placed: int = 0
    diff: PlanDiff | None = None
    dropped: list[str] = field(default_factory=list)


def publish_summary(plan: Plan, published: Plan | None) -> PublishSummary:
    summary = PublishSummary()
    for allocation in (plan.solution or {}).get("allocations", []):
        client = db.session.get(Client, db_id(allocation["client"]))
        advisor = db.session.get(Advisor, db_id(allocation["advisor"]))
        if client is not None and advisor is not None and client.named_advisor_id is None:  # as publish_plan applies them
            summary.allocations.append((client, advisor))
    noted = handover_item_ids(plan)
    for item in plan.items:
        if item.advisor_id is None:
            summary.unassigned += 1
            continue
        summary.placed += 1
        named = item.request.client.named_advisor_id if item.request is not None else None
        if named is not None and named != item.advisor_id and item.id not in noted and item.request.kind == "support":
            summary.uncovered.append(item)
    if published is not None and published is not plan:
        summary.diff = plan_diff(plan, published)
    summary.dropped = dropped_by(plan, published if published is not plan else None)
    return summary
