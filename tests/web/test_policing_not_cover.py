"""Policing is kept apart from support: a compliance review with someone other than the named advisor is the
separation the plan aims for, not cover (handovers.is_cover), on every page that speaks of cover; and an
appointment broken by its advisor's absence is to be rebooked, not handed over."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Absence, Client, ClientNote, HandoverNote, User
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.publish_summary import publish_summary
from caseload.services.planning.problem import db_id


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _solution(problem, placed):
    ids = {p["appointment"] for p in placed}
    return {"format": "caseload-solution/1", "status": "feasible", "assignments": placed,
            "unassigned": [{"appointment": p["id"], "reason": "test"} for p in problem["appointments"]
                           if p["id"] not in ids],
            "allocations": [], "protected": [], "score": 1, "bound": 1,
            "figures": {"fill": 0.05, "continuity": 0.0, "separation": 1.0, "protected": 0.0, "gap": 0.0}}


def _other_advisor_appointment(username: str, kind: str):
    """(advisor, team, week, problem, maps, appointment): one `kind` appointment of a client whose named advisor
    is not `username`'s advisor."""
    advisor = _user(username).advisor
    team = advisor.team
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    named = {c["id"]: c["named_advisor"] for c in problem["clients"]}
    me = f"a{advisor.id}"
    other = next(p for p in problem["appointments"] if named[p["client"]] not in (me, None) and p["kind"] == kind)
    return advisor, team, week, problem, maps, other


def _publish(username: str, kind: str, hour: str = "12:00"):
    """Publish a plan where `username` has one `kind` appointment of another advisor's client at `hour`."""
    advisor, team, week, problem, maps, other = _other_advisor_appointment(username, kind)
    placed = [{"appointment": other["id"], "advisor": f"a{advisor.id}", "start": other["windows"][0]["start"][:11] + hour}]
    plan = save_plan(team, week, problem, _solution(problem, placed), by=team.leader, skipped=maps.skipped)
    publish_plan(plan, team.leader, plan.version_id, expected_published=0)
    client = db.session.get(Client, db_id(other["client"]))
    item = next(i for i in plan.items if i.advisor_id == advisor.id)
    return plan, client, item


def test_a_compliance_review_with_another_advisor_is_not_cover(demo_client, demo_auth):
    plan, client, item = _publish("advisor1", "policing")
    reviewer = _user("advisor1").advisor
    db.session.add(ClientNote(client_id=client.id, author_id=client.named_advisor.user.id,
                              body="Talked about the rent arrears in confidence"))
    db.session.commit()
    demo_auth.login("advisor1")
    caseload = demo_client.get("/me/caseload").get_data(as_text=True)
    assert client.reference not in caseload  # not among "Clients you cover for others"
    page = demo_client.get(f"/me/clients/{client.id}")
    assert page.status_code == 200  # the reviewer may open the client's page for the review itself...
    text = page.get_data(as_text=True)
    assert "rent arrears in confidence" not in text and "kept apart from policing" in text  # ...not support notes
    week = demo_client.get(f"/me/week/{plan.week_start.isoformat()}").get_data(as_text=True)
    assert client.reference in week and "rent arrears in confidence" not in week  # nor on My week's review
    assert "kept apart from compliance reviews" in week
    refused = demo_client.post(f"/me/clients/{client.id}/notes", data={"body": "Sanction considered"})
    assert refused.status_code == 400
    assert demo_client.post(f"/me/clients/{client.id}/handover",
                            data={"to": client.named_advisor_id, "body": "x"}).status_code == 400
    demo_auth.logout()
    demo_auth.login(client.named_advisor.user.username)
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    handover = page.split('id="handover"')[1].split("</section>")[0]  # other forms' options may share the value
    assert f'value="{reviewer.id}"' not in handover  # the named advisor is not offered to hand over to the reviewer
    assert "Notes to write (0)" in demo_client.get("/me/handovers").get_data(as_text=True)


def test_the_moved_list_does_not_call_a_moved_compliance_review_cover(demo_client, demo_auth):
    plan, client, item = _publish("advisor1", "policing")
    reviewer = _user("advisor1").advisor
    mover = next(a for a in reviewer.team.advisors if a.id not in (reviewer.id, client.named_advisor_id))
    problem = plan.problem
    solution = dict(plan.solution)
    solution["assignments"] = [dict(a, advisor=f"a{mover.id}", start=a["start"][:11] + "13:00")
                               for a in plan.solution["assignments"]]
    draft = save_plan(plan.team, plan.week_start, problem, solution, by=plan.team.leader)
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/plans/{draft.id}").get_data(as_text=True)
    moved = page[page.index('<ul class="moved">'):]
    moved = moved[:moved.index("</ul>")]
    assert client.reference in moved and mover.name in moved
    assert "covering for" not in moved and "handover note" not in moved
    write = f"/rota/plans/{draft.id}/items/{next(i.id for i in draft.items if i.advisor_id)}/handover"
    assert demo_client.get(write).status_code == 404  # nor can a note to the reviewer be written by its address
    assert demo_client.post(write, data={"body": "Rent arrears discussed"}).status_code == 404


def test_a_cover_broken_by_an_absence_asks_for_a_rebook_not_a_note(demo_client, demo_auth):
    plan, client, item = _publish("advisor1", "support")
    cover = _user("advisor1").advisor
    db.session.add(Absence(advisor_id=cover.id, starts_at=item.starts_at - timedelta(hours=3),
                           ends_at=item.ends_at + timedelta(hours=5), reason="sick"))
    db.session.commit()
    demo_auth.login(client.named_advisor.user.username)
    page = demo_client.get("/me/handovers").get_data(as_text=True)
    assert "Notes to write (0)" in page
    demo_auth.logout()
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/plans/{plan.id}?day={item.starts_at.date().isoformat()}").get_data(as_text=True)
    assert "badge-no_handover" not in page and 'id="no-handover"' not in page and "badge-covering" not in page
    broken = f"/desk/teams/{plan.team_id}/{plan.week_start.isoformat()}/broken"
    assert f'class="badge badge-broken" href="{broken}"' in page
    assert publish_summary(plan, plan).uncovered == []  # nor counted as cover without a note when publishing


def test_moving_a_compliance_review_to_another_advisor_asks_for_no_handover_note(demo_client, demo_auth):
    plan, client, item = _publish("advisor1", "policing")
    reviewer = _user("advisor1").advisor
    draft = save_plan(plan.team, plan.week_start, plan.problem, dict(plan.solution), by=plan.team.leader)
    moving = next(i for i in draft.items if i.request_id == item.request_id)
    day = item.starts_at.date().isoformat()
    demo_auth.login("leader")
    others = [a for a in reviewer.team.advisors if a.does_policing and a.id not in (reviewer.id, client.named_advisor_id)]
    for other in others:
        response = demo_client.post(f"/rota/plans/{draft.id}/move", data={
            "item": moving.id, "advisor": other.id, "day": day, "time": "14:00", "version": draft.version_id})
        if response.status_code == 302:
            break
        db.session.expire_all()
        draft = db.session.get(type(draft), draft.id)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    assert "/handover" not in response.headers["Location"]  # policing with someone else is no cover


def test_an_old_handover_note_to_a_reviewer_opens_no_support_notes(demo_client, demo_auth):
    plan, client, item = _publish("advisor1", "policing")
    reviewer = _user("advisor1").advisor
    named = client.named_advisor
    # Written before policing was kept apart: a note to the reviewer, from the client's page (no appointment).
    db.session.add(HandoverNote(client_id=client.id, from_advisor_id=named.id, to_advisor_id=reviewer.id,
                                author_id=named.user.id, body="Handing over the rent arrears story"))
    db.session.add(ClientNote(client_id=client.id, author_id=named.user.id, body="Talked about the rent arrears in confidence"))
    db.session.commit()
    demo_auth.login("advisor1")
    assert client.reference not in demo_client.get("/me/caseload").get_data(as_text=True)
    text = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    assert "rent arrears in confidence" not in text and "kept apart from policing" in text
    assert demo_client.post(f"/me/clients/{client.id}/notes", data={"body": "Sanction considered"}).status_code == 400
    assert "rent arrears story" not in demo_client.get("/me/handovers").get_data(as_text=True)  # nor on the list


def test_a_cover_broken_by_an_absence_opens_no_support_notes(demo_client, demo_auth):
    plan, client, item = _publish("advisor1", "support")
    cover = _user("advisor1").advisor
    db.session.add(ClientNote(client_id=client.id, author_id=client.named_advisor.user.id,
                              body="Talked about the rent arrears in confidence"))
    db.session.commit()
    demo_auth.login("advisor1")
    assert "rent arrears in confidence" in demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    db.session.add(Absence(advisor_id=cover.id, starts_at=item.starts_at - timedelta(hours=3),
                           ends_at=item.ends_at + timedelta(hours=5), reason="sick"))
    db.session.commit()
    assert client.reference not in demo_client.get("/me/caseload").get_data(as_text=True)
    page = demo_client.get(f"/me/clients/{client.id}")
    assert "rent arrears in confidence" not in page.get_data(as_text=True)
    week = demo_client.get(f"/me/week/{plan.week_start.isoformat()}").get_data(as_text=True)
    assert "rent arrears in confidence" not in week
    assert demo_client.post(f"/me/clients/{client.id}/notes", data={"body": "Called"}).status_code in (400, 403, 404)
