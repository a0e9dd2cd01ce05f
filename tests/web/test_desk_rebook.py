"""Rebooking: the same advisor is offered first, the old time is free again, and the swap is one change."""
from __future__ import annotations

from caseload.extensions import db
from caseload.models import AppointmentRequest, AuditEvent
from caseload.services.desk import asks
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _booked(week=None):
    client = m.client_of("advisor1")
    offer = desk_offers.offers(m.team("north"), d.ask(client, week_start=week))[0]
    return client, booking.book(m.team("north"), d.ask(client, week_start=week), offer.advisor.id, offer.local,
                                m.user("leader"))


def test_rebooking_offers_the_same_advisor_first_and_frees_the_old_time(demo_app):
    d.publish_week()
    client, first = _booked()
    ask = d.ask(client)
    ask.replacing = first.request
    offers = desk_offers.offers(m.team("north"), ask, count=5)
    assert offers[0].advisor.id == first.offer.advisor.id
    # Its own time is free for the rebooking (neither advisor nor client is "busy" with the appointment moved),
    # and not for a new booking.
    local = first.offer.local
    end = int(local[11:13]) * 60 + int(local[14:16]) + 30
    exact = d.ask(client, f"{local[:10]} {local[11:16]}-{end // 60:02d}:{end % 60:02d}")
    assert all(o.advisor.id != first.offer.advisor.id for o in desk_offers.offers(m.team("north"), exact, count=50))
    exact.replacing = first.request
    assert any(o.advisor.id == first.offer.advisor.id for o in desk_offers.offers(m.team("north"), exact, count=50))
    later = next(o for o in desk_offers.offers(m.team("north"), ask, count=50) if o.local != first.offer.local)
    moved = booking.book(m.team("north"), ask, later.advisor.id, later.local, m.user("leader"))
    plan = d.current()
    assert plan.published_version == 3
    requests = {i.request_id for i in plan.items}
    assert first.request.id not in requests and moved.request.id in requests
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, first.request.id).cancelled_at is not None
    events = db.session.query(AuditEvent).filter(AuditEvent.action == "appointment_rebooked").all()
    assert [e.detail["to"] for e in events] == [moved.request.id]


def test_rebooking_into_another_week_lets_the_old_weeks_plan_go_too(demo_app):
    d.publish_week()
    client, first = _booked()
    ask = d.ask(client, week_start=d.next_week())
    ask.replacing = first.request
    offer = desk_offers.offers(m.team("north"), ask)[0]
    moved = booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("leader"))
    assert moved.plan is None  # next week is not published: a pinned request
    plan = d.current()
    assert plan.published_version == 3 and all(i.request_id != first.request.id for i in plan.items)


def test_a_failed_rebooking_keeps_the_old_appointment(demo_app):
    d.publish_week()
    client, first = _booked()
    other_client, taken = _booked(d.week())  # another booking of the same client: its time is taken
    ask = d.ask(client)
    ask.replacing = first.request
    try:
        booking.book(m.team("north"), ask, taken.offer.advisor.id, taken.offer.local, m.user("leader"))
    except asks.BookingConflict:
        pass
    else:
        raise AssertionError("rebooked onto a taken time")
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, first.request.id).cancelled_at is None
    assert first.request.id in {i.request_id for i in d.current().items}


def test_the_rebook_page_is_for_the_clients_desk(demo_client, demo_auth):
    d.publish_week()
    client, first = _booked()
    demo_auth.login("leader")
    page = demo_client.get(f"/desk/clients/{client.id}?rebook={first.request.id}").get_data(as_text=True)
    assert "Rebooking" in page and f'name="replacing" type="hidden" value="{first.request.id}"' in page
    form = d.form(replacing=first.request.id)
    offers = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=form)
    assert offers.status_code == 200
    text = offers.get_data(as_text=True)
    assert text.index(first.offer.advisor.name) < text.index("</ol>")
    later = next(o for o in desk_offers.offers(m.team("north"), _rebook_ask(client, first), count=50)
                 if o.local != first.offer.local)
    done = demo_client.post(f"/desk/clients/{client.id}/book",
                            data={**form, "advisor": later.advisor.id, "start": later.local})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, first.request.id).cancelled_at is not None
    south = m.client_of("advisor13")
    assert demo_client.get(f"/desk/clients/{south.id}/offers", query_string=form).status_code == 404
    # A rebooking of another client's appointment is refused.
    mine = m.client_of("advisor2")
    refused = demo_client.get(f"/desk/clients/{mine.id}/offers", query_string=d.form(client=mine, replacing=first.request.id))
    assert refused.status_code == 400


def _rebook_ask(client, first):
    ask = d.ask(client)
    ask.replacing = first.request
    return ask
