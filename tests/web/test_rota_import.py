"""CSV import: all-or-nothing, every bad row listed with its line and column, encodings, empty files."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import Advisor, AppointmentRequest, Client


def _upload(client, url, body: bytes, **extra):
    return client.post(url, data={"file": (io.BytesIO(body), "upload.csv"), **extra},
                       content_type="multipart/form-data")


def _count(model, team):
    return db.session.scalar(select(func.count(model.id)).where(model.team_id == team.id))


def _advisor_name(team):
    return db.session.scalars(select(Advisor).where(Advisor.team_id == team.id).order_by(Advisor.id)).first().name


def test_good_clients_file_with_bom_imports_every_row(leader, north):
    team, _ = north
    name = _advisor_name(team)
    body = ("\ufeffreference,name,named_advisor,need,complexity\r\n"
            f"Z0001,Zoë Ångström,{name},debt,2\r\nZ0002,\"Smith, Jo\",,housing,\r\n").encode("utf-8")
    before = _count(Client, team)
    response = _upload(leader, f"/rota/t/{team.id}/import/clients", body)
    assert response.status_code == 302
    assert _count(Client, team) == before + 2
    zoe = db.session.scalar(select(Client).where(Client.reference == "Z0001"))
    assert zoe.name == "Zoë Ångström" and zoe.named_advisor.name == name and zoe.complexity == 2
    assert db.session.scalar(select(Client).where(Client.reference == "Z0002")).named_advisor is None


def test_bad_clients_file_changes_nothing_and_lists_every_bad_row(leader, north):
    team, _ = north
    existing = db.session.scalars(select(Client).where(Client.team_id == team.id)).first().reference
    body = ("reference,name,named_advisor,need,complexity\n"
            "Z0101,Good Row,,debt,1\n"
            "Z0102,,Nobody Here,debt,1\n"
            "Z0103,Bad Need,,astrology,5\n"
            "Z0101,Duplicate,,debt,1\n"
            f"{existing},Already There,,debt,1\n").encode()
    before = _count(Client, team)
    response = _upload(leader, f"/rota/t/{team.id}/import/clients", body)
    assert response.status_code == 400
    page = response.data.decode()
    assert "Nothing was imported" in page
    for line, column in [(3, "name"), (3, "named_advisor"), (4, "need"), (4, "complexity"), (5, "reference"), (6, "reference")]:
        assert f"<td>{line}</td><td>{column}</td>" in page, (line, column)
    assert "<td>2</td>" not in page  # the good row is not listed
    assert _count(Client, team) == before
    assert db.session.scalar(select(Client).where(Client.reference == "Z0101")) is None


@pytest.mark.parametrize("body, message", [
    (b"", "The file is empty"),
    (b"  \r\n", "The file is empty"),
    (b"reference,name\n", "no rows"),
    (b"reference,need\nZ1,debt\n", "Missing column: name"),
    ("reference,name\nZ1,Zoë\n".encode("cp1252"), "not UTF-8 text"),
    ("reference,name\nZ1,Zoë\n".encode("utf-16"), "UTF-16"),
    # Named twice: the second column's value was imported without a word.
    (b"reference,Reference,name\nZ1,Z2,Zoe\n", "the column reference is named more than once"),
])
def test_unreadable_files_are_refused_with_a_clear_message(leader, north, body, message):
    team, _ = north
    before = _count(Client, team)
    response = _upload(leader, f"/rota/t/{team.id}/import/clients", body)
    assert response.status_code == 400 and message in response.data.decode()
    assert _count(Client, team) == before


def test_template_download_matches_the_documented_columns(leader, north):
    team, week = north
    clients = leader.get(f"/rota/t/{team.id}/import/clients/template.csv")
    assert clients.mimetype == "text/csv"
    assert clients.data.decode().splitlines()[0] == "reference,name,named_advisor,need,complexity"
    requests = leader.get(f"/rota/t/{team.id}/{week}/import/requests/template.csv").data.decode()
    assert requests.splitlines()[0].startswith("client,type,duration_minutes,windows")
    page = leader.get(f"/rota/t/{team.id}/{week}/import/requests").data.decode()
    assert "pinned_start" in page and "Download a template" in page


def test_good_requests_file(leader, north):
    team, week = north
    clients = db.session.scalars(select(Client).where(Client.team_id == team.id).limit(2)).all()
    refs = [c.reference for c in clients]
    # Pinned to an advisor who can see this client (a pin to one without the skill is refused: issue 12, kind 4).
    name = next(a.name for a in db.session.scalars(select(Advisor).where(Advisor.team_id == team.id).order_by(Advisor.id))
                if a.does_support and clients[1].need.code in a.skill_codes)
    body = ("client,type,duration_minutes,windows,pinned_advisor,pinned_start,purpose\n"
            f"{refs[0]},follow-up,45,mon 09:00-12:00; wed 13:00-17:00,,,check in\n"
            f"{refs[1]},first-meeting,,{week.isoformat()} 09:00-17:00,{name},mon 10:00,\n").encode()
    before = _count(AppointmentRequest, team)
    response = _upload(leader, f"/rota/t/{team.id}/{week}/import/requests", body)
    assert response.status_code == 302
    assert _count(AppointmentRequest, team) == before + 2
    made = db.session.scalars(select(AppointmentRequest).order_by(AppointmentRequest.id.desc()).limit(2)).all()
    pinned = next(r for r in made if r.pinned_advisor_id)
    assert pinned.duration_minutes == 60  # the type's default
    assert to_local(pinned.pinned_start, team.timezone).strftime("%a %H:%M") == "Mon 10:00"
    other = next(r for r in made if not r.pinned_advisor_id)
    assert [to_local(w.starts_at, team.timezone).strftime("%a %H:%M") for w in other.windows] == ["Mon 09:00", "Wed 13:00"]


def test_bad_requests_file_changes_nothing(leader, north):
    team, week = north
    ref = db.session.scalars(select(Client).where(Client.team_id == team.id)).first().reference
    body = ("client,type,duration_minutes,windows,pinned_advisor,pinned_start\n"
            f"{ref},follow-up,30,tue 09:00-12:00,,\n"
            f"NOPE,follow-up,30,tue 09:00-12:00,,\n"
            f"{ref},tea-party,50,someday,,\n"
            f"{ref},follow-up,30,tue 09:00-12:00,,\n"
            f"{ref},follow-up,30,2031-01-01 09:00-10:00,,tue 10:00\n").encode()
    before = _count(AppointmentRequest, team)
    response = _upload(leader, f"/rota/t/{team.id}/{week}/import/requests", body)
    page = response.data.decode()
    assert response.status_code == 400
    for line, column in [(3, "client"), (4, "type"), (4, "duration_minutes"), (4, "windows"), (5, "—"),
                         (6, "windows"), (6, "pinned_start")]:
        assert f"<td>{line}</td><td>{column}</td>" in page, (line, column)
    assert _count(AppointmentRequest, team) == before


@pytest.mark.parametrize("weeks_ahead", [0, 3])
def test_the_request_import_pages_dated_examples_are_in_its_own_week(leader, north, weeks_ahead):
    """The column notes give dated examples ("<date> 09:00-17:00", "<date> 10:00"): on the week's Tuesday, so
    an example copied from the page imports in that week (they were fixed at 2026-11-24)."""
    from datetime import timedelta

    team, week = north
    week = week + timedelta(weeks=weeks_ahead)
    page = leader.get(f"/rota/t/{team.id}/{week}/import/requests").get_data(as_text=True)
    tuesday = (week + timedelta(days=1)).isoformat()
    assert f"{tuesday} 09:00-17:00" in page and f"{tuesday} 10:00" in page
    client = db.session.scalars(select(Client).where(Client.team_id == team.id)).first()
    body = f"client,type,windows\n{client.reference},follow-up,{tuesday} 09:00-17:00\n".encode()
    assert _upload(leader, f"/rota/t/{team.id}/{week}/import/requests", body).status_code == 302
