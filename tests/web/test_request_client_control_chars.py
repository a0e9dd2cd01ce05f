"""A client reference with a control character in it is refused naming the field, never saved for the client
whose reference is the rest: the leader's request form ("N0001\\0" was saved for N0001, the site-wide guard
taking the NUL out), the new client form, and the requests CSV's client column."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentRequest, AppointmentType, Client
from tests.web import access_matrix as m


def _count(team) -> int:
    return db.session.scalar(select(func.count(AppointmentRequest.id)).join(Client).where(Client.team_id == team.id))


def _reference(team) -> str:
    return db.session.scalars(select(Client.reference).where(Client.team_id == team.id).order_by(Client.id)).first()


@pytest.mark.parametrize("char, said", [("\x00", "a NUL character (\\0)"), ("\x1b", "a control character (U+001B)")])
def test_the_request_form_refuses_a_control_character_in_the_client_and_keeps_the_text(leader, north, char, said):
    team, week = north
    reference, before = _reference(team), _count(team)
    kind = db.session.scalars(select(AppointmentType).where(AppointmentType.kind == "support")).first()
    response = leader.post(f"/rota/t/{team.id}/{week.isoformat()}/requests/new", data={
        "client": reference + char, "type": kind.id, "windows": "tue 09:00-12:00", "purpose": "Rent letter"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:500]
    assert f"This contains {said}; use plain text on one line." in page
    assert f'value="{reference}' in page and "Rent letter" in page and "tue 09:00-12:00" in page  # typed text kept
    assert _count(team) == before


def test_the_new_client_form_refuses_a_nul_in_the_reference(leader, north):
    team, _ = north
    response = leader.post(f"/rota/t/{team.id}/clients/new", data={
        "reference": "Z0\x00901", "name": "Zed Nul", "named_advisor": 0, "need": 0, "complexity": 1})
    assert response.status_code == 400
    assert "This contains a NUL character (\\0); use plain text on one line." in response.get_data(as_text=True)
    # By name: PostgreSQL cannot take a NUL even as a query parameter, and nothing may be saved under either spelling.
    assert db.session.scalar(select(Client).where(Client.name == "Zed Nul")) is None


def test_the_plan_pages_client_filter_still_drops_a_nul_from_its_query(leader, north):
    """Only posted references keep their NUL for the form to refuse: the plan page's `client` filter is a query,
    searched and never saved, and opens with the NUL taken out."""
    team, _ = north
    plan = m.make_plan(team, status="draft")
    assert leader.get(f"/rota/plans/{plan.id}", query_string={"client": "N0\x00001"}).status_code == 200


@pytest.mark.parametrize("char, said", [("\x00", "Line 2 contains a NUL character"),
                                        ("\x1b", "<td>2</td><td>client</td>")])
def test_the_requests_csv_refuses_a_control_character_in_the_client_column(leader, north, char, said):
    team, week = north
    reference, before = _reference(team), _count(team)
    body = ("client,type,duration_minutes,windows,pinned_advisor,pinned_start,purpose\n"
            f"{reference}{char},follow-up,30,tue 09:00-12:00,,,\n")
    response = leader.post(f"/rota/t/{team.id}/{week.isoformat()}/import/requests",
                           data={"file": (io.BytesIO(body.encode()), "r.csv")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and said in page, page[:3000]
    assert _count(team) == before
