"""An administrator adds a skill without typing a code: the form shows the code the name makes, and saves it."""
from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_team_review import _axe

pytestmark = pytest.mark.browser


def test_a_skill_gets_its_code_from_its_name(page, live_server):
    sign_in(page, "admin")
    page.goto("/admin/skills")
    page.fill("#name", "Mental Health!")
    assert page.locator("#code").get_attribute("placeholder") == "mental-health"
    assert not _axe(page), _axe(page)
    page.click("button:has-text('Save skill')")
    page.wait_for_url("**/admin/skills")
    assert page.locator("td", has_text="mental-health").count() == 1
