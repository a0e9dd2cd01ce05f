"""Keys stored before session 13's deploy (services/desk/idempotency: the older form) still answer their retries
for their day: POST .../requests fingerprinted the body alone (now with the route's team and week), a form's
one-time token was kept as "form:<token>" (now with its URL's hash), the desk's Book nonce as "desk-form:<nonce>"
(now with the client). Each test makes the first send, then turns its stored row into what the older code wrote,
and sends again: the retry gets the first answer and saves nothing twice; another request with the same key is
still refused. Without the older form accepted, the API retry was a 422 and the forms saved twice."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentRequest, IdempotencyKey
from caseload.services.desk import idempotency
from tests.clock import at
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient
from tests.web.test_api_requests import _good, _week
from tests.web.test_double_submit import _token

URL = "/teams/{team_id}/weeks/{week}/requests"


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AppointmentRequest.id)))


def _only_row(prefix: str) -> IdempotencyKey:
    db.session.expire_all()
    rows = db.session.scalars(select(IdempotencyKey).where(IdempotencyKey.key.startswith(prefix))).all()
    assert len(rows) == 1, [r.key for r in rows]
    return rows[0]


@pytest.fixture
def api(demo_client):
    return ApiClient(demo_client, "leader")


def _as_before_the_deploy(api, body: dict, key: str):
    """Send `body` with `key` to this week, then give its row the fingerprint the older code stored (the body alone)."""
    first = api.post(URL, team_id=m.team("north").id, week=_week(), json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.get_json()
    row = _only_row("request:" + hashlib.sha256(key.encode()).hexdigest())
    row.fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    db.session.commit()
    return first


def test_an_api_retry_of_a_key_stored_before_the_deploy_gets_its_first_answer(api):
    body = _good(_week())
    first = _as_before_the_deploy(api, body, "old-key-1")
    before = _count()
    again = api.post(URL, team_id=m.team("north").id, week=_week(), json=body, headers={"Idempotency-Key": "old-key-1"})
    assert again.status_code == 201, again.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert _count() == before


def test_another_request_with_a_key_stored_before_the_deploy_is_still_422(api):
    """Another body, or the same body to another week (what the older fingerprint left out: the stored answer's
    week tells), is not the first send's retry."""
    body = _good(_week())
    _as_before_the_deploy(api, body, "old-key-2")
    before = _count()
    north = m.team("north").id
    for week, sent in ((_week(), _good(_week(), duration_minutes=45)), (_week() + timedelta(days=7), body)):
        other = api.post(URL, team_id=north, week=week, json=sent, headers={"Idempotency-Key": "old-key-2"})
        assert other.status_code == 422, other.get_json()
        assert "this Idempotency-Key was used for another request" in other.get_json()["message"]
    assert _count() == before


def test_a_form_token_stored_before_the_deploy_is_not_saved_twice(leader, north):
    team, week = north
    client = m.client_of("advisor1")
    url, later_url = f"/rota/t/{team.id}/{week}/requests/new", f"/rota/t/{team.id}/{week + timedelta(days=7)}/requests/new"
    page = leader.get(url).get_data(as_text=True)
    kind = next(v for v, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', page) if "ollow" in label)
    token = _token(page)
    data = {"client": client.reference, "type": kind, "windows": "tue 09:00-12:00", "pinned_advisor": 0,
            "submission": token}
    assert leader.post(url, data=data).status_code in (302, 303)
    row = _only_row(f"form:{token}")
    row.key = f"form:{token}"  # as the older code kept it, with its URL's hash as the fingerprint (now the entries')
    row.fingerprint = hashlib.sha256(url.encode()).hexdigest()
    db.session.commit()
    before = _count()
    again = leader.post(url, data=data)
    assert again.status_code == 303 and "sent twice" in leader.get(again.headers["Location"]).get_data(as_text=True)
    assert _count() == before
    # The older row is its own URL's: the token sent to next week's form saves there, as for a row stored now.
    assert leader.post(later_url, data=data).status_code in (302, 303)
    assert _count() == before + 1


def test_a_desk_nonce_stored_before_the_deploy_books_once(demo_client, demo_auth):
    demo_auth.login("leader")
    client = m.client_of("advisor1")
    text = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form()).get_data(as_text=True)
    start = re.search(r'name="start" value="([^"]+)"', text).group(1)
    advisor = re.search(r'name="advisor" value="([^"]+)"', text).group(1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', text).group(1)
    form = d.form(advisor=advisor, start=start, nonce=nonce)

    def booked() -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count(AppointmentRequest.id)).where(
            AppointmentRequest.client_id == client.id, AppointmentRequest.week_start == d.week(),
            AppointmentRequest.booked_at.is_not(None)))

    before = booked()
    assert demo_client.post(f"/desk/clients/{client.id}/book", data=form).status_code == 302
    assert booked() == before + 1
    row = _only_row("desk-form:")
    assert row.key == f"desk-form:{client.id}:{nonce}"
    row.key = f"desk-form:{nonce}"  # as the older code kept it
    db.session.commit()
    again = demo_client.post(f"/desk/clients/{client.id}/book", data=form, follow_redirects=True)
    assert again.status_code == 200 and "sent twice" in again.get_data(as_text=True)
    assert booked() == before + 1


def test_a_desk_nonce_stored_before_the_deploy_is_new_for_another_client(demo_client, demo_auth):
    """The older row holds no client: its answer names the client it booked, so another client's Book with the
    same nonce (a page of one client's offers posted to another's) books there, as for a row stored now."""
    demo_auth.login("leader")

    def offer(client) -> tuple[str, str, str]:
        text = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form()).get_data(as_text=True)
        return tuple(re.search(rf'name="{n}" value="([^"]+)"', text).group(1) for n in ("start", "advisor", "nonce"))

    def booked(client) -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count(AppointmentRequest.id)).where(
            AppointmentRequest.client_id == client.id, AppointmentRequest.booked_at.is_not(None)))

    first, other = m.client_of("advisor1"), m.client_of("advisor2")
    start, advisor, nonce = offer(first)
    assert demo_client.post(f"/desk/clients/{first.id}/book",
                            data=d.form(advisor=advisor, start=start, nonce=nonce)).status_code == 302
    row = _only_row("desk-form:")
    row.key = f"desk-form:{nonce}"  # as the older code kept it
    db.session.commit()
    start, advisor, _ = offer(other)
    before = booked(other)
    sent = demo_client.post(f"/desk/clients/{other.id}/book", data=d.form(advisor=advisor, start=start, nonce=nonce),
                            follow_redirects=True)
    assert sent.status_code == 200 and "sent twice" not in sent.get_data(as_text=True)
    assert booked(other) == before + 1


def test_an_api_row_with_the_older_fingerprint_created_since_the_deploy_is_not_a_retry(api):
    """Only a row created before DEPLOYED_AT can hold the body-only fingerprint: one created since (the same
    key sent with the body alone fingerprinted, as no code since writes) is another request's, a 422."""
    body = _good(_week())
    _as_before_the_deploy(api, body, "old-key-3")
    row = _only_row("request:" + hashlib.sha256(b"old-key-3").hexdigest())
    row.created_at = idempotency.DEPLOYED_AT + timedelta(minutes=1)
    db.session.commit()
    before = _count()
    with at(idempotency.DEPLOYED_AT + timedelta(minutes=2)):
        again = api.post(URL, team_id=m.team("north").id, week=_week(), json=body,
                         headers={"Idempotency-Key": "old-key-3"})
    assert again.status_code == 422, again.get_json()
    assert "this Idempotency-Key was used for another request" in again.get_json()["message"]
    assert _count() == before


def test_a_retry_waiting_on_a_first_send_that_fails_gets_a_409_not_a_500(api, demo_client):
    """The retry waits for the first send's answer; that send fails and rolls back, taking its claim with it.
    The retry read the vanished row's `body` (AttributeError on None: a 500); it now says the first was not saved."""
    import threading
    import time

    body = _good(_week())
    key = "gone-key-1"
    first = api.post(URL, team_id=m.team("north").id, week=_week(), json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.get_json()
    row = _only_row("request:" + hashlib.sha256(key.encode()).hexdigest())
    row.body = {}  # as while the first send is still being saved
    db.session.commit()
    row_id = row.id

    def first_send_fails():
        time.sleep(0.5)
        with demo_client.application.app_context():
            db.session.execute(IdempotencyKey.__table__.delete().where(IdempotencyKey.id == row_id))
            db.session.commit()

    failing = threading.Thread(target=first_send_fails)
    failing.start()
    retry = api.post(URL, team_id=m.team("north").id, week=_week(), json=body, headers={"Idempotency-Key": key})
    failing.join()
    assert retry.status_code == 409, (retry.status_code, retry.get_data(as_text=True)[:300])
    assert "was not saved" in json.dumps(retry.get_json())
    again = api.post(URL, team_id=m.team("north").id, week=_week(), json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 201, again.get_json()  # the key is free: the send goes through
