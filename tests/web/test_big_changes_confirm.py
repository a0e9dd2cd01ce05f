"""Big changes ask first, in the page (walkthrough D): "Save weights" (every team's planning) and "Plan every
team's week" (a new draft for every team) ran at the first press. The first press now shows the question with
what it changes, keeping what was typed, and saves or queues nothing; only the question's own button does. No
script is needed (a server step, not a browser dialog). The plan lists say who made each draft and when, so a
region run's draft beside a leader's own is told apart."""
from __future__ import annotations

import html

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AuditEvent, SolveJob, WeightProfile
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.region import runs as region
from scheduler.baselines import named_first
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _weights() -> dict:
    db.session.expire_all()
    return db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True))).as_weights()


def test_save_weights_asks_first_and_saves_only_when_confirmed(demo_client, demo_auth):
    demo_auth.login("admin")
    before = _weights()
    page = _text(demo_client.get("/admin/weights"))
    assert "Save weights…" in page and "Save weights for every team" not in page
    posted = {**before, "continuity": before["continuity"] + 150, "version": "1"}
    asked = demo_client.post("/admin/weights", data=posted)
    text = _text(asked)
    assert asked.status_code == 200 and "Save these weights for every team?" in text
    assert f"Same advisor (continuity) {before['continuity']} → {before['continuity'] + 150}" in text
    assert f'value="{before["continuity"] + 150}"' in text  # what was typed is kept for the confirmation
    assert _weights() == before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "weights_changed")) is None
    done = demo_client.post("/admin/weights", data={**posted, "confirm": "every-team"})
    assert done.status_code == 302 and _weights()["continuity"] == before["continuity"] + 150


def test_plan_every_teams_week_asks_first_and_queues_only_when_confirmed(demo_client, demo_auth):
    demo_auth.login("admin")
    week = d.week()
    asked = demo_client.post("/admin/region/plan", data={"week": week.isoformat(), "time_limit": 1})
    text = _text(asked)
    assert asked.status_code == 200 and "Plan every team's week of" in text and "2 teams" in text
    assert "who made which" in text
    assert db.session.scalar(select(func.count(SolveJob.id))) == 0
    done = demo_client.post("/admin/region/plan", data={"week": week.isoformat(), "time_limit": 1,
                                                        "confirm": "every-team"})
    assert done.status_code == 302
    assert db.session.scalar(select(func.count(SolveJob.id))) == 2


def test_the_question_does_not_refresh_itself_away_while_runs_are_active(demo_client, demo_auth):
    week = d.week()
    db.session.add(SolveJob(team=m.team("north"), week_start=week, status="queued", time_limit=60))
    db.session.commit()
    demo_auth.login("admin")
    watching = _text(demo_client.get(f"/admin/region?week={week.isoformat()}"))
    assert "region.js" in watching and 'http-equiv="refresh"' not in watching  # it polls, it does not reload
    asked = _text(demo_client.post("/admin/region/plan", data={"week": week.isoformat(), "time_limit": 1}))
    # A refresh would reload /admin/region/plan as a GET (405) and lose the question.
    assert "Plan every team's week of" in asked and 'http-equiv="refresh"' not in asked


def test_the_plan_lists_say_who_made_each_draft(demo_client, demo_auth):
    north, week = m.team("north"), d.week()
    problem, maps = to_problem(north, week)
    own = save_plan(north, week, problem, named_first(problem), by=m.user("leader"), skipped=maps.skipped)
    region.start_region(week, m.user("admin"), time_limit=1)  # the demo queue runs it at once
    demo_auth.login("leader")
    page = _text(demo_client.get(f"/rota/t/{north.id}/{week.isoformat()}/"))
    leader, admin = m.user("leader").display_name, m.user("admin").display_name
    assert f"made by {leader} (you) on" in page and f"made by {admin} on" in page
    review = _text(demo_client.get(f"/rota/plans/{own.id}"))
    assert f"made by {leader} (you) on" in review
