"""Cancelling, the leftovers: a planning request with no time is not a booking, so the desk (form and API)
refuses to cancel it, naming why and where it is withdrawn instead; and every cancellation records who made it
(the appointment's cancelled_by, shown on the client's page and in the API, as the audit log already says)."""
from __future__ import annotations

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import AppointmentRequest, AuditEvent
from caseload.services.desk import booking, series
from caseload.services.desk import offers as desk_offers
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _open_request() -> AppointmentRequest:
    """A request of the demo's week right after seeding: it waits for the planner and has no time."""
    return db.session.scalar(select(AppointmentRequest).where(
        AppointmentRequest.team_id == m.team("north").id, AppointmentRequest.pinned_start.is_(None),
        AppointmentRequest.week_start == d.week()).order_by(AppointmentRequest.id))


def _fresh(request_id: int) -> AppointmentRequest:
    db.session.expire_all()
    return db.session.get(AppointmentRequest, request_id)


def test_a_planning_request_with_no_time_cannot_be_cancelled_at_the_desk(demo_client, demo_auth):
    open_request = _open_request()
    headers = m.issue_token("leader")
    api = demo_client.post(f"/api/v1/bookings/{open_request.id}/cancel", json={}, headers=headers)
    assert api.status_code == 422
    why = api.get_json()["fields"]["request_id"][0]
    assert "planning request with no time yet" in why and "requests page" in why
    late = demo_client.post(f"/api/v1/bookings/{open_request.id}/cancel", json={"late": False}, headers=headers)
    assert late.status_code == 422 and list(late.get_json()["fields"]) == ["request_id"]
    demo_auth.login("leader")
    page = demo_client.post(f"/desk/appointments/{open_request.id}/cancel", data={"reason": "client moved away"})
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "planning request with no time yet" in text
    assert "client moved away" in text  # the typed reason is kept
    assert _fresh(open_request.id).cancelled_at is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "appointment_cancelled")) is None


def test_who_cancelled_is_recorded_and_shown(demo_client, demo_auth):
    d.publish_week()
    client = m.client_of("advisor1")
    ask = d.ask(client, "thu 09:00-17:00")
    offer = desk_offers.offers(m.team("north"), ask)[0]
    booked = booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("leader"))
    headers = m.issue_token("advisor1")  # advisor1 holds the client: an advisor may cancel
    before = demo_client.get(f"/api/v1/bookings/{booked.request.id}", headers=headers).get_json()
    assert before["cancelled_by"] is None and before["cancelled_at"] is None
    done = demo_client.post(f"/api/v1/bookings/{booked.request.id}/cancel", json={}, headers=headers).get_json()
    advisor1 = m.user("advisor1")
    assert done["status"] == "cancelled" and done["cancelled_by"] == {"id": advisor1.id, "name": advisor1.display_name}
    assert done["cancelled_at"].startswith("2026-11-29T")
    assert _fresh(booked.request.id).cancelled_by_id == advisor1.id
    request_api = demo_client.get(f"/api/v1/requests/{booked.request.id}", headers=m.issue_token("leader")).get_json()
    assert request_api["cancelled_by_id"] == advisor1.id
    demo_auth.login("leader")
    page = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
    assert f"by {advisor1.display_name} on Sun 29 Nov" in page


def test_the_form_a_series_and_a_rebooking_record_who_too(demo_client, demo_auth):
    d.publish_week()
    client = m.client_of("advisor1")
    ask = d.ask(client, "mon 09:00-17:00", advisor=m.user("advisor1").advisor)
    repeat = series.Repeat(1, 2)
    offer = series.series_offers(m.team("north"), ask, repeat)[0]
    booked = series.book_series(m.team("north"), ask, repeat, offer.advisor.id, offer.starts, m.user("leader"))
    single_ask = d.ask(client, "thu 09:00-17:00")
    single = booking.book(m.team("north"), single_ask, *(lambda o: (o.advisor.id, o.local))(
        desk_offers.offers(m.team("north"), single_ask)[0]), m.user("leader"))
    demo_auth.login("leader")
    assert demo_client.post(f"/desk/appointments/{booked.requests[0].id}/cancel-rest", data={}).status_code == 302
    assert demo_client.post(f"/desk/appointments/{single.request.id}/cancel", data={}).status_code == 302
    leader = m.user("leader").id
    assert [_fresh(r.id).cancelled_by_id for r in booked.requests] == [leader, leader]
    assert _fresh(single.request.id).cancelled_by_id == leader
    # Rebooking cancels the old appointment: by whoever rebooked it.
    again = booking.book(m.team("north"), single_ask, *(lambda o: (o.advisor.id, o.local))(
        desk_offers.offers(m.team("north"), single_ask)[0]), m.user("leader"))
    move = d.ask(client, "fri 09:00-17:00")
    move.replacing = again.request
    to = desk_offers.offers(m.team("north"), move)[0]
    booking.book(m.team("north"), move, to.advisor.id, to.local, m.user("admin"))
    assert _fresh(again.request.id).cancelled_by_id == m.user("admin").id


def test_a_cancelled_appointment_is_kept_as_it_was(demo_client, demo_auth):
    """PATCH /api/v1/requests/<cancelled booking> changed its purpose, client or time after the cancellation (200),
    rewriting the record of what had been booked and cancelled; the form did the same. Both refuse it now."""
    d.publish_week()
    north, client = m.team("north"), m.client_of("advisor1")
    ask = d.ask(client, "thu 09:00-17:00")
    offer = desk_offers.offers(north, ask)[0]
    booked = booking.book(north, ask, offer.advisor.id, offer.local, m.user("leader")).request
    headers = m.issue_token("leader")
    assert demo_client.post(f"/api/v1/bookings/{booked.id}/cancel", json={}, headers=headers).status_code == 200
    kept = _fresh(booked.id)
    version, pinned, purpose = kept.version_id, kept.pinned_start, kept.purpose
    answer = demo_client.patch(f"/api/v1/requests/{booked.id}", headers=headers,
                               json={"version": version, "purpose": "changed afterwards"})
    assert answer.status_code == 422 and "kept as it was, for the record" in answer.get_json()["message"]
    demo_auth.login("leader")
    posted = demo_client.post(f"/rota/t/{north.id}/requests/{booked.id}", data={
        "client": client.reference, "type": booked.type_id, "duration_minutes": booked.duration_minutes,
        "purpose": "changed afterwards", "windows": "tue 09:00-17:00", "version": version})
    assert posted.status_code == 400 and "kept as it was, for the record" in posted.get_data(as_text=True)
    again = _fresh(booked.id)
    assert (again.version_id, again.pinned_start, again.purpose) == (version, pinned, purpose)
