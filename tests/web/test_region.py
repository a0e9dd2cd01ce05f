"""The region page, API and CLI: administrators plan every team's week, watch each run and the totals, cancel.

Here the queue is immediate (each run is solved inside the request); tests/web/test_region_queue.py runs the
same service with real consumer processes on Redis and PostgreSQL."""
from __future__ import annotations

import re

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import AuditEvent, SolveJob
from tests.web import access_matrix as m


def _week():
    return this_week_start(m.team("north").timezone)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_an_administrator_plans_every_team_and_sees_each_run_and_the_totals(demo_client, demo_auth):
    demo_auth.login("admin")
    week = _week()
    response = demo_client.post("/admin/region/plan", data={"week": week.isoformat(), "time_limit": 1,
                                                            "confirm": "every-team"})
    assert response.status_code == 302 and f"week={week.isoformat()}" in response.headers["Location"]
    page = demo_client.get(f"/admin/region?week={week.isoformat()}").get_data(as_text=True)
    assert page.count('data-state="succeeded"') == 2  # north and south, each done
    assert re.search(r'data-total="fill">\d+\.\d%', page) and re.search(r'data-total="continuity">\d+\.\d%', page)
    assert re.search(r'data-total="unplaced">\d+<', page)
    assert "Cancel the queued" not in page  # nothing left to cancel
    jobs = db.session.scalars(select(SolveJob).where(SolveJob.week_start == week)).all()
    assert sorted(j.team.name for j in jobs) == ["north", "south"] and all(j.plan_id for j in jobs)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "region_plan_started")) is not None


def test_the_region_form_refuses_a_day_that_is_not_a_monday_and_starts_nothing(demo_client, demo_auth):
    demo_auth.login("admin")
    tuesday = _week().replace(day=_week().day)  # the Monday …
    from datetime import timedelta

    response = demo_client.post("/admin/region/plan", data={"week": (tuesday + timedelta(days=1)).isoformat(),
                                                            "time_limit": 5})
    assert response.status_code == 400 and "give the Monday that starts the week" in response.get_data(as_text=True)
    assert db.session.scalar(select(SolveJob.id)) is None


def test_cancel_ends_every_queued_and_running_run_of_the_week(demo_client, demo_auth):
    week = _week()
    for name, status in (("north", "queued"), ("south", "running")):
        db.session.add(SolveJob(team=m.team(name), week_start=week, status=status, time_limit=60, worker="x:1:y",
                                heartbeat_at=__import__("caseload.models", fromlist=["utcnow"]).utcnow()))
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get(f"/admin/region?week={week.isoformat()}").get_data(as_text=True)
    assert 'data-state="queued"' in page and 'data-state="running"' in page and "Cancel the queued" in page
    # It watches the runs without reloading itself (a reload wiped what was typed; axe meta-refresh): a script
    # polls the status, a link refreshes without one; the two forms' week fields have their own ids.
    assert 'http-equiv="refresh"' not in page and "region.js" in page and ">Refresh</a>" in page
    assert "Runs: 1 queued, 1 running." in page
    assert page.count('id="week"') == 1 and 'id="cancel-week"' in page
    status = demo_client.get(f"/admin/region/status?week={week.isoformat()}")
    body = status.get_json()
    assert status.status_code == 200 and body["active"] is True
    assert (body["totals"]["queued"], body["totals"]["running"], body["totals"]["succeeded"]) == (1, 1, 0)
    assert {r["team"]: r["state"] for r in body["rows"]} == {"north": "queued", "south": "running"}
    assert 'data-state="queued"' in body["html"] and 'id="region-totals"' in body["html"]
    asked = demo_client.post("/admin/region/cancel", data={"week": week.isoformat()})
    assert asked.status_code == 200 and "Cancel every queued and running run of the week of" in \
        asked.get_data(as_text=True).replace("&#39;", "'")  # asks first, in the page: nothing cancelled yet
    db.session.expire_all()
    assert sorted(j.status for j in db.session.scalars(select(SolveJob))) == ["queued", "running"]
    response = demo_client.post("/admin/region/cancel", data={"week": week.isoformat(), "confirm": "every-team"})
    assert response.status_code == 302
    db.session.expire_all()
    assert sorted(j.status for j in db.session.scalars(select(SolveJob))) == ["cancelled", "cancelled"]
    page = demo_client.get(f"/admin/region?week={week.isoformat()}").get_data(as_text=True)
    assert page.count('data-state="cancelled"') == 2
    assert ">Refresh</a>" not in page  # nothing left to watch
    body = demo_client.get(f"/admin/region/status?week={week.isoformat()}").get_json()
    assert body["active"] is False and body["totals"]["cancelled"] == 2 and body["summary"].startswith("Every run")


def test_the_region_status_is_for_administrators_only(demo_client, demo_auth):
    for username in ("leader", "advisor1"):
        demo_auth.login(username)
        assert demo_client.get("/admin/region/status").status_code == 403, username
        demo_auth.logout()
    demo_auth.login("admin")
    assert demo_client.get("/admin/region/status?week=2020-13-01").status_code == 400
    body = demo_client.get("/admin/region/status").get_json()
    assert body["active"] is False and [r["state"] for r in body["rows"]] == ["none", "none"]


def test_the_region_page_needs_csrf(demo_app):
    from tests.conftest import _make_app

    # Another app on the same database, with CSRF on (the fixture's pushed context would share `g`, and with it
    # a cached token, between requests).
    client = _make_app(demo_app.config["DATABASE_URL"], WTF_CSRF_ENABLED=True).test_client()
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "admin", "password": "demo", "csrf_token": _csrf(login)})
    refused = client.post("/admin/region/plan", data={"week": _week().isoformat(), "time_limit": 1})
    assert refused.status_code == 400 and b"security token" in refused.data
    assert db.session.scalar(select(SolveJob.id)) is None
    page = client.get("/admin/region").get_data(as_text=True)
    # Strict CSP: nothing inline (scripts only from /static, with src).
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and "style=" not in page
    accepted = client.post("/admin/region/plan", data={"week": _week().isoformat(), "time_limit": 1,
                                                       "csrf_token": _csrf(page), "confirm": "every-team"})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[-3000:]


def test_the_region_api_is_for_administrators(demo_client):
    week = _week().isoformat()
    leader = demo_client.post(f"/api/v1/region/weeks/{week}/plans", json={"time_limit": 1},
                              headers=m.issue_token("leader"))
    assert leader.status_code == 403
    started = demo_client.post(f"/api/v1/region/weeks/{week}/plans", json={"time_limit": 1},
                               headers=m.issue_token("admin"))
    assert started.status_code == 202, started.get_json()
    data = started.get_json()
    assert data["started"] == 2 and data["busy"] == []
    assert [t["state"] for t in data["teams"]] == ["succeeded", "succeeded"]
    assert data["totals"]["placed"] + data["totals"]["unplaced"] == data["totals"]["appointments"] > 0
    seen = demo_client.get(f"/api/v1/region/weeks/{week}", headers=m.issue_token("admin")).get_json()
    assert seen["totals"] == data["totals"]
    cancelled = demo_client.post(f"/api/v1/region/weeks/{week}/cancel", headers=m.issue_token("admin")).get_json()
    assert cancelled["cancelled"] == 0  # all done: nothing to cancel
    bad = demo_client.post(f"/api/v1/region/weeks/{week}/plans", json={"time_limit": 0},
                           headers=m.issue_token("admin"))
    assert bad.status_code == 422 and "time_limit" in str(bad.get_json())


def test_the_region_cli_plans_and_reports(demo_app):
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["region", "plan", "--week", "this", "--time-limit", "1", "--wait"])
    assert result.exit_code == 0, result.output
    assert "Queued 2 runs" in result.output
    assert re.search(r"north\s+succeeded", result.output) and re.search(r"south\s+succeeded", result.output)
    assert "fill " in result.output and "unplaced " in result.output
    again = runner.invoke(args=["region", "status", "--week", "2026-11-24"])
    assert again.exit_code != 0 and "--week" in again.output and "Tuesday" in again.output


def test_a_job_waiting_behind_a_long_region_queue_is_not_failed_as_abandoned(demo_app):
    """The 'no worker picked this up' rule fails a job queued for 3 x (limit + 120 s) only when no consumer has
    taken or finished any job meanwhile; the last of fifty teams may wait longer behind the others."""
    from datetime import timedelta

    from caseload.models import utcnow
    from caseload.services.planning import runs as planning

    week, long_ago = _week(), utcnow() - timedelta(hours=1)
    waiting = SolveJob(team=m.team("north"), week_start=week, status="queued", time_limit=60, created_at=long_ago)
    working = SolveJob(team=m.team("south"), week_start=week, status="running", time_limit=60, created_at=long_ago,
                       started_at=utcnow() - timedelta(minutes=2), heartbeat_at=utcnow(), worker="c:1:x")
    db.session.add_all([waiting, working])
    db.session.commit()
    assert planning.fail_if_stale(waiting).status == "queued"  # a consumer is working through the queue
    working.heartbeat_at = working.started_at = long_ago  # ... and now nobody has for an hour
    working.status = "failed"
    db.session.commit()
    failed = planning.fail_if_stale(waiting)
    assert failed.status == "failed" and "No planning worker picked this run up" in failed.message
