"""A hidden `version` that is not a whole number (a hand-made post, a damaged page) is a stale one: the save is
refused as "changed since" (409) with nothing written, never a 500 (int() of it raised ValueError)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from caseload.extensions import db
from caseload.models import AppointmentRequest, Client
from caseload.services.rota import requests as rota_requests
from tests.web import access_matrix as m

GARBLED = ["abc", "1e308", "nan", "[]", " ", "1.0", "٣"]
MISSING = ["", " "]


def _fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


@pytest.mark.parametrize("version", GARBLED)
def test_a_garbled_client_version_is_refused_not_a_500(demo_client, demo_auth, version):
    client = m.client_of("advisor1")
    client_id, team_id, before = client.id, client.team_id, (client.version_id, client.complexity)
    demo_auth.login("leader")
    form = {"named_advisor": client.named_advisor_id, "need": client.need_id or 0,
            "complexity": 3 if client.complexity != 3 else 2, "version": version}
    answer = demo_client.post(f"/rota/t/{team_id}/clients/{client_id}", data=form)
    assert answer.status_code == 409, answer.status_code
    assert "Nothing was saved" in answer.get_data(as_text=True)
    saved = _fresh(Client, client_id)
    assert (saved.version_id, saved.complexity) == before


@pytest.mark.parametrize("version", GARBLED)
def test_a_garbled_request_version_is_refused_not_a_500(demo_client, demo_auth, version):
    item = db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.cancelled_at.is_(None))
                             .order_by(AppointmentRequest.id))
    request_id, team_id, before = item.id, item.team_id, (item.version_id, item.duration_minutes)
    minutes = 60 if item.duration_minutes != 60 else 45
    form = {"client": item.client.reference, "type": item.type_id, "duration_minutes": minutes,
            "purpose": item.purpose or "", "windows": rota_requests.windows_text(item, item.team.timezone),
            "pinned_advisor": 0, "version": version}
    demo_auth.login("leader")
    answer = demo_client.post(f"/rota/t/{team_id}/requests/{request_id}", data=form)
    assert answer.status_code == 409, answer.status_code
    assert "Nothing was saved" in answer.get_data(as_text=True)
    saved = _fresh(AppointmentRequest, request_id)
    assert (saved.version_id, saved.duration_minutes) == before
    # The same form with the version it was opened at saves: the refusal was the version's, nothing else.
    assert demo_client.post(f"/rota/t/{team_id}/requests/{request_id}", data=form | {"version": before[0]}).status_code == 302


def test_a_version_in_other_digits_is_not_read_as_the_current_one(demo_client, demo_auth):
    """int() reads "٣" as 3 and "1_0" as 10: a version written so is garbled (refused), not taken as the current."""
    client = m.client_of("advisor1")
    client_id, team_id, version = client.id, client.team_id, client.version_id
    arabic = str(version).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    demo_auth.login("leader")
    form = {"named_advisor": client.named_advisor_id, "need": client.need_id or 0,
            "complexity": 3 if client.complexity != 3 else 2, "version": arabic}
    assert demo_client.post(f"/rota/t/{team_id}/clients/{client_id}", data=form).status_code == 409
    assert _fresh(Client, client_id).version_id == version
    erase = demo_client.post(f"/admin/clients/{client_id}/erase", data={"confirm": client.reference, "version": arabic})
    assert erase.status_code == 409 and b"Nothing was erased" in erase.data
    assert _fresh(Client, client_id).erased_at is None
    garbled = demo_client.post(f"/admin/clients/{client_id}/erase", data={"confirm": client.reference, "version": "abc"})
    assert garbled.status_code == 409 and _fresh(Client, client_id).erased_at is None


def test_a_client_form_without_a_version_says_why_it_was_refused(demo_client, demo_auth):
    """A blank version was a 400 whose only error sat on the hidden field (no reason shown); now the save's 409."""
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    for version in MISSING:
        form = {"named_advisor": client.named_advisor_id, "need": client.need_id or 0, "complexity": 2,
                "version": version}
        answer = demo_client.post(f"/rota/t/{client.team_id}/clients/{client.id}", data=form)
        assert answer.status_code == 409 and "Nothing was saved" in answer.get_data(as_text=True), version
