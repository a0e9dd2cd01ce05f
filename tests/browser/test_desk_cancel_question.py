"""The desk's cancel asks in the page: "Cancel…" opens the question with "Cancel appointment" and "Keep
appointment"; keeping closes it (focus back on "Cancel…") and cancels nothing; no browser dialog is used."""
from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_keep_closes_the_question_and_cancel_cancels(page, live_server):
    from caseload.extensions import db
    from caseload.services.desk import booking
    from caseload.services.desk import offers as desk_offers
    from tests.web import access_matrix as m
    from tests.web import desk_support as d

    with live_server.app.app_context():
        client = m.client_of("advisor2")
        offer = desk_offers.offers(m.team("north"), d.ask(client))[0]
        booking.book(m.team("north"), d.ask(client), offer.advisor.id, offer.local, m.user("leader"))
        client_id = client.id
        db.session.remove()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, "leader")
    page.goto(f"/desk/clients/{client_id}")
    question = page.locator("#upcoming details.confirm-cancel").first
    assert question.get_attribute("open") is None
    question.locator("summary").click()
    assert question.locator("button:has-text('Cancel appointment')").is_visible()
    question.locator("text=Keep appointment").click()
    assert question.get_attribute("open") is None
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    assert "Nothing booked ahead" not in page.locator("#upcoming").inner_text()
    question.locator("summary").click()
    question.locator("button:has-text('Cancel appointment')").click()
    page.wait_for_load_state()
    assert "Cancelled: the time is free again." in page.content()
    assert dialogs == []
