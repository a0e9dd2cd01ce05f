"""The booking desk has a menu entry (walkthrough B): it was reachable only through a client's "appointments"
link. Every role that may book (administrator, team leader, advisor) has "Desk" in the main menu; it lands on a
client search scoped as the desk is: leaders their teams' clients, advisors the clients they hold or cover."""
from __future__ import annotations

import re

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Client
from tests.web import access_matrix as m


def _nav(html: str) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)


def test_every_role_that_may_book_has_desk_in_the_menu(demo_client, demo_auth):
    for username in ("admin", "leader", "advisor1"):
        demo_auth.logout()
        demo_auth.login(username)
        home = demo_client.get("/", follow_redirects=True).get_data(as_text=True)
        assert '<a href="/desk/">Desk</a>' in _nav(home), username
        assert demo_client.get("/desk/").status_code == 200, username
        assert f"· {m.user(username).role.label}" in home  # signed in as this role


def test_the_desk_finds_only_clients_the_user_may_book_for(demo_client, demo_auth):
    north, south = m.team("north"), m.team("south")
    mine = m.client_of("advisor1")
    other = db.session.scalar(select(Client).where(Client.team_id == north.id, Client.named_advisor_id.is_not(None),
                                                   Client.named_advisor_id != mine.named_advisor_id))
    southern = db.session.scalar(select(Client).where(Client.team_id == south.id))
    demo_auth.login("leader")
    assert "Appointments" not in demo_client.get("/desk/").get_data(as_text=True)  # nothing until typed
    found = demo_client.get("/desk/", query_string={"q": mine.reference}).get_data(as_text=True)
    assert f'href="/desk/clients/{mine.id}"' in found
    if southern is not None and south.leader_id != m.user("leader").id:
        missed = demo_client.get("/desk/", query_string={"q": southern.reference}).get_data(as_text=True)
        assert f'href="/desk/clients/{southern.id}"' not in missed and "No client you may book for" in missed
    demo_auth.logout()
    demo_auth.login("advisor1")
    listed = demo_client.get("/desk/").get_data(as_text=True)
    assert f'href="/desk/clients/{mine.id}"' in listed
    assert f'href="/desk/clients/{other.id}"' not in listed
    assert f'href="/desk/clients/{other.id}"' not in \
        demo_client.get("/desk/", query_string={"q": other.reference}).get_data(as_text=True)
