"""An administrator closes the office for Christmas Day on the Closures page in Chromium (CSRF on, strict CSP):
a refused form keeps what was typed and names the field, the added day is listed, and axe finds nothing."""
from __future__ import annotations

import pytest

from tests.browser.conftest import OUTPUT, sign_in
from tests.browser.test_team_review import _axe

pytestmark = pytest.mark.browser


def test_an_administrator_adds_and_removes_a_closed_day(page, live_server):
    sign_in(page, "admin")
    page.click("nav.admin-nav >> text=Closures")
    page.wait_for_url("**/admin/closures")
    assert page.locator("h1").inner_text() == "Office closures"
    assert "No closed days yet." in page.locator("#closures").inner_text()
    assert not _axe(page), _axe(page)
    page.fill("#day", "2026-12-25")
    page.click("button:has-text('Add the closed day')")  # no reason: refused, naming it
    assert "Say why the office is closed" in page.locator("main").inner_text()
    assert page.locator("#day").input_value() == "2026-12-25"
    assert not _axe(page), _axe(page)
    page.fill("#reason", "Christmas Day")
    page.click("button:has-text('Add the closed day')")
    page.wait_for_url("**/admin/closures")
    assert "Office closed Fri 25 Dec 2026 for the whole service" in page.locator(".flash").first.inner_text()
    row = page.locator("#closures tbody tr").first.inner_text()
    assert "Fri 25 Dec 2026" in row and "Christmas Day" in row
    assert not _axe(page), _axe(page)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "closures-page.png"), full_page=True)
    page.click("#closures button:has-text('Remove')")
    assert "Closure removed" in page.locator(".flash").first.inner_text()
    assert "No closed days yet." in page.locator("#closures").inner_text()
