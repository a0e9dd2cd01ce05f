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
    garbled = demo_client.post("/admin/weights", data={**posted, "version": "abc", "confirm": "every-team"})
    assert garbled.status_code == 409 and "Nothing was saved" in _text(garbled)
    db.session.expire_all()
    assert db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True))).as_weights() == before


def test_a_typed_date_or_time_that_is_not_one_says_so(demo_client, demo_auth):
    demo_auth.login("advisor1")
    once = demo_client.post("/me/time/once", data={"on": "2026-02-30", "start": "10:00", "end": "12:00"})
    assert once.status_code == 400 and "'2026-02-30': Not a valid date value." in _text(once)
    assert "This field is required" not in _text(once)
    weekly = demo_client.post("/me/time/weekly", data={"day": "1", "start": "25:00", "end": "12:00"})
    assert weekly.status_code == 400 and "'25:00': Not a time: give a 24-hour time as HH:MM, e.g. 14:30." in _text(weekly)
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


def test_an_admin_form_opened_before_a_colleagues_save_does_not_write_its_old_values_back(demo_client, demo_auth):
    """Admin A opens advisor2's account; admin B deactivates it; A saves a new display name with the form as it
    was (active ticked): the account was switched on again. Now A's save is a 409 and nothing is written; the
    same for teams, skills and appointment types (each form names the edit version it was opened at)."""
    from caseload.models import AppointmentType, Skill, Team, User

    demo_auth.login("admin")
    target = m.user("advisor2")
    page = _text(demo_client.get(f"/admin/users/{target.id}"))
    assert 'name="version" type="hidden" value="1"' in page
    fields = {"display_name": target.display_name, "role": "advisor", "advisor": str(target.advisor.id)}
    off = demo_client.post(f"/admin/users/{target.id}", data={**fields, "version": "1"})  # B: active unticked
    assert off.status_code == 302
    stale = demo_client.post(f"/admin/users/{target.id}", data={**fields, "display_name": "Renamed",
                                                                "active": "y", "version": "1"})
    assert stale.status_code == 409 and "This account was changed since you opened the form" in _text(stale)
    db.session.expire_all()
    again = db.session.get(User, target.id)
    assert again.active is False and again.display_name != "Renamed"
    north = m.team("north")
    team_fields = {"name": north.name, "timezone": north.timezone, "leader": str(north.leader_id)}
    assert demo_client.post(f"/admin/teams/{north.id}", data={**team_fields, "version": "1"}).status_code == 302
    assert demo_client.post(f"/admin/teams/{north.id}", data={**team_fields, "name": "n2", "version": "1"}).status_code == 409
    skill = db.session.scalar(select(Skill).order_by(Skill.id))
    assert demo_client.post(f"/admin/skills/{skill.id}", data={"code": skill.code, "name": "A", "version": "1"}).status_code == 302
    assert demo_client.post(f"/admin/skills/{skill.id}", data={"code": skill.code, "name": "B", "version": "1"}).status_code == 409
    kind = db.session.scalar(select(AppointmentType).where(AppointmentType.code == "follow-up"))
    type_fields = {"code": kind.code, "name": kind.name, "kind": kind.kind, "skill": str(kind.skill_id or 0),
                   "default_minutes": str(kind.default_minutes), "active": "y"}
    assert demo_client.post(f"/admin/types/{kind.id}", data={**type_fields, "version": "1"}).status_code == 302
    assert demo_client.post(f"/admin/types/{kind.id}", data={**type_fields, "active": "", "version": "1"}).status_code == 409
    db.session.expire_all()
    assert (db.session.get(Team, north.id).name, db.session.get(Skill, skill.id).name,
            db.session.get(AppointmentType, kind.id).active) == (north.name, "A", True)
