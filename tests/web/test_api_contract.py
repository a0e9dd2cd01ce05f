"""The OpenAPI document is valid, covers every API route, and the read endpoints answer as it says, in scope."""
from __future__ import annotations

import re

import pytest
from flask import current_app
from openapi_spec_validator import validate as validate_spec

from tests.web import access_matrix as m
from tests.web.api_support import PREFIX, ApiClient


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix(PREFIX))


def test_the_document_is_valid_openapi_3_1_and_public(demo_client):
    response = demo_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    validate_spec(doc)


def test_every_api_route_is_documented_and_every_documented_operation_exists(demo_app):
    doc = demo_app.test_client().get("/api/v1/openapi.json").get_json()
    routes = {(_openapi_path(r.rule), method.lower()) for r in current_app.url_map.iter_rules()
              if r.rule.startswith(PREFIX) for method in m.methods(r)}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routes == documented


def test_a_missing_token_is_a_documented_401(demo_client):
    api = ApiClient(demo_client, None)
    response = api.get("/teams")
    assert response.status_code == 401
    assert response.get_json()["error"] == "Unauthorized"


def test_leader_reads_their_team_only(demo_client):
    api = ApiClient(demo_client, "leader")
    north, south = m.team("north"), m.team("south")
    assert [t["name"] for t in api.get("/teams").get_json()] == ["north"]
    assert api.get("/teams/{team_id}", team_id=north.id).get_json()["timezone"] == north.timezone
    advisors = api.get("/teams/{team_id}/advisors", team_id=north.id).get_json()
    assert len(advisors) == len(north.advisors) and {a["team_id"] for a in advisors} == {north.id}
    clients = api.get("/teams/{team_id}/clients", team_id=north.id).get_json()
    assert clients and {c["team_id"] for c in clients} == {north.id}
    one = api.get("/clients/{client_id}", client_id=clients[0]["id"]).get_json()
    assert one == clients[0]
    found = api.get("/teams/{team_id}/clients", team_id=north.id, query=f"?q={clients[0]['reference']}").get_json()
    assert [c["id"] for c in found] == [clients[0]["id"]]
    # South is out of scope: every way in is "not found".
    theirs = m.client_of("advisor13")
    assert api.get("/teams/{team_id}", team_id=south.id).status_code == 404
    assert api.get("/teams/{team_id}/advisors", team_id=south.id).status_code == 404
    assert api.get("/teams/{team_id}/clients", team_id=south.id).status_code == 404
    assert api.get("/clients/{client_id}", client_id=theirs.id).status_code == 404
    assert api.get("/advisors/{advisor_id}", advisor_id=m.user("advisor13").advisor.id).status_code == 404
    week = m.samples_for_demo().values["week"]
    assert api.get("/teams/{team_id}/weeks/{week}/requests", team_id=south.id, week=week).status_code == 404
    assert api.get("/teams/{team_id}/weeks/{week}/plans", team_id=south.id, week=week).status_code == 404
    plan, job = m.make_plan(south), m.make_job(south)
    assert api.get("/plans/{plan_id}", plan_id=plan.id).status_code == 404
    assert api.get("/jobs/{job_id}", job_id=job.id).status_code == 404
    assert api.post("/plans/{plan_id}/publish", plan_id=plan.id, json={"version": plan.version_id}).status_code == 404


def test_admin_reads_every_team(demo_client):
    api = ApiClient(demo_client, "admin")
    assert [t["name"] for t in api.get("/teams").get_json()] == ["north", "south"]
    assert api.get("/clients/{client_id}", client_id=m.client_of("advisor13").id).status_code == 200


def test_an_advisor_reads_their_team_and_only_their_clients(demo_client):
    api = ApiClient(demo_client, "advisor1")
    me = m.user("advisor1").advisor
    north, south = m.team("north"), m.team("south")
    assert api.get("/me").get_json() == {"username": "advisor1", "role": "advisor"}
    assert [t["id"] for t in api.get("/teams").get_json()] == [north.id]
    assert api.get("/advisors/{advisor_id}", advisor_id=me.id).get_json()["name"] == me.name
    clients = api.get("/teams/{team_id}/clients", team_id=north.id).get_json()
    assert clients and {c["named_advisor_id"] for c in clients} == {me.id}
    other = m.client_of("advisor2")
    assert api.get("/clients/{client_id}", client_id=other.id).status_code == 404
    assert api.get("/teams/{team_id}", team_id=south.id).status_code == 404
    week = m.samples_for_demo().values["week"]
    assert api.get("/teams/{team_id}/weeks/{week}/requests", team_id=north.id, week=week).status_code == 403


def test_week_requests_and_plans_read_as_documented(demo_client):
    api = ApiClient(demo_client, "leader")
    north = m.team("north")
    week = m.samples_for_demo().values["week"]  # also makes a draft plan and a finished job
    requests = api.get("/teams/{team_id}/weeks/{week}/requests", team_id=north.id, week=week).get_json()
    assert len(requests) >= 60 and all(r["windows"] for r in requests)
    one = api.get("/requests/{request_id}", request_id=requests[0]["id"]).get_json()
    assert one == requests[0]
    plans = api.get("/teams/{team_id}/weeks/{week}/plans", team_id=north.id, week=week).get_json()
    assert [p["status"] for p in plans] == ["draft"]
    assert api.get("/plans/{plan_id}", plan_id=plans[0]["id"]).get_json()["items"] == []
    assert api.get("/teams/{team_id}/weeks/{week}/plans", team_id=north.id, week="2026-11-24").status_code == 404


@pytest.mark.parametrize("body, status", [
    (b"not json", 400), (b"[1, 2]", 400), (b'"text"', 400), (b"null", 400),
])
def test_a_body_that_is_not_a_json_object_is_400(demo_client, body, status):
    api = ApiClient(demo_client, "leader")
    response = api.patch("/clients/{client_id}", client_id=m.client_of("advisor1").id, data=body)
    assert response.status_code == status
    assert "JSON object" in response.get_json()["message"]


def test_api_token_command_issues_and_revokes(demo_app):
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["api-token", "leader"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert len(token) >= 40
    client = demo_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["username"] == "leader"
    assert m.user("leader").api_token_hash != token  # stored hashed, never as given
    again = runner.invoke(args=["api-token", "leader"]).output.strip()
    assert again != token and client.get("/api/v1/me", headers=headers).status_code == 401  # replaced
    assert runner.invoke(args=["api-token", "leader", "--revoke"]).exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {again}"}).status_code == 401
    assert runner.invoke(args=["api-token", "nobody"]).exit_code != 0
