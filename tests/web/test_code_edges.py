"""A code or name is matched by one key whichever path it comes in by: Python's strip().lower() (type_codes.code_key,
values.name_key), never SQL's trim(), which strips spaces only (not a tab, a line break or a no-break space).
Stored codes with such edges: tests/web/test_break_it_dec2.py. Here: a code typed with a trailing tab on each path,
and a client reference (team names and usernames alike) found by its stored key, not by its text in SQL.
"""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import AppointmentRequest, Client
from caseload.services.rota.week import stored_reference
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient


def _request_body(week, type_code: str) -> dict:
    tuesday = week + timedelta(days=1)
    return {"client_id": m.client_of("advisor1").id, "type": type_code, "duration_minutes": 30,
            "windows": [{"start": f"{tuesday}T09:00", "end": f"{tuesday}T12:00"}]}


def test_a_type_code_typed_with_a_trailing_tab(demo_client, leader):
    """The CSV strips its cells (a tab too) and finds the type; the API refuses a tab in any text, naming the field
    (a 422 the client can act on): neither finds another type nor fails."""
    team, week = m.team("north"), d.week()
    client = m.client_of("advisor1")
    body = f"client,type,duration_minutes,windows\n{client.reference},follow-up\t,30,tue 09:00-12:00\n"
    saved = leader.post(f"/rota/t/{team.id}/{week.isoformat()}/import/requests",
                        data={"file": (io.BytesIO(body.encode()), "r.csv")}, content_type="multipart/form-data")
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]
    newest = db.session.scalar(select(AppointmentRequest).order_by(AppointmentRequest.id.desc()).limit(1))
    assert newest.type.code == "follow-up"
    api = ApiClient(demo_client, "leader")
    refused = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week,
                       json=_request_body(week, "follow-up\t"))
    assert refused.status_code == 422 and "type" in refused.get_json()["fields"], refused.get_json()
    # A no-break space is no control character: taken, and stripped as the CSV strips it.
    created = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week,
                       json=_request_body(week, "follow-up\u00a0"))
    assert created.status_code == 201, created.get_json()
    assert db.session.get(AppointmentRequest, created.get_json()["id"]).type.code == "follow-up"


def test_a_client_reference_is_looked_up_by_its_stored_key(demo_app):
    """A reference stored with a trailing no-break space (before the edges stripped it) has the key of "S1": the
    look-up that guards a new reference reads the stored key, as the UNIQUE key index does, and finds it."""
    team = m.team("north")
    client = db.session.scalar(select(Client).where(Client.team_id == team.id).order_by(Client.id).limit(1))
    client.reference = "ZQ-77\u00a0"  # the key is kept in Python on every write (models.name_keys): "zq-77"
    db.session.commit()
    assert client.reference_key == "zq-77"
    assert stored_reference(team, "zq-77") == "ZQ-77\u00a0"
