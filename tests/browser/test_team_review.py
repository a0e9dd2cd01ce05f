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
    page.click("details.plan-advanced summary")  # the time limit is under "Advanced"
    page.fill("#time_limit", "3")
    page.click("button:has-text('Plan the week')")
    page.wait_for_selector("#job[data-status='succeeded']", timeout=90_000)
    return page.locator(".job-result").get_attribute("href")


def _policing_move(app, plan_id: int):
    """A policing appointment of the draft, its client's named advisor (who does policing) and a start where that
    advisor could take it: what a leader would try, and what the guardrail asks about."""
    from datetime import datetime

    from caseload.extensions import db
    from caseload.models import Plan
    from caseload.services.planning.move_offers import _without
    from caseload.services.planning.problem import advisor_sid, request_sid
    from scheduler.model import TIME_FORMAT
    from scheduler.booking import Desk

    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        try:
            for item in plan.items:
                request = item.request
                if request is None or request.type.kind != "policing" or item.advisor_id is None or item.pinned:
                    continue
                named = request.client.named_advisor
                if named is None or not named.does_policing or named.id == item.advisor_id:
                    continue
                sid = request_sid(item.request_id)
                appointment = next(a for a in plan.problem["appointments"] if a["id"] == sid)
                desk = Desk(*_without(plan.problem, plan.solution, sid))
                answer = desk.offers({k: v for k, v in appointment.items() if k != "pinned"}, count=200)
                for offer in answer["offers"]:
                    if offer["advisor"] == advisor_sid(named.id) and not offer["moves"]:
                        return item.id, named.id, datetime.strptime(offer["start"], TIME_FORMAT)
        finally:
            db.session.remove()
    raise AssertionError("the demo week has no policing appointment its client's named advisor could take")


def _confirm_if_asked(page, reason: str) -> bool:
    """On the guardrail's confirmation page, give the reason and confirm; False when the move needed none."""
    if not page.locator("h1:has-text('Confirm the move')").count():
        return False
    page.fill("#reason", reason)
    page.click("button:has-text('Confirm the move')")
    page.wait_for_load_state()
    return True


def test_a_leader_reviews_the_week_in_the_team_view_filters_and_publishes(page, live_server):
    review = _plan_url(page)
    page.goto(review)
    OUTPUT.mkdir(exist_ok=True)
    heads = page.locator("table.team-grid thead th[scope=col]:not(.time)")
    assert heads.count() == 12  # every advisor of north, one column each
    assert page.locator("table.team-grid td.appt").count() > 10
    assert "plan found" in page.locator(".plan-quality").inner_text()
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

    # Click to move: choose an appointment, its best places are marked in the grid; move it to one of them.
    page.goto(review)
    page.locator("table.team-grid td.appt a.move-link").first.click()
    page.wait_for_selector("#move li.offer")
    marks = page.locator("table.team-grid a.offer-mark")
    assert marks.count() >= 1, "no offer marked in the day's grid"
    assert page.locator("table.team-grid td.moving").count() == 1
    assert page.locator("#move li.offer").first.inner_text().count("where it is now") <= 1
    page.locator("#team").screenshot(path=str(OUTPUT / "team-view-offers.png"))
    target = None
    for i in range(marks.count()):
        mark = marks.nth(i)
        if "(now)" not in mark.inner_text():
            target = mark.get_attribute("href")
            break
    assert target, "every offer marked on this day is where the appointment is now"
    page.click(f"table.team-grid a.offer-mark[href='{target}']")
    offer = page.locator(f"{target}")
    words = offer.inner_text()
    assert any(w in words for w in ("better than where it is now", "worse than where it is now", "as good as where it is now"))
    offer.locator("button:has-text('Move here')").click()
    page.wait_for_load_state()
    _confirm_if_asked(page, "Better for the client this week")
    assert "moved to" in page.locator(".flash-success").inner_text()
    if page.locator("h1:has-text('Handover note')").count():  # covering: the page asks for a handover note
        page.fill("#body", "Usual advisor away; notes are on the file.")
        page.click("main button[type=submit]")
        page.wait_for_load_state()

    # A policing appointment moved to the client's own named advisor: the guardrail asks for a reason first.
    plan_id = int(review.rstrip("/").rsplit("/", 1)[1])
    item_id, advisor_id, start = _policing_move(live_server.app, plan_id)
    page.goto(review)
    page.select_option("#item", value=str(item_id))
    page.select_option("#advisor", value=str(advisor_id))
    page.fill("#day", start.date().isoformat())
    page.fill("#time", start.strftime("%H:%M"))
    page.click("form.move-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Confirm the move')")
    assert "policing appointment" in page.locator(".warnings").inner_text()
    assert "named advisor" in page.locator(".warnings").inner_text()
    page.screenshot(path=str(OUTPUT / "confirm-policing-move.png"), full_page=True)
    assert _confirm_if_asked(page, "Only advisor trained for this review this week")
    assert "moved to" in page.locator(".flash-success").inner_text()

    page.click("text=Publish this plan")
    page.wait_for_selector("h2:has-text('What publishing does')")
    assert "stay unassigned" in page.locator(".publish-summary").inner_text()
    page.screenshot(path=str(OUTPUT / "publish-summary.png"), full_page=True)
    page.click("button:has-text('Confirm: publish this plan')")
    page.wait_for_load_state()
    assert "published" in page.locator(".plan-status").inner_text()


def _axe(page) -> list[dict]:
    page.wait_for_load_state("load")  # audit the page as loaded, not one still arriving
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    found = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
              "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]
    # WCAG 2.2 dropped 4.1.1 (parsing), so axe no longer reports duplicate ids; a label or aria reference to a
    # duplicated id still points at the wrong element, so the pages are held to unique ids here.
    twice = page.evaluate("""() => { const seen = {}; document.querySelectorAll('[id]').forEach(e => {
        seen[e.id] = (seen[e.id] || 0) + 1; }); return Object.keys(seen).filter(k => seen[k] > 1); }""")
    if twice:
        found.append({"id": "duplicate-id (own check)", "impact": "serious", "help": "ids are unique", "nodes": twice[:5]})
    return found


# Forms the crawl does not submit: they end the session, delete or cancel something, publish, or start solver runs.
NO_SUBMIT = re.compile(r"(logout|/delete|/cancel|revoke|erase|/publish|/plan$|/resolve|what-if|/region|/attendance)", re.I)


def _submit_forms(page, url: str, submitted: set, found: dict) -> None:
    """Submit each POST form of the page at `url` once as the page presents it (empty fields stay empty), and
    audit the page that answers: the form's error page, or the page after a successful save (with its flash)."""
    forms = page.eval_on_selector_all(
        "main form[method=post]", "fs => fs.map((f, i) => ({i, action: f.getAttribute('action') || '', "
        "confirm: f.hasAttribute('data-confirm')}))")
    for form in forms:
        key = re.sub(r"\d+", "N", urlparse(urljoin(url, form["action"])).path)
        if form["confirm"] or NO_SUBMIT.search(key) or key in submitted:
            continue
        submitted.add(key)
        page.goto(url)
        with page.expect_navigation():
            page.evaluate("i => document.querySelectorAll('main form[method=post]')[i].submit()", form["i"])
        if "html" not in (page.evaluate("document.contentType") or ""):
            continue
        if violations := _axe(page):
            found[f"POST {key} -> {urlparse(page.url).path}"] = violations


AUDITED: dict[str, list] = {}  # what each role's crawl audited, written beside its axe report


def _crawl(page, start: str, limit: int) -> dict[str, list]:
    """Visit same-site pages reachable by links from `start` (GET), auditing each with axe, and submit each kind
    of form found on them once (see _submit_forms), auditing the answer too."""
    origin = urlparse(page.url).netloc
    queue, seen, found, submitted = [start], set(), {}, set()
    while queue and len(seen) < limit:
        url = queue.pop(0).split("#")[0]
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
        for href in page.eval_on_selector_all("main a[href], nav a[href], header a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(url, href.split("#")[0])
            if urlparse(target).netloc == origin and not SKIP.search(target) and target not in queue:
                queue.append(target)
        _submit_forms(page, url, submitted, found)
    AUDITED[start] = sorted(seen) + sorted(f"POST {k}" for k in submitted)
    return found


def _new_draft(app) -> str:
    """A fresh draft of north's week (the named-first desk plan, no solver run): its review page's path."""
    from sqlalchemy import select

    from caseload.extensions import db
    from caseload.localtime import this_week_start
    from caseload.models import Team
    from caseload.services.planning.boundary import save_plan, to_problem
    from scheduler.baselines import named_first

    with app.app_context():
        try:
            team = db.session.scalar(select(Team).where(Team.name == "north"))
            week = this_week_start(team.timezone)
            problem, maps = to_problem(team, week)
            return f"/rota/plans/{save_plan(team, week, problem, named_first(problem), skipped=maps.skipped).id}"
        finally:
            db.session.remove()


@pytest.mark.parametrize("username", ["leader", "advisor1", "admin"])
def test_axe_finds_no_violations_on_the_pages_of_each_role(page, live_server, username):
    review = _plan_url(page) if username == "leader" else None
    if username != "leader":
        sign_in(page, username)
    start = page.url.split("#")[0]  # a same-page goto (only the fragment differs) loads nothing
    found = _crawl(page, start, 80)
    (OUTPUT / f"axe-{username}-audited.json").write_text(json.dumps(AUDITED[start], indent=1))
    if review:
        for url in (review, review + "?kind=policing&flag=covering", review.rstrip("/") + "/publish"):
            page.goto(url)
            if violations := _axe(page):
                found[url] = violations
        # Choosing an appointment to move (the offers marked in the grid), and a refused move (the form kept).
        page.goto(_new_draft(live_server.app))
        page.locator("table.team-grid td.appt a.move-link").first.click()
        page.wait_for_selector("#move")
        if violations := _axe(page):
            found["review?move"] = violations
        from datetime import date, timedelta

        saturday = date.fromisoformat(page.locator("#day").get_attribute("min")) + timedelta(days=5)
        page.fill("#day", saturday.isoformat())  # outside everyone's working time: refused, the form kept
        page.fill("#time", "03:00")
        page.click("form.move-form button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".flash-error").count() and page.locator("#time").input_value() == "03:00"
        if violations := _axe(page):
            found["POST move (refused)"] = violations
    (OUTPUT / f"axe-{username}.json").write_text(json.dumps(found, indent=1))
    assert not found, json.dumps(found, indent=1)[:4000]


MAIN_PAGES = {
    "leader": ["/rota/", "{week}", "{week}requests", "/rota/t/1/clients", "{review}", "{review}/publish", "/admin/reports",
               "/desk/clients/1"],
    "advisor1": ["/me/", "/me/caseload", "/me/time", "/me/handovers", "/me/calendar"],
    "admin": ["/admin/", "/admin/users", "/admin/teams", "/admin/advisors", "/admin/weights", "/admin/reports",
              "/admin/audit", "/admin/region", "/admin/types", "/admin/skills"],
}


@pytest.mark.parametrize("username", ["leader", "advisor1", "admin"])
def test_the_main_pages_are_usable_390_px_wide(browser, live_server, username):
    """At 390 px (a phone) no main page scrolls sideways; only the team view's grid scrolls inside its own box."""
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        review = _plan_url(page) if username == "leader" else ""
        if username != "leader":
            sign_in(page, username)
        week = ""
        if username == "leader":
            page.goto("/rota/")  # the leader of one team goes straight to its week
            page.wait_for_selector("h1:has-text('Team north')")
            week = urlparse(page.url).path
        wide = {}
        for path in MAIN_PAGES[username]:
            url = path.format(week=week, review=review.rstrip("/"))
            response = page.goto(url)
            assert response.status < 400, url
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                culprits = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => {
                    const r = e.getBoundingClientRect(); return r.right > window.innerWidth + 1
                      && !(e.parentElement && e.parentElement.closest('.team-scroll, .table-scroll')); })
                    .slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
                wide[url] = (overflow, culprits)
        page.goto(MAIN_PAGES[username][0].format(week=week, review=review))
        page.screenshot(path=str(OUTPUT / f"narrow-{username}.png"), full_page=True)
        assert not wide, wide
    finally:
        context.close()


def test_focus_is_visible_and_the_skip_link_leads_to_the_content(page):
    sign_in(page, "leader")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert "skip-link" in focused
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle + ' ' + "
                            "getComputedStyle(document.activeElement).outlineWidth")
    assert outline.split()[0] != "none" and outline.split()[1] != "0px", outline
    assert page.locator("a.skip-link").bounding_box()["y"] >= 0  # shown on screen when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
