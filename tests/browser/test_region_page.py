"""An administrator plans the whole region from the Region page in Chromium (CSRF on, strict CSP)."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import OUTPUT, sign_in
from tests.browser.test_team_review import _axe

pytestmark = pytest.mark.browser


def test_an_administrator_plans_every_team_from_the_region_page(page, live_server):
    sign_in(page, "admin")
    page.click("nav.admin-nav >> text=Region")
    page.wait_for_url("**/admin/region")
    assert page.locator("h1").inner_text() == "Region: every team's week"
    assert page.locator("#region-runs tbody tr").count() == 2  # north and south, not planned yet
    page.fill("#time_limit", "1")
    page.click("button:has-text(\"Plan every team's week…\")")  # first it asks, in the page (walkthrough D)
    question = page.locator("#region-confirm-q")
    assert "Plan every team's week of" in question.inner_text() and "2 teams" in question.inner_text()
    assert page.locator('#region-runs tr[data-state="succeeded"]').count() == 0  # nothing queued yet
    assert page.locator("#time_limit").input_value() == "1"  # what was typed is kept
    assert not _axe(page), _axe(page)
    page.click(".confirm-step button")  # the demo app's queue is immediate: the runs end in the request
    page.wait_for_url(re.compile(r".*/admin/region\?week=\d{4}-\d\d-\d\d$"), timeout=60_000)
    assert "Planning queued for 2 teams." in page.locator(".flash").inner_text()
    assert page.locator('#region-runs tr[data-state="succeeded"]').count() == 2
    assert re.fullmatch(r"\d+\.\d%", page.locator('[data-total="fill"]').inner_text())
    assert re.fullmatch(r"\d+", page.locator('[data-total="unplaced"]').inner_text())
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "region-page.png"), full_page=True)
