"""One rule finds a row by a typed name (services/name_lookup.find_by_key), for client references, team names and
usernames: by its key (case and ZWNJ/ZWJ ignored); of look-alikes stored before migrations 0021/0022 (key NULL),
the one stored exactly as typed; else refused as ambiguous, except at sign-in, which prefers the keyed account.

And what follows from finding the client rather than comparing keys: the erase confirmation must find the page's
own client (beside an old twin, its twin's exact reference does not erase it); two rows of a requests CSV naming two
look-alike clients are two requests; an erased client's ERASED-<id> reference is no client."""
from __future__ import annotations

from datetime import datetime

import pytest
from markupsafe import escape
from sqlalchemy import insert, select

from caseload.extensions import db
from caseload.models import Client, Team, User
from caseload.services import name_lookup
from caseload.services.people.team_lookup import AmbiguousTeam, team_named
from caseload.services.people.users import by_username
from caseload.services.planning import team_grid
from tests.web.test_reference_lookup import (REQUESTS_HEADER, _legacy_twin, _post_request, _requests_of, _stored_as,
                                             _upload)
from tests.web.test_username_keys import _stored


def _twins(team: Team) -> tuple[Client, Client]:
    """The keyed "AB-12" and its old NULL-key twin "ab-12", as 0021 leaves them."""
    return _stored_as(team, "AB-12"), _legacy_twin(team, "ab-12")


def _erased(client_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(Client, client_id).erased_at is not None


# --- the erase confirmation must name the page's own client ----------------------------------------------------

def test_the_twins_exact_reference_does_not_erase_the_client_on_the_page(leader, north):
    team, _ = north
    keyed, twin = _twins(team)
    refused = leader.post(f"/admin/clients/{twin.id}/erase", data={"confirm": "AB-12", "version": twin.version_id})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "This is not the client&#39;s reference; nothing was erased." in page
    assert not _erased(twin.id) and not _erased(keyed.id)
    ambiguous = leader.post(f"/admin/clients/{twin.id}/erase", data={"confirm": "Ab-12", "version": twin.version_id})
    page = ambiguous.get_data(as_text=True)
    assert ambiguous.status_code == 400 and escape('"Ab-12" is ambiguous') in page and "(AB-12, ab-12)" in page
    assert 'value="Ab-12"' in page  # what was typed is kept
    assert not _erased(twin.id) and not _erased(keyed.id)
    erased = leader.post(f"/admin/clients/{twin.id}/erase", data={"confirm": "ab-12", "version": twin.version_id})
    assert erased.status_code == 302, erased.get_data(as_text=True)[-1500:]
    assert _erased(twin.id) and not _erased(keyed.id)


# --- the requests CSV: two look-alike clients are two requests ---------------------------------------------------

def test_rows_naming_two_look_alike_clients_are_two_requests(leader, north):
    team, week = north
    keyed, twin = _twins(team)
    keyed_before = _requests_of(keyed)
    saved = _upload(leader, f"/rota/t/{team.id}/{week}/import/requests", REQUESTS_HEADER
                    + "AB-12,follow-up,30,tue 09:00-12:00\nab-12,follow-up,30,tue 09:00-12:00\n")
    assert saved.status_code == 302, saved.get_data(as_text=True)[-1500:]
    assert (_requests_of(keyed), _requests_of(twin)) == (keyed_before + 1, 1)


# --- an erased client is no client -----------------------------------------------------------------------------

def test_an_erased_clients_reference_finds_no_client(leader, north):
    team, week = north
    client = _legacy_twin(team, "GONE-1")
    erased = leader.post(f"/admin/clients/{client.id}/erase", data={"confirm": "GONE-1", "version": client.version_id})
    assert erased.status_code == 302, erased.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    reference = db.session.get(Client, client.id).reference
    assert reference == f"ERASED-{client.id}"
    refused = _post_request(leader, team, week, reference)
    assert refused.status_code == 400
    assert escape(f'No client "{reference}" in team north.') in refused.get_data(as_text=True)
    uploaded = _upload(leader, f"/rota/t/{team.id}/{week}/import/requests",
                       REQUESTS_HEADER + f"{reference.lower()},follow-up,30,tue 09:00-12:00\n")
    assert uploaded.status_code == 400
    assert escape(f'no client "{reference.lower()}" in team north') in uploaded.get_data(as_text=True)
    assert _requests_of(client) == 0


# --- one helper, three callers ----------------------------------------------------------------------------------

def _old_team(name: str) -> Team:
    north = db.session.scalar(select(Team).where(Team.name == "north"))
    team_id = db.session.execute(insert(Team).values(name=name, name_key=None, timezone=north.timezone)
                                 .returning(Team.id)).scalar_one()
    db.session.commit()
    return db.session.get(Team, team_id)


def test_find_by_key_takes_the_exact_look_alike_and_names_them_when_none_is(north):
    twin = _old_team("North")  # beside the keyed "north"
    with pytest.raises(AmbiguousTeam) as refused:
        team_named("NORTH")
    assert isinstance(refused.value, name_lookup.AmbiguousName) and refused.value.stored == ["North", "north"]
    assert refused.value.apart == "case"
    assert team_named("North").id == twin.id and team_named("north").id == north[0].id
    with pytest.raises(name_lookup.AmbiguousName):
        name_lookup.find_by_key(Team, Team.name, Team.name_key, "NORTH")
    assert name_lookup.find_by_key(Team, Team.name, Team.name_key, " nOrth ", Team.id == twin.id).id == twin.id
    assert name_lookup.find_by_key(Team, Team.name, Team.name_key, "   ") is None


def test_sign_in_prefers_the_keyed_account_to_a_refusal_on_purpose(app):
    keyed = _stored("alice")
    twin = _stored("Alice", key=None)
    assert by_username("ALICE").id == keyed.id  # not refused as ambiguous: that would lock both out
    assert by_username("Alice").id == twin.id and by_username("alice").id == keyed.id
    with pytest.raises(name_lookup.AmbiguousName):  # the same rows without the preference are ambiguous
        name_lookup.find_by_key(User, User.username, User.username_key, "ALICE")


def test_apart_names_case_and_joiner_together():
    assert name_lookup.apart(["AB-12", "ab-12"]) == "case"
    assert name_lookup.apart(["ab\u200c12", "ab12", "AB12"]) == "case or an invisible joiner (U+200C ZWNJ or U+200D ZWJ)"


def test_the_review_pages_client_filter_is_name_search_text_matches():
    shown = team_grid.Appointment(item=None, advisor_id=1, start=datetime(2027, 1, 4, 10), end=datetime(2027, 1, 4, 11),
                                  client="Someone", reference="AB-12", type_name="Follow-up", kind="support")
    assert team_grid.matches(shown, team_grid.Filters(client=" ab-12 "))  # stripped, as every search
    assert not team_grid.matches(shown, team_grid.Filters(client="ab-13"))
