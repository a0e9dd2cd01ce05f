"""Codes and names typed on more than one path are matched the same way on each: a skill code by its key
(services/people/skill_codes: spaces and case ignored) in the API's client need and the clients CSV; an
advisor named in a CSV by a name that is also their username is that one advisor, not "more than one"."""
from __future__ import annotations

import io

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Advisor, Client
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient


def _upload(client, url, body: bytes):
    return client.post(url, data={"file": (io.BytesIO(body), "upload.csv")}, content_type="multipart/form-data")


def test_the_api_takes_a_skill_code_as_the_csv_does(demo_client):
    api = ApiClient(demo_client, "leader")
    client = m.client_of("advisor1")
    response = api.patch("/clients/{client_id}", client_id=client.id,
                         json={"version": client.version_id, "need": "Debt "})
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert db.session.get(Client, client.id).need.code == "debt"


def test_an_unknown_skill_code_is_still_a_422_naming_need(demo_client):
    api = ApiClient(demo_client, "leader")
    client = m.client_of("advisor1")
    version = client.version_id
    response = api.patch("/clients/{client_id}", client_id=client.id, json={"version": version, "need": "Astrology"})
    assert response.status_code == 422 and "need" in response.get_json()["fields"], response.get_json()
    assert "Astrology" in response.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Client, client.id).version_id == version


def test_the_clients_csv_takes_a_skill_code_in_any_case(leader, north):
    team, _ = north
    body = b'reference,name,named_advisor,need,complexity\nZS001,Sam Debt,," Debt ",1\nZS002,Bo Bad,,astrology,1\n'
    refused = _upload(leader, f"/rota/t/{team.id}/import/clients", body)
    assert refused.status_code == 400 and "<td>3</td><td>need</td>" in refused.data.decode()
    assert "<td>2</td>" not in refused.data.decode()  # " Debt " is the skill debt
    assert _upload(leader, f"/rota/t/{team.id}/import/clients", body.split(b"ZS002")[0]).status_code == 302
    assert db.session.scalar(select(Client).where(Client.reference == "ZS001")).need.code == "debt"


def test_an_advisor_whose_name_is_their_username_is_found_once(leader, north):
    team, _ = north
    advisor = db.session.scalars(select(Advisor).where(Advisor.team_id == team.id, Advisor.user_id.is_not(None))
                                 .order_by(Advisor.id)).first()
    advisor.name = advisor.user.username
    db.session.commit()
    body = f"reference,name,named_advisor,need,complexity\nZS101,Kim Lee,{advisor.user.username.upper()},,1\n".encode()
    response = _upload(leader, f"/rota/t/{team.id}/import/clients", body)
    assert response.status_code == 302, response.data.decode()[-2000:]
    assert db.session.scalar(select(Client).where(Client.reference == "ZS101")).named_advisor_id == advisor.id
