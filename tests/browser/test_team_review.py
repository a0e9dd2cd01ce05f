"""A team leader reviews the demo week in the team view, filters it to one advisor and publishes through the
summary; axe-core (vendored, caseload/static/vendor/axe.min.js) audits every page of all three roles.

axe is injected from the app's own static URL, so the pages keep their strict Content-Security-Policy
while they are audited (an inline copy would need the CSP switched off)."""
from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlparse

import pytest

from tests.browser.conftest import OUTPUT, sign_in

pytestmark = pytest.mark.browser
AXE_URL = "/static/vendor/axe.min.js"
# WCAG 2.0/2.1/2.2 A and AA, plus axe's best practices (landmarks, one main, headings, skip link target).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SKIP = re.compile(r"(\.csv|\.json|\.ics|/logout|/delete|/export|/feed|/cancel|/calendar|/template)", re.I)


def _plan_url(page) -> str:
    """The newest plan of north's week, planning it (3 s) when there is none yet."""
    sign_in(page, "leader")
    page.click("text=north")
    page.wait_for_selector("h1:has-text('Team north')")
    plans = page.locator("ul.plans a")
    if plans.count():
        return plans.first.get_attribute("href")
    page.fill("#time_limit", "3")
    page.click("button:has-text('Plan the week')")
    page.wait_for_selector("#job[data-status='succeeded']", timeout=90_000)
    return page.locator(".job-result").get_attribute("href")


def test_a_leader_reviews_the_week_in_the_team_view_filters_and_publishes(page):
    review = _plan_url(page)
    page.goto(review)
    OUTPUT.mkdir(exist_ok=True)
    heads = page.locator("table.team-grid thead th[scope=col]:not(.time)")
    assert heads.count() == 12  # every advisor of north, one column each
    assert page.locator("table.team-grid td.appt").count() > 10
    assert "Within" in page.locator(".plan-quality").inner_text() or "best possible" in page.locator(".plan-quality").inner_text()
    page.locator("#team").screenshot(path=str(OUTPUT / "team-view.png"))

    # Another day from the tabs, then one advisor from the filter form (a GET, so the view is a link).
    page.click(".day-tabs a:nth-child(2)")
    assert page.locator(".day-tabs a[aria-current=page]").inner_text().startswith("Tue")
    name = heads.nth(2).inner_text()
    page.select_option("#f-advisor", label=name)
    page.click(".team-filters button:has-text('Show')")
    page.wait_for_load_state()
    assert "advisor=" in page.url
    assert page.locator("table.team-grid thead th[scope=col]:not(.time)").all_inner_texts() == [name]
    page.locator("#team").screenshot(path=str(OUTPUT / "team-view-one-advisor.png"))

    page.click("text=Publish this plan")
    page.wait_for_selector("h2:has-text('What publishing does')")
    assert "stay unassigned" in page.locator(".publish-summary").inner_text()
    page.screenshot(path=str(OUTPUT / "publish-summary.png"), full_page=True)
    page.click("button:has-text('Confirm: publish this plan')")
    page.wait_for_load_state()
    assert "published" in page.locator(".plan-status").inner_text()


def _axe(page) -> list[dict]:
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def _crawl(page, start: str, limit: int) -> dict[str, list]:
    """Visit same-site pages reachable by links from `start` (GET only), auditing each with axe."""
    origin = urlparse(page.url).netloc
    queue, seen, found = [start], set(), {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        key = re.sub(r"\d+", "N", urlparse(url).path) + ("?q" if urlparse(url).query else "")
        if key in seen:
            continue
        seen.add(key)
        response = page.goto(url)
        if response is None or response.status >= 400 or "html" not in response.headers.get("content-type", ""):
            continue
        violations = _axe(page)
        if violations:
            found[urlparse(url).path + ("?" + urlparse(url).query if urlparse(url).query else "")] = violations
        for href in page.eval_on_selector_all("main a[href], nav a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(url, href.split("#")[0])
            if urlparse(target).netloc == origin and not SKIP.search(target) and target not in queue:
                queue.append(target)
    return found


@pytest.mark.parametrize("username", ["leader", "advisor1", "admin"])
def test_axe_finds_no_violations_on_the_pages_of_each_role(page, username):
    review = _plan_url(page) if username == "leader" else None
    if username != "leader":
        sign_in(page, username)
    found = _crawl(page, page.url, 30)
    if review:
        for url in (review, review + "?kind=policing&flag=covering", review.rstrip("/") + "/publish"):
            page.goto(url)
            if violations := _axe(page):
                found[url] = violations
    (OUTPUT / f"axe-{username}.json").write_text(json.dumps(found, indent=1))
    assert not found, json.dumps(found, indent=1)[:4000]
