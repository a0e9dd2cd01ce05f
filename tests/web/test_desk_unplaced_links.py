"""A request the published plan left unplaced has a way forward from the week's requests list ("Book this
request", next to edit/remove), and the review's Unassigned count counts only those still needing action: one
booked at the desk since is said apart ("(1 booked at the desk)")."""
from __future__ import annotations

import html
import re

from caseload.models import AppointmentRequest
from caseload.extensions import db
from caseload.services.desk import asks, booking
from caseload.services.desk import offers as desk_offers
from caseload.services.planning.plans import publish_plan
from caseload.services.rota.requests import parse_windows
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.test_desk_unplaced_requests import TUESDAY, _draft, _monday_request


def _row(page: str, request_id: int) -> str:
    return re.search(rf'<tr id="request-{request_id}".*?</tr>', page, re.S).group(0)


def _heading(page: str) -> str:
    return re.search(r"<h2>(Unassigned[^<]*)</h2>", page).group(1)


def test_an_unplaced_request_is_booked_from_the_requests_list_and_the_review_counts_what_is_left(
        demo_client, demo_auth):
    client = m.client_of("advisor1")
    wanted = _monday_request(client)
    north = m.team("north")
    demo_auth.login("leader")
    with clock.at(TUESDAY):
        plan = _draft()
        publish_plan(plan, None, plan.version_id, expected_published=0)
        before = [i for i in plan.items if i.advisor_id is None]
        placed = next(i for i in plan.items if i.advisor_id is not None and i.request is not None)
        listing = html.unescape(demo_client.get(f"/rota/t/{north.id}/{d.week().isoformat()}/requests?status=unplaced")
                                .get_data(as_text=True))
        row = _row(listing, wanted.id)
        assert "unassigned" in row and f'href="/desk/requests/{wanted.id}/book"' in row, row
        assert "Book this request" in row
        placed_list = html.unescape(demo_client.get(f"/rota/t/{north.id}/{d.week().isoformat()}/requests?status=placed")
                                    .get_data(as_text=True))
        assert "/book" not in _row(placed_list, placed.request_id)  # placed: nothing to book
        review = html.unescape(demo_client.get(f"/rota/plans/{plan.id}").get_data(as_text=True))
        assert _heading(review) == f"Unassigned ({len(before)})"
        ask = asks.Ask(client, d.follow_up(), d.next_week(), parse_windows("mon 09:00-12:00", d.next_week()),
                       fulfils=db.session.get(AppointmentRequest, wanted.id))
        offer = desk_offers.offers(north, ask)[0]
        booking.book(north, ask, offer.advisor.id, offer.local, m.user("leader"))
        review = html.unescape(demo_client.get(f"/rota/plans/{plan.id}").get_data(as_text=True))
        assert _heading(review) == f"Unassigned ({len(before) - 1}) (1 booked at the desk)", _heading(review)
        listing = html.unescape(demo_client.get(f"/rota/t/{north.id}/{d.week().isoformat()}/requests?status=unplaced")
                                .get_data(as_text=True))
        assert f"/desk/requests/{wanted.id}/book" not in listing  # booked since: nothing left to book
