"""The booking desk in the browser: a leader books a client's appointment from the offers (reasons in plain
words), sees it under "Upcoming"; the advisor is offered only their own diary for their own client."""
from __future__ import annotations

import pytest

from tests.browser.conftest import OUTPUT, sign_in
from tests.browser.test_team_review import _axe

pytestmark = pytest.mark.browser


def _ask_for_offers(page) -> None:
    page.select_option("#type", label="Follow-up (30 min, support)")
    page.select_option("#week", index=1)  # next week: not planned yet, so the booking is a pinned request
    assert page.locator("label[for='windows']").inner_text() == "Days and times the client can come"
    page.click("button:has-text('Show offers')")
    page.wait_for_selector("h1:has-text('Offers for')")


def test_a_leader_books_from_offers_and_the_advisor_books_their_own_diary(page, live_server):
    sign_in(page, "leader")
    page.click("text=north")
    page.click("a:has-text('Clients')")
    page.locator("a:has-text('appointments')").first.click()
    page.wait_for_selector("h2:has-text('Book an appointment')")
    assert _axe(page) == []
    reference = page.locator("h1").inner_text().split(" · ")[0]
    _ask_for_offers(page)
    assert _axe(page) == []
    offers = page.locator("li.offer")
    assert offers.count() >= 1
    first = offers.first.locator("p").inner_text()
    assert first.startswith("with ") and ("named advisor" in first or "no named advisor yet" in first), first
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "desk-offers.png"), full_page=True)
    booked_with = offers.first.locator("h2").inner_text()
    offers.first.locator("button").click()
    page.wait_for_load_state()
    assert "Booked: " + reference in page.locator(".flash-success").inner_text()
    assert "pinned request" in page.locator(".flash-success").inner_text()
    assert _axe(page) == []  # the page after booking, with its flash
    upcoming = page.locator("#upcoming").inner_text()
    assert booked_with.split(" with ")[1] in upcoming
    page.screenshot(path=str(OUTPUT / "desk-booked.png"), full_page=True)
    page.click("text=Sign out")

    sign_in(page, "advisor1")
    page.click("a:has-text('My caseload')")
    page.locator("a:has-text('appointments')").first.click()
    page.wait_for_selector("h2:has-text('Book an appointment')")
    _ask_for_offers(page)
    names = {h.split(" with ", 1)[1] for h in page.locator("li.offer h2").all_inner_texts()}
    assert len(names) <= 1  # only the advisor's own diary
