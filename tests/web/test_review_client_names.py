"""The plan review's changes name each client as the rest of the review does: "name (reference)", not the
reference alone (a leader reading "Newly unassigned" had to look each reference up)."""
from __future__ import annotations

from caseload.services.planning.boundary import save_plan
from tests.web.test_policing_not_cover import _publish, _solution


def _list(page: str, css_class: str) -> str:
    part = page[page.index(f'<ul class="{css_class}">'):]
    return part[:part.index("</ul>")]


def test_newly_unassigned_and_moved_show_the_clients_name_beside_the_reference(demo_client, demo_auth):
    plan, client, item = _publish("advisor1", "support")
    problem = plan.problem
    dropped = save_plan(plan.team, plan.week_start, problem, _solution(problem, []), by=plan.team.leader)
    moved = dict(plan.solution["assignments"][0])
    moved["start"] = moved["start"][:11] + "14:00"
    later = save_plan(plan.team, plan.week_start, problem, _solution(problem, [moved]), by=plan.team.leader)
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/plans/{dropped.id}").get_data(as_text=True)
    assert f"{client.name} ({client.reference}) {item.request.type.name} (was " in _list(page, "newly-unassigned")
    page = demo_client.get(f"/rota/plans/{later.id}").get_data(as_text=True)
    assert f"{client.name} ({client.reference}) {item.request.type.name}:" in _list(page, "moved")
