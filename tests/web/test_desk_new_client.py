"""A search at the desk that finds no client does not dead-end: a leader is offered the add-client form with the
name typed filled in; an advisor is told who adds clients (desk.views.who_adds)."""
from __future__ import annotations

import html as html_lib
import re

from tests.web import access_matrix as m


def test_a_leader_is_offered_to_add_the_client_with_the_name_filled_in(demo_client, demo_auth):
    demo_auth.login("leader")
    page = demo_client.get("/desk/", query_string={"q": "  Priya   Sharma "}).get_data(as_text=True)
    assert "No client you may book for matches" in page
    links = re.findall(r'<a href="([^"]*)">Add this client', page)
    north = m.team("north")
    assert links and all("/clients/new?name=Priya+Sharma" in html_lib.unescape(u) for u in links), links
    assert any(html_lib.unescape(u).startswith(f"/rota/t/{north.id}/clients/new") for u in links)
    form = demo_client.get(html_lib.unescape(links[0]))
    assert form.status_code == 200
    assert re.search(r'<input[^>]*name="name"[^>]*value="Priya Sharma"', form.get_data(as_text=True))


def test_a_found_client_offers_no_add_link(demo_client, demo_auth):
    demo_auth.login("leader")
    client = m.client_of("advisor1")
    page = demo_client.get("/desk/", query_string={"q": client.reference}).get_data(as_text=True)
    assert client.reference in page and "Add this client" not in page


def test_an_advisor_is_told_who_adds_a_client(demo_client, demo_auth):
    demo_auth.login("advisor1")
    page = demo_client.get("/desk/", query_string={"q": "Priya Sharma"}).get_data(as_text=True)
    leader = m.team("north").leader
    assert "Add this client" not in page
    said = re.search(r'<p id="add-client">(.*?)</p>', page, re.S).group(1)
    assert "your team leader" in said and html_lib.escape(leader.display_name or leader.username) in said, said
