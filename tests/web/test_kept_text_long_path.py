"""A form posted after the session ended to a path longer than kept_texts.path holds (2000 characters: a made-up
address, the week segment of /rota/t/<team>/<week>/requests/new is unbounded) was a 500 on PostgreSQL (DataError)
when its text was kept. Such text is not kept (caseload/auth/kept_text.keepable_path): the sign-in page all the
same, and nothing longer than the column is ever written, on any database."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from caseload.auth.kept_text import PATH_MOST
from caseload.extensions import db
from caseload.models import KeptText
from tests.web import access_matrix as m


@pytest.fixture
def ended(demo_app, demo_client):
    """What the leader's form posts once their session has ended: a token of the old session, and the stamp
    naming who the form was shown to (as in test_form_expiry), with CSRF on."""
    demo_app.config["WTF_CSRF_ENABLED"] = True
    page = demo_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    demo_client.post("/login", data={"username": "leader", "password": "demo", "csrf_token": token})
    stamp = re.search(r'name="typist" value="([^"]+)"', demo_client.get("/account/password").get_data(as_text=True))
    with demo_client.session_transaction() as session:  # the session ended
        session.clear()
    yield {"csrf_token": token, "typist": stamp.group(1)}
    demo_app.config["WTF_CSRF_ENABLED"] = False


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _hidden(response) -> dict:
    """The sign-in page's hidden fields but its token (the kept text's key, when one was kept)."""
    return {name: value for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">',
                                                      _text(response)) if name != "csrf_token"}


def _path_of_length(team_id: int, length: int) -> str:
    head, tail = f"/rota/t/{team_id}/", "/requests/new"
    return head + "2" * (length - len(head) - len(tail)) + tail


def _post(demo_client, ended, path: str):
    return demo_client.post(path, data={"notes": "typed before the session ended", **ended})


def _kept_paths() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(KeptText.path)))


@pytest.mark.parametrize("length", [2500, PATH_MOST + 1])
def test_text_posted_to_a_path_longer_than_the_column_is_not_kept_and_is_no_500(demo_client, ended, length):
    path = _path_of_length(m.team("north").id, length)
    assert len(path) == length > PATH_MOST == 2000
    asked = _post(demo_client, ended, path)
    assert asked.status_code == 401 and "Sign in to Caseload" in _text(asked)
    assert "Sign in again to continue" in _text(asked) and _hidden(asked) == {}  # no key: nothing kept
    assert _kept_paths() == []


def test_text_posted_to_a_path_of_the_column_length_is_kept(demo_client, ended):
    """The boundary: a path of exactly PATH_MOST characters fits the column, and its text is kept as before."""
    path = _path_of_length(m.team("north").id, PATH_MOST)
    asked = _post(demo_client, ended, path)
    assert asked.status_code == 401 and list(_hidden(asked)) == ["kept"]
    assert _kept_paths() == [path]


def test_text_posted_to_a_path_with_a_nul_character_is_not_kept(demo_client, ended):
    """PostgreSQL cannot store a NUL in text: such a path (%00 in the week segment) keeps nothing, and is no 500."""
    north = m.team("north")
    asked = _post(demo_client, ended, f"/rota/t/{north.id}/%00/requests/new")
    assert asked.status_code == 401 and _hidden(asked) == {}
    assert db.session.scalar(select(func.count(KeptText.id))) == 0
