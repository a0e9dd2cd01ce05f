"""The booking desk's day, in the browser (issue 15's "Done when"): a leader books a new client's first
meeting from offers; an advisor books a fortnightly series of 4 for their client and records one DNA and
one attended; a leader adds an absence on a published day and rebooks each appointment it breaks.
Screenshots land in test-output/desk-*.png; axe-core audits every page visited.

The office is the demo one with this week planned (named-first) and published, and last week's published
plan holding two past appointments of advisor1's first client with advisor1 (attendance can be recorded
only from an appointment's start, and a test cannot wait a week).
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.browser.conftest import OUTPUT, sign_in
from tests.browser.test_team_review import _axe

pytestmark = pytest.mark.browser


def _seed_weeks() -> None:
    from caseload.extensions import db
    from caseload.localtime import to_utc
    from caseload.models import AppointmentRequest, Plan, PlanItem
    from tests.web import access_matrix as m
    from tests.web import desk_support as d

    d.publish_week()
    north, client, advisor = m.team("north"), m.client_of("advisor1"), m.user("advisor1").advisor
    last = d.week() - timedelta(days=7)
    items = []
    for day, time in ((1, "10:00"), (3, "11:00")):
        start = to_utc(last + timedelta(days=day), time, north.timezone)
        request = AppointmentRequest(team=north, week_start=last, client=client, type=d.follow_up(),
                                     duration_minutes=30, purpose="Follow-up", pinned_advisor=advisor, pinned_start=start)
        items.append(PlanItem(request=request, advisor=advisor, starts_at=start, ends_at=start + timedelta(minutes=30),
                              pinned=True))
    db.session.add(Plan(team=north, week_start=last, status="published", published_version=1, items=items))
    db.session.commit()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """As tests/browser/conftest.py's, on a demo office with the weeks above."""
    from werkzeug.serving import make_server

    from caseload.extensions import db
    from caseload.services.demo import seed_demo
    from tests import clock
    from tests.conftest import _make_app, _reset_schema

    path = tmp_path_factory.mktemp("desk-browser") / "demo.db"
    app = _make_app(f"sqlite:///{path}", WTF_CSRF_ENABLED=True, SOLVER_TIME_LIMIT_S=3.0)
    _reset_schema(app)
    with app.app_context(), clock.pinned():  # built for the week the tests run in (tests/clock.py)
        seed_demo("demo")
        _seed_weeks()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _audit(page, name: str) -> None:
    """axe finds nothing on the page; a screenshot of it is saved."""
    assert _axe(page) == [], page.url
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"desk-{name}.png"), full_page=True)


def _show_offers(page, week_index: int = 0) -> None:
    page.select_option("#type", label="Follow-up (30 min, support)")
    page.select_option("#week", index=week_index)
    page.click("button:has-text('Show offers')")
    page.wait_for_selector("h1:has-text('Offers for')")


def test_the_desks_day(page, live_server):
    # 1. A leader adds a new client and books their first meeting from the offers.
    sign_in(page, "leader")
    page.click("text=north")
    page.click("a:has-text('Clients')")
    page.click("a:has-text('Add a client')")
    page.fill("#reference", "N-NEW1")
    page.fill("#name", "Nia Newcomer")
    page.select_option("#need", index=1)
    with page.expect_navigation():  # wait for the answer page, not the page clicked on
        page.click("button:has-text('Save')")
    page.locator("tr", has_text="N-NEW1").locator("a:has-text('appointments')").click()
    page.wait_for_selector("h2:has-text('Book an appointment')")
    assert "named advisor: none yet" in page.content() and "last attended contact: none yet" in page.content()
    _audit(page, "new-client")
    _show_offers(page)
    first = page.locator("li.offer").first
    reasons = first.locator("p").first.inner_text()
    assert "has no named advisor yet" in reasons and "would become it" in reasons, reasons
    _audit(page, "new-client-offers")
    who = first.locator("h2").inner_text().split(" with ", 1)[1]
    with page.expect_navigation():  # wait for the answer page, not the page clicked on
        first.locator("button").click()
    assert "Booked: N-NEW1 with " + who in page.locator(".flash-success").inner_text()
    assert "published plan (version 2)" in page.locator(".flash-success").inner_text()
    assert f"named advisor: {who}" in page.content() and who in page.locator("#upcoming").inner_text()
    page.click("text=Sign out")

    # 2. An advisor books a fortnightly series of 4 for their client, then records one DNA and one attended.
    sign_in(page, "advisor1")
    with page.expect_navigation():
        page.click("a:has-text('My caseload')")
    _audit(page, "caseload")
    page.locator("a:has-text('appointments')").first.click()
    page.wait_for_selector("h2:has-text('Book an appointment')")
    page.select_option("#repeat", label="Every 2 weeks")
    page.fill("#count", "4")
    _show_offers(page)
    offer = page.locator("li.offer").first
    assert offer.locator("ol.series-instances li").count() == 4
    assert "The same weekday and time each time" in offer.inner_text()
    _audit(page, "series-offers")
    with page.expect_navigation():  # wait for the answer page, not the page clicked on
        offer.locator("button").click()
    assert "Booked a series of 4" in page.locator(".flash-success").inner_text()
    series = page.locator("table.series")
    assert series.locator("tbody tr").count() == 4 and series.inner_text().count("upcoming") == 4
    past = page.locator("#past tbody tr:has(select)")  # the two past appointments, among the client's history
    assert past.count() == 2 and "client history" in page.locator("#past tbody").inner_text()
    for row, outcome in ((past.nth(0), "dna"), (past.nth(1), "attended")):
        row.locator("select").select_option(outcome)
        with page.expect_navigation():  # wait for the answer page, not the page clicked on
            row.locator("button:has-text('Save')").click()
        assert "Attendance saved." in page.locator(".flash-success").inner_text()
    assert page.locator("#dna-count").inner_text() == "1"
    assert "attended contact" in page.locator("#continuity").inner_text()
    _audit(page, "series-and-attendance")
    page.click("text=Sign out")

    # 3. A leader adds an absence on a published day and rebooks each appointment it breaks.
    sign_in(page, "leader")
    page.click("text=north")
    page.wait_for_selector("h1:has-text('Team north')")
    advisor_label = page.locator("#advisor option").nth(1).inner_text()
    page.select_option("#advisor", index=1)
    day = page.locator("#start_day").get_attribute("min")  # Monday of the published week
    page.fill("#start_day", day)
    page.fill("#end_day", day)
    page.fill("#reason", "sick")
    page.click("button:has-text('Add absence')")
    page.wait_for_selector("h1:has-text('Appointments an absence or office closure breaks')")
    broken = page.locator("#broken tbody a:has-text('Rebook')")
    count = broken.count()
    assert count >= 1, f"{advisor_label} has appointments on {day}"
    print(f"\n{count} appointments of {advisor_label} on {day} rebooked in the browser")
    _audit(page, "broken")
    for done in range(count):
        page.locator("#broken tbody a:has-text('Rebook')").first.click()
        page.wait_for_selector("h1:has-text('Offers for')")
        if done == 0:
            _audit(page, "rebook-offers")
        with page.expect_navigation():  # wait for the answer page, not the page clicked on
            page.locator("li.offer").first.locator("button").click()
        assert "Rebooked: " in page.locator(".flash-success").inner_text()
        page.go_back()  # back to the offers page: a GET, nothing is re-posted
        page.go_back()
        page.reload()
        page.wait_for_selector("h1:has-text('Appointments an absence or office closure breaks')")
    assert page.locator("#broken tbody a:has-text('Rebook')").count() == 0
    assert "No booked appointment falls in an absence or on a closed day." in page.locator("#broken").inner_text()
    _audit(page, "broken-done")
