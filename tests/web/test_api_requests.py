"""Writing through the API: validation names the fields at fault (422), stale edits are a clear 409."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentRequest, AuditEvent, Client
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient


def _week() -> date:
    from caseload.localtime import this_week_start

    return this_week_start(m.team("north").timezone)


def _good(week: date, **over) -> dict:
    tuesday = week + timedelta(days=1)
    body = {"client_id": m.client_of("advisor1").id, "type": "follow-up", "duration_minutes": 30,
            "purpose": "Budget check", "windows": [{"start": f"{tuesday}T09:00", "end": f"{tuesday}T12:00"}]}
    body.update(over)
    return body


def _count() -> int:
    return db.session.scalar(select(func.count(AppointmentRequest.id)))


@pytest.fixture
def api(demo_client):
    return ApiClient(demo_client, "leader")


def _create(api, body, week=None):
    week = week or _week()
    return api.post("/teams/{team_id}/weeks/{week}/requests", team_id=m.team("north").id, week=week, json=body)


def test_create_a_request(api):
    week = _week()
    response = _create(api, _good(week))
    assert response.status_code == 201
    created = response.get_json()
    assert response.headers["Location"] == f"/api/v1/requests/{created['id']}"
    assert created["windows"] == [{"start": f"{week + timedelta(days=1)}T09:00", "end": f"{week + timedelta(days=1)}T12:00"}]
    stored = db.session.get(AppointmentRequest, created["id"])
    assert stored.duration_minutes == 30 and stored.purpose == "Budget check" and stored.week_start == week
    # Stored in UTC: 09:00 in London is 09:00 UTC in winter, 08:00 UTC in summer.
    from caseload.localtime import to_local

    assert to_local(stored.windows[0].starts_at, "Europe/London").strftime("%H:%M") == "09:00"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request_added")).all()
    assert [e.object_id for e in events] == [created["id"]]


@pytest.mark.parametrize("change, field", [
    ({"client_id": None}, "client_id"),
    ({"duration_minutes": "thirty"}, "duration_minutes"),
    ({"duration_minutes": 20}, "duration_minutes"),          # not a whole number of 15-minute slots
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"type": "no-such-type"}, "type"),
    ({"windows": []}, "windows"),
    ({"windows": [{"start": "tuesday", "end": "later"}]}, "windows.0.start"),
    ({"windows": [{"start": "2026-02-30T09:00", "end": "2026-02-30T10:00"}]}, "windows.0.start"),
    ({"windows": [{"start": "2020-01-07T09:00", "end": "2020-01-07T12:00"}]}, "windows"),  # not this week
    ({"pinned_advisor_id": 999999}, "pinned_advisor_id"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_fields_are_named_in_a_422(api, change, field):
    body = _good(_week(), **change)
    before = _count()
    response = _create(api, body)
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    assert field in payload["fields"], payload
    assert field in payload["message"]
    assert _count() == before  # nothing half-saved


def test_a_missing_field_is_named(api):
    body = _good(_week())
    del body["windows"]
    response = _create(api, body)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"windows": ["is required"]}


def test_another_teams_client_or_advisor_is_refused(api):
    week = _week()
    theirs = m.client_of("advisor13")
    response = _create(api, _good(week, client_id=theirs.id))
    assert response.status_code == 422 and "client_id" in response.get_json()["fields"]
    south_advisor = m.user("advisor13").advisor
    response = _create(api, _good(week, pinned_advisor_id=south_advisor.id, pinned_start=f"{week}T10:00"))
    assert response.status_code == 422 and "pinned_advisor_id" in response.get_json()["fields"]


def test_a_stale_request_edit_is_a_conflict_and_keeps_the_newer_change(api, demo_app):
    week = _week()
    created = _create(api, _good(week)).get_json()
    read_by_a = api.get("/requests/{request_id}", request_id=created["id"]).get_json()
    read_by_b = dict(read_by_a)
    # B saves first (45 minutes) ...
    b = ApiClient(demo_app.test_client(), "admin")
    body_b = _good(week, duration_minutes=45, version=read_by_b["version"])
    saved = b.patch("/requests/{request_id}", request_id=created["id"], json=body_b)
    assert saved.status_code == 200 and saved.get_json()["version"] == read_by_b["version"] + 1
    # ... then A, still holding the old version, tries to set 60.
    stale = api.patch("/requests/{request_id}", request_id=created["id"],
                      json=_good(week, duration_minutes=60, version=read_by_a["version"]))
    assert stale.status_code == 409
    assert "This request was changed since you read it" in stale.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, created["id"]).duration_minutes == 45
    no_version = api.patch("/requests/{request_id}", request_id=created["id"], json=_good(week))
    assert no_version.status_code == 422 and "version" in no_version.get_json()["fields"]


def test_a_patch_changes_only_the_fields_it_names(api):
    """PATCH is a partial change: fields left out keep their values (it used to demand every field again)."""
    week = _week()
    created = _create(api, _good(week)).get_json()
    changed = api.patch("/requests/{request_id}", request_id=created["id"],
                        json={"version": created["version"], "duration_minutes": 45})
    assert changed.status_code == 200, changed.get_json()
    after = changed.get_json()
    assert after["duration_minutes"] == 45
    assert {k: after[k] for k in ("client_id", "type", "purpose", "windows")} == \
        {k: created[k] for k in ("client_id", "type", "purpose", "windows")}
    # null clears an optional field (the purpose falls back to the type's name); the rest still stands.
    cleared = api.patch("/requests/{request_id}", request_id=created["id"],
                        json={"version": after["version"], "purpose": None})
    assert cleared.status_code == 200 and cleared.get_json()["purpose"] == "Follow-up"
    assert cleared.get_json()["duration_minutes"] == 45
    # A bad value in a partial change is still named, and nothing is saved.
    bad = api.patch("/requests/{request_id}", request_id=created["id"],
                    json={"version": cleared.get_json()["version"], "duration_minutes": 20})
    assert bad.status_code == 422 and "duration_minutes" in bad.get_json()["fields"]
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, created["id"]).duration_minutes == 45


def test_a_midnight_window_survives_a_partial_patch(api):
    week = _week()
    tuesday = week + timedelta(days=1)
    created = _create(api, _good(week, windows=[{"start": f"{tuesday}T20:00", "end": f"{tuesday}T24:00"}])).get_json()
    changed = api.patch("/requests/{request_id}", request_id=created["id"],
                        json={"version": created["version"], "purpose": "Evening call"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["windows"] == created["windows"]


def test_a_stale_client_edit_is_a_conflict(api, demo_app):
    client = m.client_of("advisor1")
    read = api.get("/clients/{client_id}", client_id=client.id).get_json()
    other = ApiClient(demo_app.test_client(), "admin")
    first = other.patch("/clients/{client_id}", client_id=client.id, json={"version": read["version"], "complexity": 3})
    assert first.status_code == 200 and first.get_json()["complexity"] == 3
    stale = api.patch("/clients/{client_id}", client_id=client.id, json={"version": read["version"], "complexity": 1})
    assert stale.status_code == 409
    assert "Nothing was saved" in stale.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Client, client.id).complexity == 3
    fresh = api.patch("/clients/{client_id}", client_id=client.id,
                      json={"version": first.get_json()["version"], "named_advisor_id": m.user("advisor2").advisor.id})
    assert fresh.status_code == 200 and fresh.get_json()["named_advisor_id"] == m.user("advisor2").advisor.id


def test_client_edit_validation(api):
    client = m.client_of("advisor1")
    version = client.version_id
    for body, field in [({"version": version, "complexity": 7}, "complexity"),
                        ({"version": version, "need": "astrology"}, "need"),
                        ({"version": version, "named_advisor_id": m.user("advisor13").advisor.id}, "named_advisor_id"),
                        ({"complexity": 2}, "version")]:
        response = api.patch("/clients/{client_id}", client_id=client.id, json=body)
        assert response.status_code == 422 and field in response.get_json()["fields"], (body, response.get_json())
    db.session.expire_all()
    assert db.session.get(Client, client.id).version_id == version  # nothing was written


def test_a_change_saved_between_our_check_and_our_write_is_still_a_conflict(api):
    """The version check passes on the copy we loaded, but another process saved first: the lock catches it."""
    from sqlalchemy import update

    client = m.client_of("advisor1")
    read = api.get("/clients/{client_id}", client_id=client.id).get_json()
    with db.engine.begin() as other_process:
        other_process.execute(update(Client).where(Client.id == client.id)
                              .values(complexity=3, version_id=Client.version_id + 1))
    wanted = 2 if read["complexity"] != 2 else 1
    response = api.patch("/clients/{client_id}", client_id=client.id,
                         json={"version": read["version"], "complexity": wanted})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Client, client.id).complexity == 3


@pytest.mark.parametrize("change, field", [
    ({"purpose": "rent\x00arrears"}, "purpose"),
    ({"client_id": 2**31}, "client_id"),
    ({"pinned_advisor_id": 2**40, "pinned_start": None}, "pinned_advisor_id"),
])
def test_values_the_database_cannot_hold_are_422(api, change, field):
    response = _create(api, _good(_week(), **change))
    assert response.status_code == 422 and field in response.get_json()["fields"], response.get_json()


def test_an_idempotency_key_makes_a_retry_add_nothing(api):
    """A retry after a lost answer (same key, same body) gets the first answer and adds no second request."""
    week = _week()
    before = _count()
    first = _create_with_key(api, _good(week), "retry-1")
    assert first.status_code == 201
    again = _create_with_key(api, _good(week), "retry-1")
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert _count() == before + 1
    other = _create_with_key(api, _good(week, duration_minutes=45), "retry-1")
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["fields"]
    assert _count() == before + 1
    # Without a key, two sends are two requests (as before); a refused send does not use its key up.
    assert _create(api, _good(week)).status_code == 201 and _create(api, _good(week)).status_code == 201
    assert _count() == before + 3
    refused = _create_with_key(api, _good(week, type="no-such-type"), "retry-2")
    assert refused.status_code == 422
    assert _create_with_key(api, _good(week), "retry-2").status_code == 201
    assert _create_with_key(api, _good(week), "bad key with spaces").status_code == 422
    longest = "k" * 200  # the document's longest key (schemathesis found it overflowed the column on PostgreSQL)
    assert _create_with_key(api, _good(week), longest).status_code == 201
    assert _create_with_key(api, _good(week), longest).headers.get("Idempotent-Replayed") == "true"


def test_an_idempotency_key_reused_for_another_week_is_422_not_the_first_weeks_request(api):
    """The tester's case: key k1 to week W answered 201; the same key and body to week W+1 answered 201 with the
    request of week W (the fingerprint was the body alone). The route's team and week are part of it now."""
    week, later = _week(), _week() + timedelta(days=7)
    body = _good(week)  # the tester sent the same body (its windows in week W) to both weeks
    url = "/teams/{team_id}/weeks/{week}/requests"
    first = api.post(url, team_id=m.team("north").id, week=week, json=body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201, first.get_json()
    before = _count()
    other = api.post(url, team_id=m.team("north").id, week=later, json=body, headers={"Idempotency-Key": "k1"})
    assert other.status_code == 422, other.get_json()
    assert "Idempotency-Key" in other.get_json()["fields"]
    assert "this Idempotency-Key was used for another request" in other.get_json()["message"]
    assert _count() == before
    again = api.post(url, team_id=m.team("north").id, week=week, json=body, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again.get_json()["id"] == first.get_json()["id"]


def _create_with_key(api, body, key):
    return api.post("/teams/{team_id}/weeks/{week}/requests", team_id=m.team("north").id, week=_week(), json=body,
                    headers={"Idempotency-Key": key})


def test_two_sends_with_one_key_at_the_same_moment_add_one_request(demo_app):
    from tests.web.test_races import race

    week = _week()
    clients = [ApiClient(demo_app.test_client(), "leader") for _ in range(2)]
    before = _count()
    results = race([lambda c=c: _create_with_key(c, _good(week), "race-1").status_code for c in clients],
                   "idempotency_keys")
    assert sorted(results) == [201, 201]
    assert _count() == before + 1
