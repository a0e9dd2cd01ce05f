"""The best allocations of new clients for a plan's placements, exactly, as a min-cost flow.

The neighbourhood search (scheduler.lns) keeps allocations fixed inside a part, so a new client
allocated by the start plan to one advisor but booked with another loses its continuity for good,
and the parts aim its appointments at an advisor chosen before any placement. On the UHHC days
(one appointment a client, every advisor's spare caseload nearly used up by new clients) that left
8,500 points of continuity on i-322. With the placements fixed, choosing the allocations is a
transportation problem: each new client to at most one qualified advisor (rule 6: support role,
the client's need), at most `max_caseload - caseload` new clients an advisor, gaining
continuity x complexity for each of its support appointments booked with that advisor and losing
separation for each of its policing ones. Ties keep the current allocation, so a plan that is
already best does not change.
"""
from __future__ import annotations

from collections import defaultdict

from ortools.graph.python import min_cost_flow

from scheduler.model import Placement, Problem


def best_allocations(problem: Problem, assignments: dict[str, Placement],
                     allocations: dict[str, str], aspire: bool = False) -> dict[str, str]:
    """Allocations (new client id -> advisor id) scoring the most with `assignments` (appointment
    id -> Placement) fixed; never scores less than `allocations`, and keeps it where that is as good.
    Clients with no qualified advisor with spare caseload stay unallocated. aspire: a client that
    would gain nothing anywhere still gets a qualified advisor with caseload to spare (same score),
    so the search has a home to aim its appointments at."""
    w = problem.weights
    new = [c for c in problem.clients if c.named_advisor is None and c.need is not None]
    if not new:
        return dict(allocations)
    gain: dict[str, dict[str, int]] = {c.id: defaultdict(int) for c in new}
    for appt in problem.appointments:
        placed = assignments.get(appt.id)
        if placed is None or appt.client not in gain:
            continue
        complexity = problem.client_by_id[appt.client].complexity
        gain[appt.client][placed.advisor] += w.continuity * complexity if appt.kind == "support" else -w.separation
    advisors = [a for a in problem.advisors if "support" in a.roles]
    index = {a.id: i for i, a in enumerate(advisors)}
    spare = {a.id: a.spare_caseload() for a in advisors}  # as a capacity, anything >= len(new) is unlimited
    # Costs: gain first, then keeping the current allocation, then an allocation that gains nothing
    # (scaled so that no number of ties outweighs one point of score).
    scale = 2 * len(new) + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    first_client, first_advisor = 2, 2 + len(new)
    for i, client in enumerate(new):
        node = first_client + i
        flow.add_arc_with_capacity_and_unit_cost(source, node, 1, 0)
        flow.add_arc_with_capacity_and_unit_cost(node, sink, 1, 0)  # left unallocated
        for advisor in advisors:
            if not advisor.can_do("support", client.need) or spare[advisor.id] <= 0:
                continue
            value = gain[client.id].get(advisor.id, 0)
            kept = allocations.get(client.id) == advisor.id
            if value < 0 or (value == 0 and not kept and not aspire):
                continue
            flow.add_arc_with_capacity_and_unit_cost(node, first_advisor + index[advisor.id], 1,
                                                     -(value * scale + (2 if kept else 1 if value == 0 else 0)))
    for advisor in advisors:
        if spare[advisor.id] > 0:
            flow.add_arc_with_capacity_and_unit_cost(first_advisor + index[advisor.id], sink, spare[advisor.id], 0)
    flow.set_node_supply(source, len(new))
    flow.set_node_supply(sink, -len(new))
    if flow.solve() != flow.OPTIMAL:
        return dict(allocations)
    new_ids = {c.id for c in new}
    out = {c: v for c, v in allocations.items() if c not in new_ids}
    for arc in range(flow.num_arcs()):
        tail, head = flow.tail(arc), flow.head(arc)
        if flow.flow(arc) and first_client <= tail < first_advisor and head >= first_advisor:
            out[new[tail - first_client].id] = advisors[head - first_advisor].id
    return out
