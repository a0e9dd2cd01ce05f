"""Faults a hostile user found (session 10): a garbled weights version saved blind, a date or time that is not one
answered "This field is required.", a hand-made booking start echoed whole, a request body of any size read and
parsed whole, and the API repeating one field's message once per schema branch."""
from __future__ import annotations

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import WeightProfile
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


def test_a_garbled_weights_version_is_a_stale_one_not_a_blind_save(demo_client, demo_auth):
    demo_auth.login("admin")
    demo_client.get("/admin/weights")
    before = db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True))).as_weights()
    posted = {"assigned": 1, "continuity": 2, "protected": 3, "separation": 4, "disruption": 5}
    garbled = demo_client.post("/admin/weights", data={**posted, "version": "abc"})
    assert garbled.status_code == 409 and "Nothing was saved" in _text(garbled)
    db.session.expire_all()
    assert db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True))).as_weights() == before


def test_a_typed_date_or_time_that_is_not_one_says_so(demo_client, demo_auth):
    demo_auth.login("advisor1")
    once = demo_client.post("/me/time/once", data={"on": "2026-02-30", "start": "10:00", "end": "12:00"})
    assert once.status_code == 400 and "'2026-02-30': Not a valid date value." in _text(once)
    assert "This field is required" not in _text(once)
    weekly = demo_client.post("/me/time/weekly", data={"day": "1", "start": "25:00", "end": "12:00"})
    assert weekly.status_code == 400 and "'25:00': Not a valid time value." in _text(weekly)
    empty = demo_client.post("/me/time/once", data={"on": "", "start": "10:00", "end": "12:00"})
    assert empty.status_code == 400 and "This field is required." in _text(empty)  # nothing typed: required


def test_a_hand_made_booking_start_is_not_echoed_whole(demo_client, demo_auth):
    d.publish_week()
    demo_auth.login("leader")
    client = m.client_of("advisor1")
    garbage = "x" * 5000
    page = demo_client.post(f"/desk/clients/{client.id}/book", data={**d.form(windows="thu 09:00-17:00"),
                                                                    "advisor": "1", "start": garbage})
    assert page.status_code == 400 and '"' + "x" * 40 + '…" is not a time' in _text(page)
    assert "x" * 41 not in _text(page).replace(garbage, "")  # the form's own hidden field keeps it, nothing else


def test_a_request_body_larger_than_the_app_takes_is_refused_before_it_is_read(demo_client):
    headers = {**m.issue_token("leader"), "Idempotency-Key": "big-1"}
    huge = b'{"a": "' + b"x" * (17 * 1024 * 1024) + b'"}'
    answer = demo_client.post("/api/v1/bookings", data=huge, content_type="application/json", headers=headers)
    assert answer.status_code == 413 and answer.get_json()["error"] == "Request Entity Too Large"


def test_the_api_says_a_fields_message_once(demo_client):
    headers = {**m.issue_token("leader"), "Idempotency-Key": "once-1"}
    answer = demo_client.post("/api/v1/bookings", json={"a": 1}, headers=headers)
    fields = answer.get_json()["fields"]
    assert answer.status_code == 422 and all(len(said) == len(set(said)) for said in fields.values()), fields
