"""An advisor's own desk bookings show in their week and caseload before the week is published, marked as booked
and not yet planned. (advisor1 booked a follow-up for a client of theirs next week; "My caseload" said "Next
appointment —" and "My week" only "not published yet".)"""
from __future__ import annotations

import re

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.planning.plans import published_plan
from tests.web import access_matrix as m
from tests.web import desk_support as d


def test_a_booking_in_a_week_not_yet_published_shows_as_booked(demo_auth):
    advisor = m.user("advisor1").advisor
    client = m.client_of("advisor1")
    week = d.next_week()
    assert published_plan(advisor.team, week) is None
    ask = d.ask(client, week_start=week, advisor=advisor)
    offer = desk_offers.offers(advisor.team, ask)[0]
    booked = booking.book(advisor.team, ask, advisor.id, offer.local, m.user("advisor1"))
    request = booked.request
    start = to_local(request.pinned_start, advisor.team.timezone)
    demo_auth.login("advisor1")

    page = demo_auth.client.get("/me/caseload").get_data(as_text=True)
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(client.reference)}(?:(?!</tr>).)*</tr>", page, re.S).group(0)
    assert start.strftime("%a %d %b %H:%M") in row and "booked, not yet planned" in row

    page = demo_auth.client.get(f"/me/week/{week.isoformat()}").get_data(as_text=True)
    assert "has not been published yet" in page and "Booked, not yet planned" in page
    assert f'id="booked-{request.id}"' in page and client.reference in page

    request.cancelled_at = request.booked_at  # cancelled: no longer shown
    db.session.commit()
    page = demo_auth.client.get(f"/me/week/{week.isoformat()}").get_data(as_text=True)
    assert f'id="booked-{request.id}"' not in page
