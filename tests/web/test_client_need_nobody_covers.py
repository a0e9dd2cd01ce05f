"""A client whose need nobody in the team covers (walkthrough: "Mental health", a skill no advisor had) was accepted
silently, and their appointments came back unassigned after planning. The save still goes through (the skill may
be given next) but says so at once, naming the skill and what to do."""
from __future__ import annotations

import html

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Client, Skill
from tests.web import access_matrix as m


def _add_client(client, team, reference, need_id):
    return client.post(f"/rota/t/{team.id}/clients/new", data={
        "reference": reference, "name": "Sam Okafor", "named_advisor": 0, "need": need_id, "complexity": 1},
        follow_redirects=True)


def test_adding_a_client_whose_need_nobody_has_warns_and_saves(demo_client, demo_auth):
    north = m.team("north")
    demo_auth.login("admin")
    assert demo_client.post("/admin/skills", data={"name": "Mental health"}).status_code == 302
    skill = db.session.scalar(select(Skill).where(Skill.name == "Mental health"))
    demo_auth.logout()
    demo_auth.login("leader")
    page = html.unescape(_add_client(demo_client, north, "MH-1", skill.id).get_data(as_text=True))
    assert db.session.scalar(select(Client).where(Client.reference == "MH-1")) is not None  # saved, not refused
    assert ("Warning: Nobody in team north has the Mental health skill MH-1 needs" in page
            and "give an advisor the Mental health skill" in page)

    # A need someone in the team has: no warning.
    covered = next(s for a in north.advisors if a.active for s in a.skills)
    page = html.unescape(_add_client(demo_client, north, "MH-2", covered.id).get_data(as_text=True))
    assert db.session.scalar(select(Client).where(Client.reference == "MH-2")) is not None
    assert "Nobody in team north has" not in page
