"""Turning off the calendar feed, removing protected time and revoking someone's API token ask first, in the
page: they asked through a script-only browser dialog (data-confirm), which does nothing without script and is
a poor accessible pattern. The first press shows the question and changes nothing; only the question's own
button acts; its "Keep" link leaves."""
from __future__ import annotations

import html

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import User


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def test_turning_off_the_calendar_feed_asks_first(demo_client, demo_auth):
    demo_auth.login("advisor1")
    demo_client.post("/me/calendar/renew")
    token = _user("advisor1").calendar_token
    page = _text(demo_client.get("/me/calendar"))
    assert "data-confirm" not in page and "Turn off…" in page
    asked = demo_client.post("/me/calendar/revoke")
    text = _text(asked)
    assert asked.status_code == 200 and "Turn off your calendar feed?" in text
    assert 'name="confirm" value="yes"' in text and "Keep it on" in text
    assert _user("advisor1").calendar_token == token  # the first press turns nothing off
    assert demo_client.get(f"/me/calendar/{token}.ics").status_code == 200
    done = demo_client.post("/me/calendar/revoke", data={"confirm": "yes"})
    assert done.status_code == 302 and _user("advisor1").calendar_token is None
    assert demo_client.get(f"/me/calendar/{token}.ics").status_code == 404


def test_removing_protected_time_asks_first_naming_the_entry(demo_client, demo_auth):
    demo_auth.login("advisor1")
    for day in ("mon", "tue"):
        assert demo_client.post("/me/time/weekly", data={"day": day, "start": "14:00", "end": "16:00"}).status_code == 302
    page = _text(demo_client.get("/me/time"))
    assert "data-confirm" not in page and "confirm.js" not in page
    asked = demo_client.post("/me/time/remove", data={"entry": "tue 14:00-16:00"})
    text = _text(asked)
    assert asked.status_code == 200 and "Remove every tue 14:00–16:00?" in text
    assert text.count('name="confirm"') == 1 and "Keep it" in text
    assert len(_user("advisor1").advisor.protected_preferences) == 2  # nothing removed yet
    done = demo_client.post("/me/time/remove", data={"entry": "tue 14:00-16:00", "confirm": "yes"})
    assert done.status_code == 302
    assert _user("advisor1").advisor.protected_preferences == [{"day": "mon", "start": "14:00", "end": "16:00"}]


def test_revoking_someones_api_token_asks_first(demo_client, demo_auth):
    demo_auth.login("leader")
    issued = demo_client.post("/account/api-token")
    assert issued.status_code == 200
    demo_auth.logout()
    demo_auth.login("admin")
    leader = _user("leader")
    page = _text(demo_client.get("/admin/users"))
    assert "data-confirm" not in page and "confirm.js" not in page
    asked = demo_client.post(f"/admin/users/{leader.id}/api-token/revoke")
    text = _text(asked)
    assert asked.status_code == 200 and "Revoke leader's API token?" in text
    assert 'name="confirm" value="revoke"' in text
    assert _user("leader").api_token_hash is not None  # the first press revokes nothing
    done = demo_client.post(f"/admin/users/{leader.id}/api-token/revoke", data={"confirm": "revoke"})
    assert done.status_code == 302 and _user("leader").api_token_hash is None


def test_removing_an_appointment_request_asks_first(leader, north):
    from caseload.models import AppointmentRequest
    from caseload.services.planning.problem import week_requests

    team, week = north
    item = week_requests(team, week)[0]
    page = _text(leader.get(f"/rota/t/{team.id}/{week.isoformat()}/requests"))
    assert "data-confirm" not in page and "confirm.js" not in page
    asked = leader.post(f"/rota/t/{team.id}/requests/{item.id}/delete")
    text = _text(asked)
    assert asked.status_code == 200 and f"Remove the {item.type.name} request of {item.client.reference}" in text
    assert 'name="confirm" value="remove"' in text
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, item.id) is not None  # the first press removes nothing
    done = leader.post(f"/rota/t/{team.id}/requests/{item.id}/delete", data={"confirm": "remove"})
    db.session.expire_all()
    assert done.status_code == 302 and db.session.get(AppointmentRequest, item.id) is None


def test_planning_the_week_again_from_the_review_asks_first(leader, north):
    from sqlalchemy import func

    from caseload.models import SolveJob
    from caseload.services.planning.boundary import save_plan, to_problem
    from scheduler.baselines import named_first

    team, week = north
    problem, maps = to_problem(team, week)
    draft = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    page = _text(leader.get(f"/rota/plans/{draft.id}"))
    assert "data-confirm" not in page and "Re-plan keeping pins…" in page
    jobs = db.session.scalar(select(func.count(SolveJob.id)))
    asked = leader.post(f"/rota/plans/{draft.id}/resolve")
    text = _text(asked)
    assert asked.status_code == 200 and "Plan the week again, keeping pinned appointments?" in text
    assert 'name="confirm" value="yes"' in text and "Don't plan again" in text
    assert db.session.scalar(select(func.count(SolveJob.id))) == jobs  # nothing queued by the first press
    done = leader.post(f"/rota/plans/{draft.id}/resolve", data={"confirm": "yes"})
    assert done.status_code == 302 and db.session.scalar(select(func.count(SolveJob.id))) == jobs + 1
