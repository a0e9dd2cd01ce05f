"""Rebooking an appointment that was itself a cover offers the client's named advisor first (continuity of
care), the advisor who covered only after them, on every path that ranks a rebooking's offers."""
from __future__ import annotations

from datetime import timedelta

from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient


def _covered():
    """A client of advisor1 booked with another advisor (a cover), and that booking."""
    client = m.client_of("advisor1")
    named = client.named_advisor_id
    cover = next(o for o in desk_offers.offers(m.team("north"), d.ask(client), count=50) if o.advisor.id != named)
    return client, booking.book(m.team("north"), d.ask(client), cover.advisor.id, cover.local, m.user("leader"))


def _groups(offers, named, old):
    return [0 if o.advisor.id == named else 1 if o.advisor.id == old else 2 for o in offers]


def test_rebooking_a_cover_offers_the_named_advisor_first_then_the_cover(demo_app):
    d.publish_week()
    client, first = _covered()
    named, old = client.named_advisor_id, first.offer.advisor.id
    assert named is not None and old != named
    ask = d.ask(client)
    ask.replacing = first.request
    found = desk_offers.offers(m.team("north"), ask, count=20)
    groups = _groups(found, named, old)
    assert groups[0] == 0, [o.advisor.name for o in found]
    # Up to desk_offers.NAMED_TIMES of the named advisor's times first, then the cover's before anyone else's
    # (the named advisor's further times come after, desk_offers.spread).
    lead = min(groups.count(0), desk_offers.NAMED_TIMES)
    assert groups[:lead] == [0] * lead and 1 in groups, groups
    rest = [g for g in groups[lead:] if g != 0]
    assert rest[0] == 1, groups


def test_the_api_rebook_offers_put_the_named_advisor_first(demo_client, demo_app):
    d.publish_week()
    client, first = _covered()
    days = [d.week() + timedelta(days=k) for k in range(5)]
    ask = {"week": d.week().isoformat(), "windows": [{"start": f"{day}T09:00", "end": f"{day}T17:00"} for day in days], "count": 20}
    answer = ApiClient(demo_client, "leader").post("/bookings/{request_id}/offers", request_id=first.request.id,
                                                   json=ask)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["offers"][0]["advisor_id"] == client.named_advisor_id


def test_the_rebook_page_says_the_named_advisor_comes_first(demo_client, demo_auth):
    d.publish_week()
    client, first = _covered()
    demo_auth.login("leader")
    page = demo_client.get(f"/desk/clients/{client.id}?rebook={first.request.id}").get_data(as_text=True)
    page = page.replace("&#39;", "'")
    assert f"{client.named_advisor.name}, their named advisor, is offered first, then {first.offer.advisor.name}" in page
