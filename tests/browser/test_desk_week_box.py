"""The desk's times box follows "Week of" in the browser (static/desk_ask.js) until the user edits it: on a
Tuesday afternoon this week's defaults run from the next slot, next week's are Mon-Fri whole days."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_team_review import _axe
from tests.clock import at

pytestmark = pytest.mark.browser

TUESDAY_AFTERNOON = datetime(2026, 12, 1, 14, 5, tzinfo=timezone.utc)


def test_the_times_box_follows_the_week_until_edited(page, live_server):
    with at(TUESDAY_AFTERNOON):
        sign_in(page, "leader")
        page.click("text=north")
        page.click("a:has-text('Clients')")
        page.locator("a:has-text('appointments')").first.click()
        page.wait_for_selector("h2:has-text('Book an appointment')")
        box = page.locator("#windows")
        assert box.input_value().splitlines()[0] == "tue 14:15-17:00"
        page.select_option("#week", index=1)
        assert box.input_value().splitlines() == [f"{d} 09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")]
        page.select_option("#week", index=0)
        assert box.input_value().splitlines()[0] == "tue 14:15-17:00"
        box.fill("wed 10:00-12:00")
        page.select_option("#week", index=2)
        assert box.input_value() == "wed 10:00-12:00"  # typed times are the user's
        assert _axe(page) == []
