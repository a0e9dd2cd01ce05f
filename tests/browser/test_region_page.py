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


def test_the_region_page_watches_runs_without_wiping_what_is_typed(page, live_server):
    """While a run is queued the page polls /admin/region/status (it used to reload itself every 3 s, wiping the
    time limit being typed and losing focus); the figures change in place when the run ends."""
    from sqlalchemy import select

    from caseload.extensions import db
    from caseload.localtime import this_week_start
    from caseload.models import SolveJob, Team
    from caseload.services.demo import TIMEZONE

    with live_server.app.app_context():
        north = db.session.scalar(select(Team).where(Team.name == "north"))
        job = SolveJob(team=north, week_start=this_week_start(TIMEZONE), status="queued", time_limit=60)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    sign_in(page, "admin")
    page.goto("/admin/region")
    assert page.locator('#region-runs tr[data-team="north"]').get_attribute("data-state") == "queued"
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    page.evaluate("window.notReloaded = true")
    page.fill("#time_limit", "33")
    page.wait_for_timeout(4500)  # the old page reloaded after 3 s
    assert page.evaluate("window.notReloaded === true")
    assert page.locator("#time_limit").input_value() == "33"
    assert page.evaluate("document.activeElement.id") == "time_limit"
    assert not _axe(page), _axe(page)
    with live_server.app.app_context():
        db.session.get(SolveJob, job_id).status = "cancelled"
        db.session.commit()
    from playwright.sync_api import expect

    expect(page.locator("#region-progress")).to_contain_text("Every run has ended", timeout=10_000)
    assert page.locator('#region-runs tr[data-team="north"]').get_attribute("data-state") == "cancelled"
    assert page.locator("#time_limit").input_value() == "33" and page.evaluate("window.notReloaded === true")
