"""An advisor opens the page of a client booked at the desk into their own diary, before the week is published
(the booking is then in no published plan, which is what "covering" was read from); scoped to that client."""
from __future__ import annotations

from caseload.extensions import db
from caseload.models import User
from caseload.services.desk import booking, cancelling
from caseload.services.desk import offers as desk_offers
from tests.web import access_matrix as m
from tests.web import desk_support as d


def test_an_advisor_opens_a_client_booked_into_their_diary_before_publishing(demo_client, demo_auth):
    client = m.client_of("advisor1")
    week = d.next_week()  # not published
    assert d.current(week) is None
    offer = next(o for o in desk_offers.offers(m.team("north"), d.ask(client, week_start=week), count=20)
                 if o.advisor.id != client.named_advisor_id and o.advisor.user_id is not None)
    booked = booking.book(m.team("north"), d.ask(client, week_start=week), offer.advisor.id, offer.local,
                          m.user("leader"))
    other = db.session.get(User, offer.advisor.user_id).username
    stranger = next(u for u in (f"advisor{k}" for k in range(2, 25))
                    if u != other and m.user(u) is not None and m.user(u).advisor is not None
                    and m.user(u).advisor.id != client.named_advisor_id)
    headers = m.issue_token(other)
    demo_auth.login(other)
    assert demo_client.get(f"/desk/clients/{client.id}").status_code == 200
    assert demo_client.get(f"/me/clients/{client.id}").status_code == 200
    assert demo_client.get(f"/api/v1/clients/{client.id}", headers=headers).status_code == 200
    assert client.reference in demo_client.get("/me/caseload").get_data(as_text=True)  # listed as covered
    demo_auth.logout()
    demo_auth.login(stranger)  # no booking with the client: still not found
    assert demo_client.get(f"/desk/clients/{client.id}").status_code == 404
    assert demo_client.get(f"/me/clients/{client.id}").status_code == 404
    demo_auth.logout()
    cancelling.cancel(booked.request, m.user("leader"))
    demo_auth.login(other)  # the booking cancelled: nothing ties them any more
    assert demo_client.get(f"/desk/clients/{client.id}").status_code == 404
