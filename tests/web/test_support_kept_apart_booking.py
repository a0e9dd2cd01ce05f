"""An advisor whose only link to a client is a compliance review may not book themselves a support appointment
with that client (services/desk/kept_apart): such a booking would count as live cover (notes.live_cover) and open
the client's support notes, which policing is kept apart from. Refused at the desk page and in the API (403, with
a code), for one booking and a series alike; a team leader booking that advisor is not refused."""
from __future__ import annotations

from datetime import timedelta

from caseload.extensions import db
from caseload.services.clients import notes
from caseload.services.desk import asks
from caseload.services.desk import offers as desk_offers
from caseload.services.desk import series
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient
from tests.web.test_notes_refusal_reason import _review_next_week

SAYS = "Support for this client is arranged by a team leader: you see them only for a compliance review"


def _reviewer_only():
    """(reviewer, client): advisor2's client and a north advisor with a login who could support them (kind and
    skill) but whose only link is a compliance review booked at the desk next week."""
    client = m.client_of("advisor2")
    able = asks.qualified(client.team, d.ask(client, week_start=d.next_week()))
    reviewer = next(a for a in able if a.does_policing and a.user is not None and a.id != client.named_advisor_id
                    and not notes.may_see_client(a, client))
    _review_next_week(reviewer, client)
    assert notes.may_see_client(reviewer, client) and not notes.may_read_notes(reviewer, client)
    return reviewer, client


def _own_offer(reviewer, client, windows=d.WHOLE_WEEK):
    ask = d.ask(client, windows, week_start=d.next_week(), advisor=reviewer)
    return next(o for o in desk_offers.offers(client.team, ask, count=40) if o.advisor.id == reviewer.id)


def _still_apart(reviewer, client, booked_before):
    db.session.expire_all()
    assert d.request_count() == booked_before  # nothing was booked
    assert not notes.may_read_notes(reviewer, client)
    assert reviewer.id not in notes.covering_advisor_ids(client)


def test_a_reviewer_cannot_book_themselves_support_at_the_desk(demo_client, demo_auth):
    reviewer, client = _reviewer_only()
    offer = _own_offer(reviewer, client)
    before = d.request_count()
    demo_auth.login(reviewer.user.username)
    asked = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form(week_start=d.next_week()))
    assert asked.status_code == 403 and SAYS in asked.get_data(as_text=True)  # no offers it could not book
    refused = demo_client.post(f"/desk/clients/{client.id}/book",
                               data=d.form(week_start=d.next_week(), advisor=reviewer.id, start=offer.local))
    assert refused.status_code == 403, refused.get_data(as_text=True)[:2000]
    assert SAYS in refused.get_data(as_text=True)
    _still_apart(reviewer, client, before)
    # a series from the desk page: refused alike
    ask = d.ask(client, week_start=d.next_week(), advisor=reviewer)
    offer = next(o for o in series.series_offers(client.team, ask, series.Repeat(1, 2)) if o.advisor.id == reviewer.id)
    refused = demo_client.post(f"/desk/clients/{client.id}/book", data=d.form(
        week_start=d.next_week(), advisor=reviewer.id, start=offer.local, repeat="1", count=2,
        starts=",".join(offer.starts)))
    assert refused.status_code == 403, refused.get_data(as_text=True)[:2000]
    assert SAYS in refused.get_data(as_text=True)
    _still_apart(reviewer, client, before)

def test_a_reviewer_cannot_book_themselves_support_through_the_api(demo_client):
    reviewer, client = _reviewer_only()
    api = ApiClient(demo_client, reviewer.user.username)
    nxt = d.next_week()
    asked = {"client_id": client.id, "type": "follow-up", "week": nxt.isoformat(),
             "windows": [{"start": f"{nxt + timedelta(days=k)}T09:00", "end": f"{nxt + timedelta(days=k)}T17:00"}
                         for k in range(5)]}
    offer = _own_offer(reviewer, client)
    before = d.request_count()
    refused = api.post("/bookings", json={**asked, "advisor_id": reviewer.id, "start": offer.local},
                       headers={"Idempotency-Key": "apart-1"})
    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["code"] == "support_kept_apart" and SAYS in refused.get_json()["message"]
    _still_apart(reviewer, client, before)
    repeat = {**asked, "repeat": {"every_weeks": 1, "count": 2}}
    offered = api.post("/teams/{team_id}/offers", team_id=client.team_id, json=repeat)
    assert offered.status_code == 403 and offered.get_json()["code"] == "support_kept_apart"  # none to book
    ask = d.ask(client, week_start=nxt, advisor=reviewer)
    first = next(o for o in series.series_offers(client.team, ask, series.Repeat(1, 2)) if o.advisor.id == reviewer.id)
    booked = api.post("/bookings", json={**repeat, "advisor_id": reviewer.id, "start": first.local,
                                         "starts": first.starts}, headers={"Idempotency-Key": "apart-2"})
    assert booked.status_code == 403 and booked.get_json()["code"] == "support_kept_apart", booked.get_json()
    _still_apart(reviewer, client, before)


def test_a_leader_may_still_book_the_reviewer_for_support(demo_client, demo_auth):
    reviewer, client = _reviewer_only()
    offer = _own_offer(reviewer, client)
    demo_auth.login("leader")
    booked = demo_client.post(f"/desk/clients/{client.id}/book",
                              data=d.form(week_start=d.next_week(), advisor=reviewer.id, start=offer.local))
    assert booked.status_code == 302, booked.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert notes.may_read_notes(reviewer, client)  # the leader's decision: cover, by the one rule
