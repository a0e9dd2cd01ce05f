"""Appointment-type codes are matched by one key on every path (services/rota/type_codes: spaces and case ignored):
" Follow-Up " names the type "follow-up" in the API's requests and bookings and in the requests CSV, a code stored
with a stray space or capital before the rule is found by its key, an unknown code is still refused naming the
field or row, and the admin cannot add a second code of one key."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from sqlalchemy import func, select, update

from caseload.extensions import db
from caseload.models import AppointmentRequest, AppointmentType, Client
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient


def _restore_code(code: str, stored: str) -> None:
    """Write `stored` as the type `code`'s code, as an older import or a hand edit could have."""
    db.session.execute(update(AppointmentType).where(AppointmentType.code == code).values(code=stored))
    db.session.commit()


def _request_body(week, type_code: str) -> dict:
    tuesday = week + timedelta(days=1)
    return {"client_id": m.client_of("advisor1").id, "type": type_code, "duration_minutes": 30,
            "windows": [{"start": f"{tuesday}T09:00", "end": f"{tuesday}T12:00"}]}


def test_the_requests_api_takes_a_padded_upper_case_type_code(demo_client):
    api = ApiClient(demo_client, "leader")
    week, team = d.week(), m.team("north")
    created = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week,
                       json=_request_body(week, " Follow-Up "))
    assert created.status_code == 201, created.get_json()
    assert db.session.get(AppointmentRequest, created.get_json()["id"]).type.code == "follow-up"
    unknown = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week,
                       json=_request_body(week, "Astrology"))
    assert unknown.status_code == 422 and "type" in unknown.get_json()["fields"], unknown.get_json()


@pytest.mark.parametrize("stored", ["Follow-up ", "Follow-up\t"])  # a tab: SQL trim() kept it, a 422 before cda2f1a
def test_the_requests_api_finds_a_code_stored_with_a_stray_space_or_tab(demo_client, stored):
    _restore_code("follow-up", stored)
    api = ApiClient(demo_client, "leader")
    week = d.week()
    created = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=m.team("north").id, week=week,
                       json=_request_body(week, "follow-up"))
    assert created.status_code == 201, created.get_json()


def _ask(type_code: str) -> dict:
    week = d.week()
    friday = week + timedelta(days=4)
    return {"client_id": m.client_of("advisor1").id, "type": type_code, "week": week.isoformat(),
            "windows": [{"start": f"{friday}T09:00", "end": f"{friday}T17:00"}]}


def test_the_booking_api_takes_a_padded_upper_case_type_code(demo_client, demo_app):
    d.publish_week()
    api = ApiClient(demo_client, "leader")
    north = m.team("north").id
    offers = api.post("/teams/{team_id}/offers", team_id=north, json=_ask("FOLLOW-UP "))
    assert offers.status_code == 200, offers.get_json()
    offer = offers.get_json()["offers"][0]
    booked = api.post("/bookings", json={**_ask(" Follow-up"), "advisor_id": offer["advisor_id"],
                                         "start": offer["start"]}, headers={"Idempotency-Key": "type-codes-1"})
    assert booked.status_code == 201, booked.get_json()
    assert booked.get_json()["type"] == "follow-up"
    unknown = api.post("/teams/{team_id}/offers", team_id=north, json=_ask("Astrology"))
    assert unknown.status_code == 422 and "type" in unknown.get_json()["fields"], unknown.get_json()


def _count() -> int:
    return db.session.scalar(select(func.count(AppointmentRequest.id)))


def test_the_requests_csv_finds_a_code_stored_with_a_stray_space_by_any_spelling(leader, north):
    team, week = north
    _restore_code("short-contact", "Short-Contact ")
    first, second = db.session.scalars(select(Client).where(Client.team_id == team.id, Client.erased_at.is_(None))
                                       .order_by(Client.id).limit(2)).all()
    rows = (f"{first.reference}, SHORT-CONTACT ,15,tue 09:00-12:00\n"
            f"{second.reference},short-contact,15,tue 09:00-12:00\n")
    body = ("client,type,duration_minutes,windows\n" + rows + f"{first.reference},astrology,15,tue 09:00-12:00\n")
    before = _count()
    url = f"/rota/t/{team.id}/{week.isoformat()}/import/requests"
    refused = leader.post(url, data={"file": (io.BytesIO(body.encode()), "r.csv")}, content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "<td>4</td><td>type</td>" in page, page[-3000:]
    assert "<td>2</td>" not in page and "<td>3</td>" not in page  # both spellings name the stored "Short-Contact "
    assert _count() == before
    good = ("client,type,duration_minutes,windows\n" + rows).encode()
    saved = leader.post(url, data={"file": (io.BytesIO(good), "r.csv")}, content_type="multipart/form-data")
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]
    assert _count() == before + 2


def _type_form(**over) -> dict:
    return {"code": "home-visit", "name": "Home visit", "kind": "support", "skill": 0, "default_minutes": 60,
            "active": "y", **over}


def test_the_admin_saves_a_type_code_by_its_key_and_refuses_a_second_of_one_key(demo_client, demo_auth):
    demo_auth.login("admin")
    assert demo_client.post("/admin/types", data=_type_form(code=" Home-Visit ")).status_code == 302
    assert db.session.scalar(select(AppointmentType.code).where(AppointmentType.name == "Home visit")) == "home-visit"
    _restore_code("follow-up", "Follow-up ")  # stored before the rule
    dup = demo_client.post("/admin/types", data=_type_form(code="FOLLOW-UP", name="Follow-up again"))
    page = dup.get_data(as_text=True)
    assert dup.status_code == 400 and "Code:" in page and "There is already an appointment type with code follow-up" \
        in page, page[-3000:]
    assert db.session.scalar(select(func.count(AppointmentType.id)).where(
        func.lower(func.trim(AppointmentType.code)) == "follow-up")) == 1
