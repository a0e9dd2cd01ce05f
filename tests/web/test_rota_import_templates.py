"""The CSV import templates import as they are: a leader who downloads the template from the import
page and uploads it unchanged gets every example row imported (for each team, not just the first)."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import AppointmentRequest, Client, Team


def _template_from_page(client, page_url: str) -> bytes:
    page = client.get(page_url)
    assert page.status_code == 200
    link = re.search(r'<a href="([^"]+)">Download a template</a>', page.data.decode()).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    return download.data


def _upload(client, url: str, body: bytes):
    return client.post(url, data={"file": (io.BytesIO(body), "template.csv")}, content_type="multipart/form-data")


def _count(model, team) -> int:
    return db.session.scalar(select(func.count(model.id)).where(model.team_id == team.id))


@pytest.mark.parametrize("team_name, username", [("north", "leader"), ("south", "leader2")])
def test_each_template_imports_unchanged(demo_auth, team_name, username):
    demo_auth.login(username)
    team = db.session.scalar(select(Team).where(Team.name == team_name))
    week = this_week_start(team.timezone)
    for page_url, model in [(f"/rota/t/{team.id}/import/clients", Client),
                            (f"/rota/t/{team.id}/{week}/import/requests", AppointmentRequest)]:
        body = _template_from_page(demo_auth.client, page_url)
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        assert len(rows) == 3, rows  # the columns and two example rows
        before = _count(model, team)
        response = _upload(demo_auth.client, page_url, body)
        assert response.status_code == 302, response.data.decode()[-2000:]
        assert _count(model, team) == before + 2, page_url


def test_the_clients_template_names_a_real_advisor_and_new_references(leader, north):
    team, _ = north
    rows = list(csv.DictReader(io.StringIO(leader.get(f"/rota/t/{team.id}/import/clients/template.csv").data.decode())))
    known = {c.lower() for c in db.session.scalars(select(Client.reference))}
    assert all(r["reference"].lower() not in known for r in rows)
    assert rows[0]["named_advisor"] and rows[0]["need"]


def test_another_teams_references_do_not_change_the_clients_template(leader, north):
    """References are unique per team: the template skips only this team's own, so it cannot tell the leader that
    another team holds a reference (it read every team's before)."""
    team, _ = north
    url = f"/rota/t/{team.id}/import/clients/template.csv"
    before = leader.get(url).data
    first = next(csv.DictReader(io.StringIO(before.decode())))["reference"]
    south = db.session.scalar(select(Team).where(Team.name == "south"))
    db.session.add(Client(team=south, reference=first, name="South's own", complexity=1))
    db.session.commit()
    assert leader.get(url).data == before
    db.session.add(Client(team=team, reference=first.lower(), name="North's own", complexity=1))  # its own: skipped
    db.session.commit()
    assert first not in leader.get(url).data.decode()
