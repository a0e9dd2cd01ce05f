"""A team leader plans a week in the browser, reviews the week grid and publishes it; the advisor then sees it."""
from __future__ import annotations

import pytest

from tests.browser.conftest import OUTPUT, sign_in

pytestmark = pytest.mark.browser


def test_a_leader_plans_and_publishes_a_week(page, live_server):
    sign_in(page, "leader")  # the leader of one team lands on its week
    page.wait_for_selector("h1:has-text('Team north')")
    page.click("details.plan-advanced summary")  # the time limit is under "Advanced"
    page.fill("#time_limit", "3")
    page.click("button:has-text('Plan the week')")
    # The job panel polls the run (rota.js) until it finishes, then offers the plan.
    page.wait_for_selector("#job[data-status='succeeded']", timeout=60_000)
    assert "appointments placed" in page.locator(".job-message").inner_text()
    # Ended: the box says how long it took in place of "Planning started…", and no "Time left 0.0 s".
    assert page.locator(".job-started").inner_text().startswith("Finished in ")
    assert "Planning started" not in page.content() and page.locator(".job-left").is_hidden()
    page.click(".job-result")
    page.wait_for_selector("h1:has-text('Plan')")
    assert "draft" in page.locator(".plan-status").inner_text()

    grid = page.locator(".team-scroll-day")
    assert page.locator("table.team-grid td.appt").count() > 10  # Monday's appointments, advisors across
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / "week-grid.png"
    grid.screenshot(path=str(shot))  # the team's Monday: an advisor per column
    assert shot.stat().st_size > 5_000
    print(f"\nscreenshot of the week grid: {shot}")

    page.click("text=Publish this plan")
    page.wait_for_selector("h2:has-text('What publishing does')")
    page.click("button:has-text('Confirm: publish this plan')")
    page.wait_for_load_state()
    assert "published" in page.locator(".plan-status").inner_text()
    assert "version 1" in page.locator(".plan-status").inner_text()
    page.click("text=Sign out")

    # The advisor now sees the published week instead of "not published yet".
    sign_in(page, "advisor1")
    assert "/me/" in page.url
    assert "Published plan, version 1" in page.content()
    assert "has not been published yet" not in page.content()
    page.screenshot(path=str(OUTPUT / "advisor-week.png"), full_page=True)
