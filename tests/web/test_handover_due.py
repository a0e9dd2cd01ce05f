"""Cover without a handover note, once a plan is published: the review's badges lead to writing the note, and
the advisor's handover page lists covered appointments still without one (to write, or awaited)."""
from __future__ import annotations

import copy

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Client, User
from caseload.services.desk.versions import publish_version
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.plans import publish_plan, published_plan
from caseload.services.planning.problem import db_id


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _publish_cover(covering: str):
    """Publish a plan where `covering` sees one support appointment of another advisor's client, at 12:00."""
    advisor = _user(covering).advisor
    team = advisor.team
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    named = {c["id"]: c["named_advisor"] for c in problem["clients"]}
    me = f"a{advisor.id}"
    other = next(p for p in problem["appointments"] if named[p["client"]] not in (me, None) and p["kind"] == "support")
    placed = [{"appointment": other["id"], "advisor": me, "start": other["windows"][0]["start"][:11] + "12:00"}]
    solution = {"format": "caseload-solution/1", "status": "feasible", "assignments": placed,
                "unassigned": [{"appointment": p["id"], "reason": "test"} for p in problem["appointments"]
                               if p["id"] != other["id"]],
                "allocations": [], "protected": [], "score": 1, "bound": 1,
                "figures": {"fill": 0.05, "continuity": 0.0, "separation": 1.0, "protected": 0.0, "gap": 0.0}}
    plan = save_plan(team, week, problem, solution, by=team.leader, skipped=maps.skipped)
    publish_plan(plan, team.leader, plan.version_id, expected_published=0)
    client = db.session.get(Client, db_id(other["client"]))
    item = next(i for i in plan.items if i.advisor_id == advisor.id)
    return plan, client, item


def _named_username(client):
    return client.named_advisor.user.username


def test_published_plan_badges_lead_to_writing_the_note(demo_client, demo_auth):
    plan, client, item = _publish_cover("advisor1")
    demo_auth.login("leader")
    day = item.starts_at.date().isoformat()
    page = demo_client.get(f"/rota/plans/{plan.id}?day={day}").get_data(as_text=True)
    write = f"/rota/plans/{plan.id}/items/{item.id}/handover"
    assert f'<a class="badge badge-no_handover" href="{write}">' in page  # the grid's badge is the link
    assert 'id="no-handover"' in page and "write a handover note" in page  # and the list of them
    assert "flag=no_handover" in page  # the week overview's count leads to the day's appointments without one
    response = demo_client.post(write, data={"body": "Prefers mornings; debt plan agreed"})
    assert response.status_code == 302
    page = demo_client.get(f"/rota/plans/{plan.id}?day={day}").get_data(as_text=True)
    assert write not in page and 'id="no-handover"' not in page


def test_advisors_see_covered_appointments_without_a_note(demo_client, demo_auth):
    plan, client, item = _publish_cover("advisor1")
    cover = _user("advisor1").advisor
    named = _named_username(client)
    demo_auth.login(named)
    page = demo_client.get("/me/handovers").get_data(as_text=True)
    assert "Notes to write (1)" in page and f"write a handover note for {cover.name}" in page
    assert f"/me/clients/{client.id}?to={cover.id}#handover" in page
    form = demo_client.get(f"/me/clients/{client.id}?to={cover.id}").get_data(as_text=True)
    assert f'<option selected value="{cover.id}">' in form or f'value="{cover.id}" selected' in form
    demo_auth.logout()
    demo_auth.login("advisor1")
    page = demo_client.get("/me/handovers").get_data(as_text=True)
    assert "Covering with no note yet (1)" in page and client.reference in page
    demo_auth.logout()

    demo_auth.login(named)  # the named advisor writes it from the client's page: it counts everywhere
    assert demo_client.post(f"/me/clients/{client.id}/handover",
                            data={"to": cover.id, "body": "Bring the payslips"}).status_code == 302
    page = demo_client.get("/me/handovers").get_data(as_text=True)
    assert "Notes to write (0)" in page and "Bring the payslips" in page
    demo_auth.logout()
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/plans/{plan.id}?day={item.starts_at.date().isoformat()}").get_data(as_text=True)
    assert "badge-no_handover" not in page


def test_a_note_stands_when_the_desk_makes_a_new_version(demo_client, demo_auth):
    plan, client, item = _publish_cover("advisor1")
    demo_auth.login("leader")
    demo_client.post(f"/rota/plans/{plan.id}/items/{item.id}/handover", data={"body": "Prefers mornings"})
    newer = publish_version(plan, plan.team.leader, copy.deepcopy(plan.problem), copy.deepcopy(plan.solution))
    db.session.commit()
    assert published_plan(plan.team, plan.week_start).id == newer.id != plan.id
    page = demo_client.get(f"/rota/plans/{newer.id}?day={item.starts_at.date().isoformat()}").get_data(as_text=True)
    assert "covering for" in page and "badge-no_handover" not in page
