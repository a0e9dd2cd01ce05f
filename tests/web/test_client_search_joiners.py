"""Client search ignores the zero-width non-joiner and joiner (ZWNJ, ZWJ) on both sides (name_search): a Persian
name stored as "علی‌رضا" (a ZWNJ after "علی") is found when typed without it, and the other way round, in the
desk's search (leaders' SQL search and an advisor's own list), the admin's client-data search and the team's
client list; case is still ignored, and % and _ typed match themselves."""
from __future__ import annotations

from urllib.parse import quote

from caseload.extensions import db
from caseload.services.clients import client_data
from caseload.services.rota.listings import ListQuery, client_list
from tests.web import access_matrix as m

STORED = "علی\u200cرضا Karimi"  # with a ZWNJ, as a Persian keyboard writes it
TYPED = "علیرضا"  # without


def _desk_finds(demo_client, demo_auth, username: str, typed: str, client) -> bool:
    demo_auth.login(username)
    page = demo_client.get("/desk/?q=" + quote(typed)).get_data(as_text=True)
    demo_auth.logout()
    return f"/desk/clients/{client.id}" in page


def test_a_name_stored_with_a_zwnj_is_found_typed_without_it(demo_client, demo_auth):
    client = m.client_of("advisor1")
    client.name = STORED
    db.session.commit()
    assert _desk_finds(demo_client, demo_auth, "leader", TYPED, client)
    assert _desk_finds(demo_client, demo_auth, "advisor1", TYPED, client)  # their own list, matched in Python
    assert client in client_data.clients_matching([client.team], TYPED)
    assert client in client_list(client.team, ListQuery(q=TYPED)).rows
    assert _desk_finds(demo_client, demo_auth, "leader", "KARIMI", client)  # case still ignored
    assert not _desk_finds(demo_client, demo_auth, "leader", "علیرضا_", client)  # _ is not a wildcard


def test_a_name_stored_without_a_joiner_is_found_typed_with_one(demo_client, demo_auth):
    client = m.client_of("advisor1")
    client.name = "علیرضا Karimi"
    db.session.commit()
    typed = "علی\u200dرضا"  # a ZWJ this time
    assert _desk_finds(demo_client, demo_auth, "leader", typed, client)
    assert _desk_finds(demo_client, demo_auth, "advisor1", typed, client)
    assert client in client_list(client.team, ListQuery(q=typed)).rows


def test_a_non_ascii_capital_typed_as_stored_is_found(demo_client, demo_auth):
    """The typed text is folded by the same SQL function as the column (database.folded), so an identical
    "Élise" always matches (Python's lower() on the typed side alone made it "élise" and missed SQLite's "Élise")."""
    client = m.client_of("advisor1")
    client.name = "Élise Durand"
    db.session.commit()
    assert _desk_finds(demo_client, demo_auth, "leader", "Élise", client)
    assert client in client_data.clients_matching([client.team], "Élise")
    assert client in client_list(client.team, ListQuery(q="Élise")).rows
    assert client in client_list(client.team, ListQuery(q="ÉLISE DURAND")).rows  # ASCII case still ignored
