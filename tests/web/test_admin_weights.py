"""Continuity weights: saving is audited with old and new values; the what-if compares before saving."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import DEFAULT_WEIGHTS, AuditEvent, Plan, Team, User, WeightProfile


def _profile():
    db.session.expire_all()
    return db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True)))


def test_weights_page_explains_each_weight(demo_client, demo_auth):
    demo_auth.login("admin")
    page = demo_client.get("/admin/weights").get_data(as_text=True)
    for name in DEFAULT_WEIGHTS:
        assert f'name="{name}"' in page
    assert "complexity" in page and "policing" in page and "published week" in page


def test_saving_weights_is_audited_with_old_and_new(demo_client, demo_auth):
    demo_auth.login("admin")
    profile = _profile()
    new = {**DEFAULT_WEIGHTS, "continuity": 250, "protected": 2}
    response = demo_client.post("/admin/weights", data={**new, "version": profile.version_id, "confirm": "every-team"})
    assert response.status_code == 302
    assert _profile().as_weights() == new
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "weights_changed"))
    assert event.detail["old"] == DEFAULT_WEIGHTS and event.detail["new"] == new
    assert event.detail["changes"] == {"continuity": [100, 250], "protected": [1, 2]}
    assert event.user.username == "admin"


def test_bad_weights_are_refused_naming_the_field(demo_client, demo_auth):
    demo_auth.login("admin")
    profile = _profile()
    for bad, label in [({"continuity": -5}, "Same advisor (continuity):"), ({"separation": "1.5"}, "Policing apart")]:
        response = demo_client.post("/admin/weights", data={**DEFAULT_WEIGHTS, **bad, "version": profile.version_id})
        assert response.status_code == 400 and label in response.get_data(as_text=True)
    assert _profile().as_weights() == DEFAULT_WEIGHTS
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "weights_changed")) is None


def test_stale_weights_form_is_refused(demo_client, demo_auth):
    demo_auth.login("admin")
    old_version = _profile().version_id
    demo_client.post("/admin/weights", data={**DEFAULT_WEIGHTS, "continuity": 300, "version": old_version,
                                                "confirm": "every-team"})
    response = demo_client.post("/admin/weights", data={**DEFAULT_WEIGHTS, "continuity": 50, "version": old_version,
                                                           "confirm": "every-team"})
    assert response.status_code == 409
    assert _profile().continuity == 300


def _what_if(demo_client, weights, seconds=2):
    team = db.session.scalar(select(Team).where(Team.name == "north"))
    week = this_week_start(team.timezone)
    response = demo_client.post("/admin/weights/what-if", data={**weights, "team": team.id, "week": week.isoformat(),
                                                                 "time_limit": seconds})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = demo_client.get(response.headers["Location"]).get_data(as_text=True)
    return {m.group(1): m.group(2) for m in re.finditer(r'data-figure="([a-z-]+)">([^<]*)<', page)}, page


def _percent(text):
    return float(text.rstrip("%"))


def test_what_if_shows_different_figures_for_different_weights(demo_client, demo_auth):
    # The demo week is loose: with every weight positive the best plan is perfect on every figure, so no
    # weights can change it. Give one advisor a protected-time target of their whole week: now each of
    # their appointments costs protected minutes, and the weights decide who wins.
    advisor = db.session.scalar(select(User).where(User.username == "advisor1")).advisor
    advisor.protected_minutes = advisor.weekly_minutes
    db.session.commit()
    demo_auth.login("admin")
    plans_before = db.session.scalar(select(func.count(Plan.id)))
    figures, page = _what_if(demo_client, {**DEFAULT_WEIGHTS, "protected": 100})
    assert "Nothing has been saved" in page
    # In force: an appointment with the named advisor (100 a complexity point) beats 30-60 protected minutes
    # (30-60). Proposed: the same minutes are worth 3000-6000, so advisor1's clients go to colleagues.
    assert _percent(figures["proposed-continuity"]) < _percent(figures["current-continuity"]), figures
    assert _percent(figures["proposed-protected"]) > _percent(figures["current-protected"]), figures
    assert figures["current-fill"] == figures["proposed-fill"] == "100.0%"
    # The counts behind the score, as the planner's checker counts them, move the same way.
    assert int(figures["proposed-continuity-points"]) < int(figures["current-continuity-points"]), figures
    assert float(figures["proposed-protected-hours"]) > float(figures["current-protected-hours"]), figures
    # Nothing was saved: no plans, weights unchanged.
    assert db.session.scalar(select(func.count(Plan.id))) == plans_before
    assert _profile().as_weights() == DEFAULT_WEIGHTS
    # Saving from the result page saves exactly the weights tried, audited.
    saved = demo_client.post("/admin/weights", data={**_hidden_fields(page), "confirm": "every-team"})
    assert saved.status_code == 302
    assert _profile().protected == 100
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "weights_changed"))
    assert event.detail["changes"] == {"protected": [1, 100]}


def _hidden_fields(page):
    form = page[page.index('action="/admin/weights"'):]
    return {m.group(1): m.group(2) for m in re.finditer(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form)}


def test_what_if_form_errors_name_the_field(demo_client, demo_auth):
    demo_auth.login("admin")
    team = db.session.scalar(select(Team).where(Team.name == "north"))
    week = this_week_start(team.timezone)
    response = demo_client.post("/admin/weights/what-if", data={**DEFAULT_WEIGHTS, "team": team.id,
                                                                 "week": "2026-13-45", "time_limit": 2})
    assert response.status_code == 400 and "Week starting" in response.get_data(as_text=True)
    tuesday = week + timedelta(days=1)
    response = demo_client.post("/admin/weights/what-if", data={**DEFAULT_WEIGHTS, "team": team.id,
                                                                 "week": tuesday.isoformat(), "time_limit": 2})
    assert response.status_code == 400 and "give the Monday that starts the week" in response.get_data(as_text=True)


def test_what_if_page_waits_for_the_worker(demo_client, demo_auth, monkeypatch):
    from caseload.services.planning import weights

    monkeypatch.setattr(weights, "what_if_result", lambda task_id: None)
    demo_auth.login("admin")
    page = demo_client.get("/admin/weights/what-if/0123abcd-0000-4000-8000-000000000000")
    assert page.status_code == 200
    # It waits without reloading itself (axe meta-refresh): a script polls the status, a link refreshes.
    assert b'http-equiv="refresh"' not in page.data and b"what_if.js" in page.data
    assert b'href="/admin/weights/what-if/0123abcd-0000-4000-8000-000000000000">Refresh' in page.data
    status = demo_client.get("/admin/weights/what-if/0123abcd-0000-4000-8000-000000000000/status")
    assert status.status_code == 200 and status.get_json() == {"state": "running"}
    assert demo_client.get("/admin/weights/what-if/<script>").status_code == 404
    assert demo_client.get("/admin/weights/what-if/not-an-id/status").get_json() == {"state": "gone"}


def test_what_if_status_is_for_administrators_only(demo_client, demo_auth, monkeypatch):
    from caseload.services.planning import weights

    monkeypatch.setattr(weights, "what_if_result", lambda task_id: {"error": "x"})
    url = "/admin/weights/what-if/0123abcd-0000-4000-8000-000000000000/status"
    for role in ("leader", "advisor1"):
        demo_auth.login(role)
        assert demo_client.get(url).status_code == 403, role
        demo_auth.logout()
    demo_auth.login("admin")
    assert demo_client.get(url).get_json() == {"state": "done"}


def _gone(page) -> bool:
    """The what-if page saying the comparison has gone: 404, a way back, and no more refreshing."""
    return (page.status_code == 404 and b"no longer available" in page.data
            and b'href="/admin/weights"' in page.data and b"what_if.js" not in page.data)


def test_what_if_page_stops_waiting_for_an_unknown_or_expired_comparison(demo_client, demo_auth, monkeypatch):
    import time
    from types import SimpleNamespace

    from caseload.jobs import huey
    from caseload.services.planning import weights

    demo_auth.login("admin")
    assert _gone(demo_client.get("/admin/weights/what-if/0123abcd-0000-4000-8000-00000000dead"))  # never started
    assert _gone(demo_client.get("/admin/weights/what-if/not-a-task-id"))  # malformed

    task_id = "0123abcd-0000-4000-8000-00000000beef"
    huey.put(weights._started_key(task_id), {"give_up_at": time.time() + 60})
    waiting = demo_client.get(f"/admin/weights/what-if/{task_id}")
    assert waiting.status_code == 200 and b"what_if.js" in waiting.data
    later = time.time() + 120  # past the give-up time: the worker never answered
    monkeypatch.setattr(weights, "time", SimpleNamespace(time=lambda: later))
    assert _gone(demo_client.get(f"/admin/weights/what-if/{task_id}"))


def test_what_if_page_says_so_when_a_shown_result_has_gone(demo_client, demo_auth):
    import time

    from caseload.jobs import huey
    from caseload.services.planning import weights

    demo_auth.login("admin")
    task_id = "0123abcd-0000-4000-8000-00000000f00d"
    huey.put(weights._started_key(task_id), {"give_up_at": time.time() + 600})
    huey.put(task_id, {"error": "The what-if could not run: test"})  # the worker's answer, as huey stores it
    url = f"/admin/weights/what-if/{task_id}"
    for _ in range(2):  # kept, so a reload shows it again
        page = demo_client.get(url)
        assert page.status_code == 200 and b"could not run: test" in page.data
    huey.get(task_id)  # the result is consumed (or expired) behind the page's back
    assert _gone(demo_client.get(url))
