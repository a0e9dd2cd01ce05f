"""Case is ignored over all of Unicode, not A-Z only (database.folded, values.fold): SQLite's lower() (and a
C-locale PostgreSQL's) leaves "É" as it is, so "élise" did not find "Élise". Client search (the desk, the team's
client list, the admin's client-data search, the API's team clients) and the administrators' user and advisor
searches fold both sides the same way, and keep ignoring the joiners ZWNJ/ZWJ."""
from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import literal, select

from caseload.database import folded
from caseload.extensions import db
from caseload.models import Advisor
from caseload.services.clients import client_data
from caseload.services.people import admin_lists
from caseload.services.rota import week as rota
from caseload.services.rota.listings import ListQuery, client_list
from tests.web import access_matrix as m


def _desk_finds(demo_client, demo_auth, username: str, typed: str, client) -> bool:
    demo_auth.login(username)
    page = demo_client.get("/desk/?q=" + quote(typed)).get_data(as_text=True)
    demo_auth.logout()
    return f"/desk/clients/{client.id}" in page


def _finds_everywhere(demo_client, demo_auth, typed: str, client) -> bool:
    found = {"desk (SQL)": _desk_finds(demo_client, demo_auth, "leader", typed, client),
             "desk (own list)": _desk_finds(demo_client, demo_auth, "advisor1", typed, client),
             "client data": client in client_data.clients_matching([client.team], typed),
             "client list": client in client_list(client.team, ListQuery(q=typed)).rows,
             "team clients": client in rota.team_clients(client.team, typed)}
    assert len(set(found.values())) == 1, found
    return found["desk (SQL)"]


def test_the_database_folds_every_letter(demo_app):
    assert db.session.scalar(select(folded(literal("ÉLISE ΣΟΦΊΑ Ärzte")))) == "élise σοφία ärzte"
    assert db.session.scalar(select(folded(literal(None)))) is None


def test_lower_case_typed_finds_a_stored_capital(demo_client, demo_auth):
    client = m.client_of("advisor1")
    client.name = "Élise Durand"
    db.session.commit()
    assert _finds_everywhere(demo_client, demo_auth, "élise", client)
    assert _finds_everywhere(demo_client, demo_auth, "élise durand", client)


def test_capitals_typed_find_a_stored_lower_case_name(demo_client, demo_auth):
    client = m.client_of("advisor1")
    client.name = "élise Ørsted"
    db.session.commit()
    assert _finds_everywhere(demo_client, demo_auth, "ÉLISE", client)
    assert _finds_everywhere(demo_client, demo_auth, "ØRSTED", client)
    assert not _finds_everywhere(demo_client, demo_auth, "ÉLISA", client)


def test_joiners_are_still_ignored_with_non_ascii_case(demo_client, demo_auth):
    client = m.client_of("advisor1")
    client.name = "علی\u200cرضا Émile"
    db.session.commit()
    assert _finds_everywhere(demo_client, demo_auth, "علیرضا émile", client)


def test_the_administrators_searches_fold_non_ascii_letters(demo_app):
    user = m.user("advisor1")
    user.display_name = "Åsa Öberg"
    advisor = db.session.scalar(select(Advisor).where(Advisor.user_id == user.id))
    advisor.name = "Åsa Öberg"
    db.session.commit()
    assert user in admin_lists.user_list(ListQuery(q="åsa")).rows
    assert admin_lists.users_matching("ÖBERG") == [user]
    assert advisor in admin_lists.advisor_list(ListQuery(q="åsa öberg")).rows


def test_a_lower_that_folds_a_to_z_only_is_warned_about(app, caplog):
    """Without the ICU collation PostgreSQL's folded() falls back to lower(), which in a C-locale database folds
    A-Z only; the first connection then logs a warning naming the consequence. Run here on the test database's
    own lower(): SQLite's folds A-Z only, and so does the C-locale test cluster's (whose ICU collation means the
    app itself never falls back there: the first-connect call is not exercised by this test)."""
    import logging

    from caseload import database

    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        assert database.lower_folds_unicode(cursor) is False
        with caplog.at_level(logging.WARNING, logger="caseload.database"):
            assert database.warn_if_lower_folds_a_to_z_only(cursor) is True
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    assert "lower('É') is not 'é'" in caplog.text and "'élise' does not find 'Élise'" in caplog.text
