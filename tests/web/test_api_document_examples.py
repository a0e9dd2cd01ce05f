"""The issue's examples where /api/v1/openapi.json and the server disagreed, now agreeing: each body the
server refuses is outside the document too (and the other way round), a 405 says `Allow`, and an id
beyond what the database holds is 404 for every method, as documented."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from tests.web import access_matrix as m
from tests.web.api_support import ApiClient


@pytest.fixture
def api(demo_client):
    return ApiClient(demo_client, "leader")


def _valid(doc: dict, name: str, instance) -> bool:
    return Draft202012Validator({**doc["components"]["schemas"][name], "components": doc["components"]}).is_valid(instance)


def _request_body(samples, **changes) -> dict:
    week = samples.values["week"]
    body = {"client_id": samples.values["client_id"], "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": f"{week}T09:00", "end": f"{week}T12:00"}]}
    return {**body, **changes}


def test_patch_without_version_is_outside_the_document_and_refused(api):
    samples = m.samples_for_demo()
    body = _request_body(samples)
    assert not _valid(api.doc, "RequestChange", body) and _valid(api.doc, "RequestChange", {**body, "version": 1})
    response = api.patch("/requests/{request_id}", json=body, request_id=samples.values["request_id"])
    assert response.status_code == 422 and "version" in response.get_json()["fields"]


@pytest.mark.parametrize("change, field", [
    ({"type": ""}, "type"),
    ({"windows": [{"start": "0000-00-00T00:00", "end": "0000-00-00T00:30"}]}, "windows.0.start"),
    ({"windows": [{"start": "2026-11-30T25:00", "end": "2026-11-30T26:00"}]}, "windows.0.start"),
])
def test_bodies_the_server_refuses_are_outside_the_document(api, change, field):
    samples = m.samples_for_demo()
    body = _request_body(samples, **change)
    assert _valid(api.doc, "RequestFields", _request_body(samples))
    assert not _valid(api.doc, "RequestFields", body)
    response = api.post("/teams/{team_id}/weeks/{week}/requests", json=body, team_id=samples.values["team_id"],
                        week=samples.values["week"])
    assert response.status_code == 422 and field in response.get_json()["fields"]


def test_refusals_by_the_document_say_why_in_words(api):
    samples = m.samples_for_demo()
    week = samples.values["week"]
    cases = {"windows.0.start": [{"start": f"{week}T10:07", "end": f"{week}T12:00"}, "15-minute grid"],
             "windows.0.end": [{"start": f"{week}T10:00", "end": "2100-01-01T12:00"}, "between 2000 and 2099"]}
    for field, (window, words) in cases.items():
        body = _request_body(samples, windows=[window], purpose="tab\there", type="")
        assert not _valid(api.doc, "RequestFields", body)
        response = api.post("/teams/{team_id}/weeks/{week}/requests", json=body, team_id=samples.values["team_id"],
                            week=week)
        fields = response.get_json()["fields"]
        assert response.status_code == 422 and words in fields[field][0], fields
        assert fields["type"] == ["must not be empty"] and "tab" in fields["purpose"][0], fields


@pytest.mark.parametrize("method", ["get", "patch"])
def test_an_id_beyond_64_bits_is_404_for_every_method(api, method):
    body = {"version": 1} if method == "patch" else None
    for client_id in (2**31, 10444068214025529344):
        response = api.call(method, "/clients/{client_id}", json=body, client_id=client_id)
        assert response.status_code == 404, (client_id, response.status_code)
    maximum = api.doc["paths"]["/clients/{client_id}"]["get"]["parameters"][0]["schema"]["maximum"]
    assert maximum == 2**31 - 1


def test_a_405_lists_the_allowed_methods(demo_client):
    headers = m.issue_token("leader")
    for path, allowed in [("/api/v1/me", {"GET"}), ("/api/v1/clients/1", {"GET", "PATCH"}),
                          ("/api/v1/jobs/1/cancel", {"POST"})]:
        response = demo_client.open(path, method="DELETE", headers=headers)
        assert response.status_code == 405
        assert allowed <= set(re.split(r",\s*", response.headers.get("Allow", ""))), (path, response.headers)
    page = demo_client.delete("/login")  # an HTML page too
    assert page.status_code == 405 and "GET" in page.headers.get("Allow", "")
