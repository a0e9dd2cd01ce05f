"""Hostile-user checks of the 1 Dec changes (type codes on every path, renaming users, admin code races, midnight as
24:00): each test here failed before the fix it names.

Codes: a stored code is keyed the same way (stripped of any white space, lower-cased) on every path. SQL's trim
strips only spaces and SQLite's lower() only ASCII letters, so a code stored with a tab was found by the CSV and
refused by the API, and the admin let a second code of that key be added beside it; skills had the same holes,
and the API and the CSV took different skills of one key."""
from __future__ import annotations

import io

from sqlalchemy import func, insert, select, update

from caseload.extensions import db
from caseload.models import AppointmentType, Client, Skill
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient
from tests.web.test_type_codes import _request_body, _restore_code, _type_form


# --- codes: one key on every path --------------------------------------------------------------------------------

def test_the_requests_api_finds_a_type_code_stored_with_a_tab_as_the_csv_does(demo_client):
    _restore_code("follow-up", "Follow-up\t")
    api = ApiClient(demo_client, "leader")
    week = d.week()
    created = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=m.team("north").id, week=week,
                       json=_request_body(week, "follow-up"))
    assert created.status_code == 201, created.get_json()  # was 422 "no active appointment type"


def test_the_admin_refuses_a_type_code_beside_one_stored_with_a_no_break_space(demo_client, demo_auth):
    demo_auth.login("admin")
    _restore_code("follow-up", "follow-up\u00a0")
    dup = demo_client.post("/admin/types", data=_type_form(code="follow-up", name="Follow-up again"))
    page = dup.get_data(as_text=True)
    assert dup.status_code == 400 and "There is already an appointment type with code follow-up" in page, page[-2000:]
    assert db.session.scalar(select(func.count(AppointmentType.id)).where(AppointmentType.code.like("follow-up%"))) == 1


def test_the_admin_refuses_a_skill_code_beside_one_stored_with_a_space_and_capital(demo_client, demo_auth):
    demo_auth.login("admin")
    db.session.execute(update(Skill).where(Skill.code == "debt").values(code="Debt "))
    db.session.commit()
    dup = demo_client.post("/admin/skills", data={"code": "DEBT", "name": "Debt again"})
    page = dup.get_data(as_text=True).replace("&#39;", "'")
    assert dup.status_code == 400 and "There is already a skill with code debt" in page, page[-2000:]
    # A code made from the name steps past it, as it steps past an exact one.
    made = demo_client.post("/admin/skills", data={"code": "", "name": "Debt"})
    assert made.status_code == 302, made.get_data(as_text=True)[-2000:]
    assert db.session.scalar(select(Skill.code).where(Skill.name == "Debt")) == "debt-2"


def test_the_api_and_the_clients_csv_take_the_same_skill_of_one_key(demo_client, leader, north):
    team, _ = north
    first = db.session.scalar(select(Skill.id).where(Skill.code == "debt"))
    db.session.execute(insert(Skill).values(code="Debt ", name="Debt (old import)"))  # a later one of that key
    db.session.commit()
    body = b"reference,name,named_advisor,need,complexity\nZS201,Sam Debt,,DEBT,1\n"
    response = leader.post(f"/rota/t/{team.id}/import/clients", data={"file": (io.BytesIO(body), "c.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert db.session.scalar(select(Client).where(Client.reference == "ZS201")).need_id == first  # was the later
    api = ApiClient(demo_client, "leader")
    client = m.client_of("advisor1")
    patched = api.patch("/clients/{client_id}", client_id=client.id, json={"version": client.version_id, "need": "debt"})
    assert patched.status_code == 200, patched.get_json()
    db.session.expire_all()
    assert db.session.get(Client, client.id).need_id == first
