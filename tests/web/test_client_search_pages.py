"""The booking desk (/desk/) and client data (/admin/clients) find a client with one search form and one results
table (templates/_client_search.html), so the two cannot drift apart: the same labelled field, ids and search
landmark, the typed text kept, escaped and isolated (<bdi>), and each row's link saying whose it is."""
from __future__ import annotations

import re

from tests.web import access_matrix as m

PAGES = {"/desk/": "/desk/clients/{id}", "/admin/clients": "/admin/clients/{id}"}


def _form(page: str) -> str:
    return re.search(r'<form method="get"[^>]*role="search".*?</form>', page, re.S).group(0)


def test_both_pages_render_the_same_search_form(demo_client, demo_auth):
    demo_auth.login("leader")  # a team leader may use both pages
    forms = {}
    for url in PAGES:
        page = demo_client.get(url).get_data(as_text=True)
        form = _form(page)
        assert f'action="{url}"' in form and 'aria-label="Find a client"' in form
        assert '<label for="q">Reference or name</label>' in form and 'maxlength="80"' in form
        assert page.count('id="q"') == 1 and page.count('role="search"') == 1
        forms[url] = form.replace(f'action="{url}"', 'action=""')
    assert forms["/desk/"] == forms["/admin/clients"]


def test_both_pages_keep_the_typed_text_and_list_the_clients_found(demo_client, demo_auth):
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    for url, link in PAGES.items():
        found = demo_client.get(url, query_string={"q": client.reference}).get_data(as_text=True)
        assert f'value="{client.reference}"' in _form(found)
        row = found[found.index("<tbody>"):found.index("</tbody>")]
        assert f"<td>{client.reference}</td><td>{client.name}</td>" in row
        assert f'href="{link.format(id=client.id)}"' in row
        assert f'<span class="sr-only"> of {client.reference}</span></a>' in row  # each link says whose it is
        odd = '"><script>alert(1)</script>'
        none = demo_client.get(url, query_string={"q": odd}).get_data(as_text=True)
        assert "<script>alert(1)" not in none and 'value="&#34;&gt;&lt;script&gt;' in _form(none)
        assert "No client" in none[none.index("<tbody>"):] and "matches “<bdi>&#34;&gt;&lt;script&gt;" in none
        # What was typed is isolated: a right-to-left override in it cannot turn the sentence around it.
        flipped = demo_client.get(url, query_string={"q": "abc\u202e"}).get_data(as_text=True)
        assert "“<bdi>abc\u202e</bdi>”" in flipped


def test_the_search_field_takes_focus_except_on_an_advisors_own_list(demo_client, demo_auth):
    demo_auth.login("leader")
    assert all(" autofocus" in _form(demo_client.get(url).get_data(as_text=True)) for url in PAGES)
    demo_auth.logout()
    demo_auth.login("advisor1")  # their page lists their clients: the list, not the field, comes first
    page = demo_client.get("/desk/").get_data(as_text=True)
    assert " autofocus" not in _form(page) and "Appointments<span" in page
