"""An account whose stored username holds a line break or another control character (stored before the checks;
the forms refuse them now), edited for something else on the administrator's form.

A browser's text box drops the line break from the value it is given (HTML's value sanitisation), so the form sends
back 'annlee' for 'ann\\nlee': read as a rename, an unrelated edit (the full name) silently renamed the account, or
was refused when 'annlee' is taken. A control character comes back as given and the edge refused it. Now the stored
username sent back as its box shows it is no change, and the page says what the username holds and how to fix it.
"""
from __future__ import annotations

import html
import re

import pytest

from caseload.models import Role
from tests.web.test_user_rename import _fresh, _renames, _stored, admin_client  # noqa: F401 (fixture)


def _as_a_browser_posts(client, user_id: int, **typed) -> tuple[str, object]:
    """The edit page, and its form posted as a browser would: every input's value as the browser holds it (a text
    box's line breaks dropped, as HTML's value sanitisation does), then `typed` over it."""
    page = client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    data = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]*)"', tag)
        if name is None:
            continue
        kind = (re.search(r'\btype="([^"]*)"', tag) or [None, "text"])[1]
        value = html.unescape((re.search(r'\bvalue="([^"]*)"', tag, re.S) or [None, ""])[1])
        if kind == "checkbox":
            if "checked" in tag:
                data[name.group(1)] = value or "y"
            continue
        if kind == "text":
            value = value.replace("\r", "").replace("\n", "")
        data[name.group(1)] = value
    for select in re.finditer(r'<select\b[^>]*\bname="([^"]*)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option\b[^>]*\bselected[^>]*\bvalue="([^"]*)"|<option\b[^>]*\bvalue="([^"]*)"[^>]*'
                           r'\bselected', select.group(2))
        if chosen:
            data[select.group(1)] = chosen.group(1) or chosen.group(2)
    data.update(typed)
    return page, client.post(f"/admin/users/{user_id}", data=data)


@pytest.mark.parametrize("stored", ["ann\nlee", "ann\r\nlee", "ann\x1blee"])
def test_an_unrelated_edit_keeps_a_stored_username_the_box_cannot_show(admin_client, stored):
    ann = _stored(stored)
    page, response = _as_a_browser_posts(admin_client, ann.id, display_name="Ann Lee-Smith")
    page = html.unescape(page)
    assert "cannot be typed" in page and f"flask rename-user '#{ann.id}'" in page and "Username field" in page
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    ann = _fresh(ann)
    assert (ann.username, ann.display_name) == (stored, "Ann Lee-Smith")
    assert _renames(ann) == []


def test_an_unrelated_edit_is_not_refused_when_the_shown_name_is_taken(admin_client):
    _stored("annlee")
    ann = _stored("ann\nlee")
    _, response = _as_a_browser_posts(admin_client, ann.id, role=Role.LEADER.value)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    ann = _fresh(ann)
    assert (ann.username, ann.role) == ("ann\nlee", Role.LEADER)


def test_a_new_username_typed_in_the_box_still_renames_it(admin_client):
    ann = _stored("ann\nlee")
    _, response = _as_a_browser_posts(admin_client, ann.id, username="ann.lee")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert _fresh(ann).username == "ann.lee"
    assert _renames(ann) == [{"changes": {"username": ["ann\nlee", "ann.lee"]}}]


def test_a_typeable_username_shows_no_notice(admin_client):
    kate = _stored("kate")
    page = admin_client.get(f"/admin/users/{kate.id}").get_data(as_text=True)
    assert "cannot be typed" not in page
