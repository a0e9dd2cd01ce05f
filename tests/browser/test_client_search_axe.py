"""The client search shared by the booking desk and client data (templates/_client_search.html) in the browser:
axe finds nothing on either page, before and after a search, and the field is named by its label."""
from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_team_review import _axe

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/desk/", "/admin/clients"])
def test_the_client_search_is_accessible_on_both_pages(page, live_server, path):
    sign_in(page, "leader")
    page.goto(path)
    assert not _axe(page), _axe(page)
    field = page.get_by_role("search", name="Find a client").get_by_label("Reference or name")
    field.fill("N0")
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector("table.client-search")
    assert page.get_by_label("Reference or name").input_value() == "N0"
    assert not _axe(page), _axe(page)
    field = page.get_by_label("Reference or name")
    field.fill("nobody-by-this-name")
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector("td:has-text('No client')")
    assert not _axe(page), _axe(page)
