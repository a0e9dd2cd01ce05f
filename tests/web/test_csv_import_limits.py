"""CSV import against the database's own limits: a value longer than its column is refused naming the line and
column (not cut short, not a 500 on PostgreSQL), the API's own time format is read, and blank lines above the
header are skipped. Runs on SQLite and on PostgreSQL (CASELOAD_TEST_POSTGRES=1)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import Advisor, AppointmentRequest, Client
from caseload.services.rota import csv_import
from tests.conftest import POSTGRES

CLIENTS_HEADER = "reference,name,named_advisor,need,complexity\n"
REQUESTS_HEADER = "client,type,duration_minutes,windows,pinned_advisor,pinned_start,purpose\n"


def _upload(client, url, body: str):
    return client.post(url, data={"file": (io.BytesIO(body.encode()), "upload.csv")},
                       content_type="multipart/form-data")


def _count(model, team):
    return db.session.scalar(select(func.count(model.id)).where(model.team_id == team.id))


def _reference(team):
    return db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.id)).first().reference


def test_the_limits_are_the_model_columns_lengths():
    assert csv_import.CLIENT_LENGTHS == {"reference": Client.__table__.c.reference.type.length,
                                         "name": Client.__table__.c.name.type.length}
    assert csv_import.REQUEST_LENGTHS == {"purpose": AppointmentRequest.__table__.c.purpose.type.length}


def test_a_purpose_longer_than_its_column_is_refused_naming_the_line(leader, north):
    """300 characters: stored whole in a VARCHAR(200) on SQLite, a DataError (500) on PostgreSQL; the form and
    the API refuse more than 200."""
    team, week = north
    ref = _reference(team)
    body = (REQUESTS_HEADER + f"{ref},follow-up,30,tue 09:00-12:00,,,{'p' * 200}\n"
            f"{ref},follow-up,30,wed 09:00-12:00,,,{'p' * 300}\n")
    before = _count(AppointmentRequest, team)
    response = _upload(leader, f"/rota/t/{team.id}/{week}/import/requests", body)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>3</td><td>purpose</td>" in page and "longer than 200 characters (it has 300)" in page
    assert "<td>2</td>" not in page  # exactly 200 fits
    assert _count(AppointmentRequest, team) == before


@pytest.mark.parametrize("column, value, limit", [("name", "N" * 121, 120), ("reference", "R" * 41, 40)])
def test_a_client_value_longer_than_its_column_is_refused_not_cut(leader, north, column, value, limit):
    """The name was cut to 120 characters without a word, while the client form refuses 121."""
    team, _ = north
    row = {"reference": "Z0701", "name": "Zed Long", column: value}
    body = CLIENTS_HEADER + f"{row['reference']},{row['name']},,,1\nZ0702,Fits {'x' * 115},,,1\n"
    before = _count(Client, team)
    response = _upload(leader, f"/rota/t/{team.id}/import/clients", body)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"<td>2</td><td>{column}</td>" in page and f"longer than {limit} characters (it has {limit + 1})" in page
    assert "<td>3</td>" not in page  # 120 characters fit
    assert _count(Client, team) == before


def test_an_existing_clients_name_too_long_is_refused_on_update(leader, north):
    team, _ = north
    client = db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.id)).first()
    name = client.name
    response = leader.post(f"/rota/t/{team.id}/import/clients", content_type="multipart/form-data", data={
        "file": (io.BytesIO((CLIENTS_HEADER + f"{client.reference},{'N' * 150},,,1\n").encode()), "u.csv"),
        "replace": "y"})
    assert response.status_code == 400 and "<td>2</td><td>name</td>" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Client, client.id).name == name


@pytest.mark.skipif(not POSTGRES, reason="SQLite stores a longer value whole; only PostgreSQL refuses it")
def test_a_value_the_database_refuses_is_a_clear_400_and_nothing_is_written(leader, north, monkeypatch):
    """The last line of defence: with the length check gone (a limit the checks miss), PostgreSQL's DataError is
    a 400 saying nothing was imported, not a 500."""
    team, week = north
    monkeypatch.setitem(csv_import.REQUEST_LENGTHS, "purpose", None)
    monkeypatch.setitem(csv_import.CLIENT_LENGTHS, "name", None)
    ref = _reference(team)
    before = _count(AppointmentRequest, team)
    response = _upload(leader, f"/rota/t/{team.id}/{week}/import/requests",
                       REQUESTS_HEADER + f"{ref},follow-up,30,tue 09:00-12:00,,,{'p' * 300}\n")
    assert response.status_code == 400 and "nothing was imported" in response.get_data(as_text=True)
    assert _count(AppointmentRequest, team) == before
    clients = _count(Client, team)
    response = _upload(leader, f"/rota/t/{team.id}/import/clients", CLIENTS_HEADER + f"Z0801,{'N' * 121},,,1\n")
    assert response.status_code == 400 and "nothing was imported" in response.get_data(as_text=True)
    assert _count(Client, team) == clients


def test_pinned_start_in_the_apis_own_format_is_read(leader, north):
    """"2026-12-01 10:00" was read and the API's "2026-12-01T10:00" refused."""
    team, week = north
    client = db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.id)).first()
    advisor = next(a for a in db.session.scalars(select(Advisor).where(Advisor.team_id == team.id).order_by(Advisor.id))
                   if a.does_support and (client.need is None or client.need.code in a.skill_codes))
    body = REQUESTS_HEADER + f"{client.reference},follow-up,30,{week} 09:00-17:00,{advisor.name},{week}T10:00,\n"
    before = _count(AppointmentRequest, team)
    response = _upload(leader, f"/rota/t/{team.id}/{week}/import/requests", body)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _count(AppointmentRequest, team) == before + 1
    made = db.session.scalars(select(AppointmentRequest).order_by(AppointmentRequest.id.desc())).first()
    assert made.pinned_advisor_id == advisor.id
    assert to_local(made.pinned_start, team.timezone).strftime("%Y-%m-%d %H:%M") == f"{week} 10:00"


@pytest.mark.parametrize("blank", ["\n", "\r\n\r\n", " , \n"])
def test_blank_lines_before_the_header_are_skipped(leader, north, blank):
    """They gave "Missing columns: reference, name" although the header was there."""
    team, _ = north
    before = _count(Client, team)
    response = _upload(leader, f"/rota/t/{team.id}/import/clients", blank + CLIENTS_HEADER + "Z0901,Blank Above,,,1\n")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _count(Client, team) == before + 1


def test_a_column_named_twice_is_said_on_the_headers_own_line(leader, north):
    team, _ = north
    response = _upload(leader, f"/rota/t/{team.id}/import/clients", "\n\nreference,name,name\nZ1,A,B\n")
    assert response.status_code == 400 and "Line 3: the column name is named more than once" in response.get_data(as_text=True)
