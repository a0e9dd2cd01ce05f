"""Planning through the API: a job (202) to poll, the plan it made, publishing with conflict detection."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Plan, SolveJob, utcnow
from caseload.services.planning import runs as planning
from caseload.services.planning.boundary import save_plan
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient

PLANS = "/teams/{team_id}/weeks/{week}/plans"


@pytest.fixture
def api(demo_client):
    return ApiClient(demo_client, "leader")


@pytest.fixture
def week():
    return this_week_start(m.team("north").timezone)


def test_plan_and_publish_a_week(api, week):
    north = m.team("north")
    started = api.post(PLANS, team_id=north.id, week=week, json={"time_limit": 2})
    assert started.status_code == 202
    job = started.get_json()
    assert started.headers["Location"] == job["url"] == f"/api/v1/jobs/{job['id']}"
    polled = api.get("/jobs/{job_id}", job_id=job["id"]).get_json()  # the test queue ran it already
    assert polled["status"] == "succeeded", polled
    assert polled["plan_url"] == f"/api/v1/plans/{polled['plan_id']}"
    plan = api.get("/plans/{plan_id}", plan_id=polled["plan_id"]).get_json()
    assert plan["status"] == "draft" and plan["published_version"] is None
    placed = [i for i in plan["items"] if i["advisor_id"] is not None]
    assert placed and all(i["start"] < i["end"] for i in placed)
    assert {i["advisor_id"] for i in placed} <= {a.id for a in north.advisors}

    published = api.post("/plans/{plan_id}/publish", plan_id=plan["id"], json={"version": plan["version"]})
    assert published.status_code == 200
    assert published.get_json()["status"] == "published" and published.get_json()["published_version"] == 1
    again = api.post("/plans/{plan_id}/publish", plan_id=plan["id"], json={"version": plan["version"]})
    assert again.status_code == 409  # stale version: it was published meanwhile
    listed = api.get(PLANS, team_id=north.id, week=week).get_json()
    assert [(p["id"], p["status"]) for p in listed] == [(plan["id"], "published")]


def test_publishing_over_a_plan_you_have_not_seen_is_a_conflict(api, week):
    north = m.team("north")
    first = save_plan(north, week, {"appointments": []}, _empty(), by=m.user("leader"))
    mine = save_plan(north, week, {"appointments": []}, _empty(), by=m.user("leader"))
    # Another leader publishes `first` after I loaded the week (when nothing was published: version 0).
    other = ApiClient(api.client.application.test_client(), "admin")
    assert other.post("/plans/{plan_id}/publish", plan_id=first.id, json={"version": first.version_id}).status_code == 200
    stale = api.post("/plans/{plan_id}/publish", plan_id=mine.id,
                     json={"version": mine.version_id, "published_version": 0})
    assert stale.status_code == 409
    assert "Nothing was published" in stale.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Plan, first.id).status == "published" and db.session.get(Plan, mine.id).status == "draft"
    seen = api.post("/plans/{plan_id}/publish", plan_id=mine.id, json={"version": mine.version_id, "published_version": 1})
    assert seen.status_code == 200 and seen.get_json()["published_version"] == 2
    db.session.expire_all()
    assert db.session.get(Plan, first.id).status == "superseded"


def test_a_week_already_being_planned_is_a_conflict(api, week, monkeypatch):
    north = m.team("north")
    db.session.add(SolveJob(team_id=north.id, week_start=week, status="running", time_limit=60, started_at=utcnow()))
    db.session.commit()
    monkeypatch.setattr(planning, "solver", lambda: pytest.fail("must not solve"))
    response = api.post(PLANS, team_id=north.id, week=week, json={})
    assert response.status_code == 409 and "already being planned" in response.get_json()["message"]


@pytest.mark.parametrize("body, field", [({"time_limit": 0}, "time_limit"), ({"time_limit": "fast"}, "time_limit"),
                                         ({"weights": {}}, "weights")])
def test_bad_plan_job_bodies_are_422(api, week, monkeypatch, body, field):
    monkeypatch.setattr(planning, "solver", lambda: pytest.fail("must not solve"))
    response = api.post(PLANS, team_id=m.team("north").id, week=week, json=body)
    assert response.status_code == 422 and field in response.get_json()["fields"]
    assert db.session.scalars(select(SolveJob)).all() == []


def test_cancel_a_queued_job(api, week):
    job = SolveJob(team_id=m.team("north").id, week_start=week, status="queued", time_limit=60)
    db.session.add(job)
    db.session.commit()
    response = api.post("/jobs/{job_id}/cancel", job_id=job.id)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"


def _empty() -> dict:
    return {"format": "caseload-solution/1", "status": "feasible", "assignments": [], "unassigned": [],
            "allocations": [], "protected": [], "score": 0, "bound": 0, "solve_seconds": 0.0,
            "figures": {"fill": 0.0, "continuity": None, "separation": None, "protected": 0.0, "gap": 0.0}}
