"""An advisor's pages give note and publish times in the team's zone (as the pages say), not in UTC."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start, to_local
from caseload.models import Client, ClientNote, User
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.boundary import save_plan, to_problem


def test_note_and_publish_times_are_local(demo_client, demo_auth):
    demo_auth.login("advisor1")
    user = db.session.scalar(select(User).where(User.username == "advisor1"))
    team = user.advisor.team
    team.timezone = "Asia/Tokyo"  # nine hours from UTC all year, so a UTC time cannot pass for local
    db.session.commit()
    client = db.session.scalar(select(Client).where(Client.named_advisor_id == user.advisor.id).order_by(Client.id))
    assert demo_client.post(f"/me/clients/{client.id}/notes", data={"body": "Budget agreed"}).status_code == 302
    note = db.session.scalar(select(ClientNote).where(ClientNote.client_id == client.id).order_by(ClientNote.id.desc()))
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    assert to_local(note.created_at, "Asia/Tokyo").strftime("%d %b %Y %H:%M") in page and "UTC" not in page

    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    solution = {"format": "caseload-solution/1", "status": "feasible", "assignments": [], "allocations": [],
                "unassigned": [{"appointment": p["id"], "reason": "test"} for p in problem["appointments"]],
                "protected": [], "score": 0, "bound": None, "solve_seconds": 0.1, "figures": {}}
    plan = save_plan(team, week, problem, solution, by=None, skipped=maps.skipped)
    publish_plan(plan, None, plan.version_id, expected_published=0)
    plan.published_at = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
    db.session.commit()
    page = demo_client.get(f"/me/week/{week.isoformat()}").get_data(as_text=True)
    assert "(05 Jan 18:30)" in page and "UTC" not in page
