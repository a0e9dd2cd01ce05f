"""A client reference typed or uploaded finds the client by its key (values.name_key: case and ZWNJ/ZWJ ignored), on
every path that looks one up: the team leader's request form (new and edit), the requests CSV import, the clients
CSV import's update of an existing client, the review page's client filter and the erase confirmation. "ab-12"
finds the stored "AB-12"; a Persian reference typed with a ZWJ finds it stored without one, and the other way round.

Look-alikes stored before migration 0021 keep a NULL key (reference_lookup): such a row is still found, and of two
clients sharing the typed key the one stored exactly as typed is taken; with none, the reference is refused as
ambiguous, naming the row and field and keeping what was typed, never a 500 and never a guess."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from markupsafe import escape
from sqlalchemy import func, insert, select

from caseload.extensions import db
from caseload.models import AppointmentRequest, AppointmentType, Client, Team
from caseload.services.planning import team_grid

ZWJ = "\u200d"
LOOK_ALIKES = [  # (stored, typed)
    pytest.param("AB-12", "ab-12", id="case"),
    pytest.param("علیرضا-12", f"علی{ZWJ}رضا-12", id="typed-with-zwj"),
    pytest.param(f"علی{ZWJ}رضا-12", "علیرضا-12", id="stored-with-zwj"),
]


def _first_client(team: Team) -> Client:
    return db.session.scalars(select(Client).where(Client.team_id == team.id, Client.erased_at.is_(None))
                              .order_by(Client.id)).first()


def _stored_as(team: Team, reference: str) -> Client:
    """The team's first client, its reference changed to `reference` (its key follows: models.name_keys)."""
    client = _first_client(team)
    client.reference = reference
    db.session.commit()
    return client


def _legacy_twin(team: Team, reference: str) -> Client:
    """A client stored before migration 0021 beside a look-alike: its key left NULL, as 0021 leaves it."""
    twin_id = db.session.execute(insert(Client).values(
        team_id=team.id, reference=reference, reference_key=None, name="Legacy Twin", complexity=1,
        version_id=1).returning(Client.id)).scalar_one()
    db.session.commit()
    return db.session.get(Client, twin_id)


def _requests_of(client: Client) -> int:
    return db.session.scalar(select(func.count(AppointmentRequest.id)).where(AppointmentRequest.client_id == client.id))


def _follow_up() -> AppointmentType:
    return db.session.scalar(select(AppointmentType).where(AppointmentType.code == "follow-up"))


def _post_request(leader, team: Team, week, typed: str):
    return leader.post(f"/rota/t/{team.id}/{week}/requests/new", data={
        "client": typed, "type": _follow_up().id, "duration_minutes": 30, "windows": "tue 09:00-12:00",
        "pinned_advisor": 0})


def _upload(leader, url: str, body: str, **extra):
    return leader.post(url, data={"file": (io.BytesIO(body.encode()), "upload.csv"), **extra},
                       content_type="multipart/form-data")


# --- the request form ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stored, typed", LOOK_ALIKES)
def test_the_request_form_finds_a_client_typed_in_another_case_or_with_a_joiner(leader, north, stored, typed):
    team, week = north
    client = _stored_as(team, stored)
    before = _requests_of(client)
    response = _post_request(leader, team, week, typed)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert _requests_of(client) == before + 1
    # Editing the request with the reference typed the other way keeps it on the same client.
    made = db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.client_id == client.id)
                              .order_by(AppointmentRequest.id.desc())).first()
    edited = leader.post(f"/rota/t/{team.id}/requests/{made.id}", data={
        "client": typed, "type": _follow_up().id, "duration_minutes": 45, "windows": "wed 09:00-12:00",
        "pinned_advisor": 0, "version": made.version_id})
    assert edited.status_code == 302, edited.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    made = db.session.get(AppointmentRequest, made.id)
    assert (made.client_id, made.duration_minutes) == (client.id, 45)


def test_the_request_form_finds_a_client_whose_key_migration_0021_left_unset(leader, north):
    team, week = north
    twin = _legacy_twin(team, "LEGACY-7")  # alone, but its key NULL: found by the key computed from its reference
    response = _post_request(leader, team, week, "legacy-7")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert _requests_of(twin) == 1


def test_the_request_form_takes_the_exact_look_alike_and_refuses_an_ambiguous_reference(leader, north):
    team, week = north
    keyed = _stored_as(team, "AB-12")
    twin = _legacy_twin(team, "ab-12")
    keyed_before = _requests_of(keyed)
    assert _post_request(leader, team, week, "ab-12").status_code == 302  # stored exactly so: the twin
    assert (_requests_of(keyed), _requests_of(twin)) == (keyed_before, 1)
    assert _post_request(leader, team, week, " AB-12 ").status_code == 302  # and this one the keyed client
    assert (_requests_of(keyed), _requests_of(twin)) == (keyed_before + 1, 1)
    refused = _post_request(leader, team, week, "Ab-12")  # both, neither exactly: not a guess
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400, page[-1500:]
    assert escape('Client: "Ab-12" is ambiguous: team north has 2 clients whose references differ from it only by '
                  "case (AB-12, ab-12)") in page
    assert 'value="Ab-12"' in page  # what was typed is kept in the field
    assert (_requests_of(keyed), _requests_of(twin)) == (keyed_before + 1, 1)


def test_the_request_form_still_refuses_an_unknown_reference_naming_it(leader, north):
    team, week = north
    response = _post_request(leader, team, week, "NoSuch-1")
    assert response.status_code == 400 and escape('No client "NoSuch-1" in team north.') in response.get_data(as_text=True)


# --- the requests CSV import ----------------------------------------------------------------------------

REQUESTS_HEADER = "client,type,duration_minutes,windows\n"


@pytest.mark.parametrize("stored, typed", LOOK_ALIKES)
def test_the_requests_import_finds_a_client_written_in_another_case_or_with_a_joiner(leader, north, stored, typed):
    team, week = north
    client = _stored_as(team, stored)
    before = _requests_of(client)
    response = _upload(leader, f"/rota/t/{team.id}/{week}/import/requests",
                       REQUESTS_HEADER + f"{typed},follow-up,30,tue 09:00-12:00\n")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert _requests_of(client) == before + 1


def test_the_requests_import_finds_look_alikes_on_two_rows_as_the_same_request(leader, north):
    team, week = north
    client = _stored_as(team, "علیرضا-12")
    before = _requests_of(client)
    response = _upload(leader, f"/rota/t/{team.id}/{week}/import/requests", REQUESTS_HEADER
                       + f"علیرضا-12,follow-up,30,tue 09:00-12:00\nعلی{ZWJ}رضا-12,follow-up,30,tue 09:00-12:00\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "<td>3</td><td>—</td><td>the same request as line 2</td>" in page, page
    assert _requests_of(client) == before


def test_the_requests_import_takes_the_exact_look_alike_and_refuses_an_ambiguous_row(leader, north):
    team, week = north
    keyed = _stored_as(team, "AB-12")
    twin = _legacy_twin(team, "ab-12")
    keyed_before = _requests_of(keyed)
    url = f"/rota/t/{team.id}/{week}/import/requests"
    refused = _upload(leader, url, REQUESTS_HEADER + "ab-12,follow-up,30,tue 09:00-12:00\n"
                      "Ab-12,follow-up,30,wed 09:00-12:00\n")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400, page[-1500:]
    assert "<td>3</td><td>client</td>" in page and "<td>2</td>" not in page
    assert escape('"Ab-12" is ambiguous: team north has 2 clients whose references differ from it only by case '
                  "(AB-12, ab-12)") in page
    assert (_requests_of(keyed), _requests_of(twin)) == (keyed_before, 0)  # all or nothing
    saved = _upload(leader, url, REQUESTS_HEADER + "ab-12,follow-up,30,tue 09:00-12:00\n"
                    "AB-12,follow-up,30,wed 09:00-12:00\n")
    assert saved.status_code == 302, saved.get_data(as_text=True)[-1500:]
    assert (_requests_of(keyed), _requests_of(twin)) == (keyed_before + 1, 1)


# --- the clients CSV import (update existing) ------------------------------------------------------------

CLIENTS_HEADER = "reference,name\n"


@pytest.mark.parametrize("stored, typed", LOOK_ALIKES)
def test_the_clients_import_updates_a_client_written_in_another_case_or_with_a_joiner(leader, north, stored, typed):
    team, _ = north
    client = _stored_as(team, stored)
    count = db.session.scalar(select(func.count(Client.id)).where(Client.team_id == team.id))
    response = _upload(leader, f"/rota/t/{team.id}/import/clients", CLIENTS_HEADER + f"{typed},Renamed Here\n",
                       replace="y")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    client = db.session.get(Client, client.id)
    assert (client.name, client.reference) == ("Renamed Here", stored)  # under its stored reference
    assert db.session.scalar(select(func.count(Client.id)).where(Client.team_id == team.id)) == count


def test_the_clients_import_updates_the_exact_look_alike_and_refuses_an_ambiguous_row(leader, north):
    team, _ = north
    keyed = _stored_as(team, "AB-12")
    twin = _legacy_twin(team, "ab-12")
    keyed_name = keyed.name
    url = f"/rota/t/{team.id}/import/clients"
    refused = _upload(leader, url, CLIENTS_HEADER + "Ab-12,Which One\n", replace="y")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "<td>2</td><td>reference</td>" in page, page[-1500:]
    assert escape('"Ab-12" is ambiguous') in page and "(AB-12, ab-12)" in page
    not_updating = _upload(leader, url, CLIENTS_HEADER + "Ab-12,Which One\n")
    assert not_updating.status_code == 400
    assert "team north already has Ab-12 (stored as AB-12, ab-12" in not_updating.get_data(as_text=True)
    saved = _upload(leader, url, CLIENTS_HEADER + "AB-12,Keyed Renamed\n", replace="y")
    assert saved.status_code == 302, saved.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    # The keyed client, not its twin (a dict by key kept whichever came last: the twin).
    assert (db.session.get(Client, keyed.id).name, db.session.get(Client, twin.id).name) == (
        "Keyed Renamed", "Legacy Twin")
    assert keyed_name != "Keyed Renamed"


# --- the review page's client filter and the erase confirmation ---------------------------------------------

@pytest.mark.parametrize("shown, typed", [
    pytest.param("AB-12", "ab-12", id="case"),
    pytest.param("علیرضا Karimi", f"علی{ZWJ}رضا", id="typed-with-zwj"),
    pytest.param(f"علی{ZWJ}رضا-12", "علیرضا-12", id="stored-with-zwj"),
])
def test_the_review_pages_client_filter_ignores_case_and_joiners(shown, typed):
    appointment = team_grid.Appointment(item=None, advisor_id=1, start=datetime(2027, 1, 4, 10),
                                        end=datetime(2027, 1, 4, 11), client="Someone", reference=shown,
                                        type_name="Follow-up", kind="support")
    named = team_grid.Appointment(item=None, advisor_id=1, start=datetime(2027, 1, 4, 10),
                                  end=datetime(2027, 1, 4, 11), client=shown, reference="N0001",
                                  type_name="Follow-up", kind="support")
    assert team_grid.matches(appointment, team_grid.Filters(client=typed))
    assert team_grid.matches(named, team_grid.Filters(client=typed))
    assert not team_grid.matches(appointment, team_grid.Filters(client=typed + "9"))


@pytest.mark.parametrize("stored, typed", LOOK_ALIKES)
def test_erasing_a_client_is_confirmed_by_its_reference_in_another_case_or_with_a_joiner(leader, north, stored, typed):
    team, _ = north
    client = _stored_as(team, stored)
    response = leader.post(f"/admin/clients/{client.id}/erase", data={"confirm": typed, "version": client.version_id})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    assert db.session.get(Client, client.id).erased_at is not None
