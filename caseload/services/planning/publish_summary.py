"""What publishing a draft will do, shown to the team leader before they confirm.

Source: the draft's solution document (allocations), its items, the handover notes written for it,
and the week's published plan (if any) to compare against.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from caseload.extensions import db
from caseload.localtime import end_after, to_local
from caseload.models import Advisor, Client, Plan
from caseload.services.planning.plans import PlanDiff, dropped_by, plan_diff
from caseload.services.planning.problem import db_id
from caseload.services.planning.team_grid import handover_item_ids
from caseload.services.planning.handovers import Span, broken_spans, needs_note_ids


@dataclass
class PromiseChanged:
    """A time a client was given (a desk booking, or the published plan) that the draft moves or leaves out:
    the client must be told. Times aware UTC; `new_start` None when the draft does not place it. `broken`: why the
    old time could not hold ("broken by Femi Ade's absence (sick) on Thu", "broken: the office is closed on Thu
    (Bank holiday)"), or None when nothing broke it and the planner moved it to make room for others."""

    client: Client
    kind: str  # the appointment type's name
    old_start: datetime
    old_advisor: Advisor | None
    new_start: datetime | None
    new_advisor: Advisor | None
    broken: str | None = None

    @property
    def why(self) -> str:
        """The reason as the list says it."""
        return self.broken or ("moved to make room" if self.new_start else "left out to make room")


def _broken_words(why: str, change: PromiseChanged, tz: str) -> str:
    """handovers.broken_spans' reason ("absent: sick", "office closed: Bank holiday") in the list's words."""
    day = to_local(change.old_start, tz).strftime("%a")
    kind, _, reason = why.partition(": ")
    if kind == "absent":
        name = change.old_advisor.name if change.old_advisor is not None else "the advisor"
        return f"broken by {name}'s absence ({reason}) on {day}"
    return f"broken: the office is closed on {day} ({reason})"


def promised_changes(plan: Plan, published: Plan | None) -> list[PromiseChanged]:
    """The times given to clients that `plan` changes: desk bookings (pinned requests) it places elsewhere or not
    at all, and appointments of the published plan it moves or drops. Those an absence of their advisor or an
    office closure broke come first (`broken` says which), then those moved to make room (nothing broke them: the
    planner chose to move them, e.g. for continuity), each by old time."""
    before = {i.request_id: i for i in (published.items if published is not None and published is not plan else [])
              if i.advisor_id is not None and i.starts_at is not None}
    out, spans = [], []
    for item in plan.items:
        request = item.request
        if request is None or request.cancelled_at is not None:
            continue
        old = before.get(item.request_id)
        if old is not None:
            was = (old.starts_at, old.advisor, old.ends_at)
        elif request.booked_at is not None and request.pinned_start is not None:
            was = (request.pinned_start, request.pinned_advisor, end_after(request.pinned_start,
                                                                          request.duration_minutes))
        else:
            continue
        if item.advisor_id is not None and (item.starts_at, item.advisor_id) == (was[0], getattr(was[1], "id", None)):
            continue
        out.append(PromiseChanged(request.client, request.type.name, was[0], was[1],
                                  item.starts_at if item.advisor_id is not None else None, item.advisor))
        if was[1] is not None and was[2] is not None:
            spans.append(Span(len(out) - 1, was[1].id, was[0], was[2], plan.team_id, plan.team.timezone))
    for index, why in broken_spans(spans).items():
        out[index].broken = _broken_words(why, out[index], plan.team.timezone)
    return sorted(out, key=lambda c: (c.broken is None, c.old_start))


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
    promised: list = field(default_factory=list)  # PromiseChanged: times clients were given that this draft changes


def publish_summary(plan: Plan, published: Plan | None) -> PublishSummary:
    summary = PublishSummary()
    for allocation in (plan.solution or {}).get("allocations", []):
        client = db.session.get(Client, db_id(allocation["client"]))
        advisor = db.session.get(Advisor, db_id(allocation["advisor"]))
        if client is not None and advisor is not None and client.named_advisor_id is None:  # as publish_plan applies them
            summary.allocations.append((client, advisor))
    noted = handover_item_ids(plan)
    needing = needs_note_ids(list(plan.items))  # cover (not policing) not broken by an absence or a closure
    for item in plan.items:
        if item.advisor_id is None:
            summary.unassigned += 1
            continue
        summary.placed += 1
        if item.id in needing and item.id not in noted:
            summary.uncovered.append(item)
    if published is not None and published is not plan:
        summary.diff = plan_diff(plan, published)
    summary.dropped = dropped_by(plan, published if published is not plan else None)
    summary.promised = promised_changes(plan, published)
    return summary
