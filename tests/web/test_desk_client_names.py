"""Lists that people phone clients from say the client's name beside the reference: the appointments an
absence breaks and the plan review's Unassigned list (the model keeps no phone number to show)."""
from __future__ import annotations

import html

from caseload.localtime import to_local
from caseload.services.planning.boundary import save_plan, to_problem
from scheduler.baselines import named_first
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.test_desk_absences import _a_placed_item


def test_the_broken_list_names_each_client(demo_client, demo_auth):
    plan = d.publish_week()
    item = _a_placed_item(plan)
    client, day = item.request.client, to_local(item.starts_at, "Europe/London").date()
    demo_auth.login("leader")
    broken = demo_client.post(f"/rota/t/{m.team('north').id}/{d.week().isoformat()}/absences", data={
        "advisor": item.advisor_id, "start_day": day.isoformat(), "end_day": day.isoformat(),
        "reason": "sick"}).headers["Location"]
    page = html.unescape(demo_client.get(broken).get_data(as_text=True))
    row = page[page.index('<table id="broken">'):page.index("</table>")]
    assert f">{client.reference}</a> {client.name}</td>" in row


def test_the_reviews_unassigned_list_names_each_client(leader, north):
    team, week = north
    problem, maps = to_problem(team, week)
    solution = named_first(problem)
    left = solution["assignments"].pop(0)  # one appointment the draft could not place
    solution["unassigned"] = solution.get("unassigned", []) + [{"appointment": left["appointment"], "reason": "by hand"}]
    plan = save_plan(team, week, problem, solution, skipped=maps.skipped)
    item = next(i for i in plan.items if i.advisor_id is None and i.request is not None)
    page = html.unescape(leader.get(f"/rota/plans/{plan.id}").get_data(as_text=True))
    unassigned = page[page.index('<ul class="unassigned">'):]
    unassigned = unassigned[:unassigned.index("</ul>")]
    assert f"{item.request.client.reference} {item.request.client.name} · " in unassigned
