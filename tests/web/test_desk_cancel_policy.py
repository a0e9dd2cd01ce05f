"""Cancelling at the desk, as a hostile user tried it: the late-cancellation window is the service's policy (a
setting, 24 hours by default), an appointment that has started cannot be cancelled, a refused cancel keeps the
typed reason, and Rebook is for appointments with a time, not a planning request."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import AppointmentRequest, AuditEvent, utcnow
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.desk import policy
from caseload.services.desk import series
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _book(windows: str):
    """advisor1's client booked with the first offer inside `windows` of this (published) week."""
    if d.current() is None:
        d.publish_week()
    client = m.client_of("advisor1")
    offer = desk_offers.offers(m.team("north"), d.ask(client, windows), count=20)[0]
    return booking.book(m.team("north"), d.ask(client, windows), offer.advisor.id, offer.local, m.user("leader"))


def _attendance(request_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(AppointmentRequest, request_id).attendance


def test_a_cancel_inside_the_window_is_recorded_late_and_one_before_it_is_not(demo_client, demo_auth):
    soon = _book("mon 09:00-17:00")
    later = _book("thu 09:00-17:00")
    with clock.at(to_utc(d.week(), "00:30", m.team("north").timezone)):  # Monday 00:30: Monday is < 24 h away
        assert soon.offer.start - utcnow() < timedelta(hours=24) < later.offer.start - utcnow()
        demo_auth.login("leader")
        page = demo_client.get(f"/desk/clients/{soon.request.client_id}").get_data(as_text=True)
        assert "counts as a late cancellation (less than 24 hours before)" in page
        done = demo_client.post(f"/desk/appointments/{soon.request.id}/cancel", data={"reason": "bus strike"},
                                follow_redirects=True)
        assert "Recorded as a late cancellation (less than 24 hours before its start)" in done.get_data(as_text=True)
        assert _attendance(soon.request.id) == "cancelled_late"
        # The old "late" box, posted by hand days ahead, no longer records a late cancellation.
        demo_client.post(f"/desk/appointments/{later.request.id}/cancel", data={"late": "y"})
        assert _attendance(later.request.id) is None


def test_the_window_is_an_administrators_setting(demo_client, demo_auth):
    later = _book("tue 09:00-12:00")  # 47-50 h ahead: not late at 24 h, late at 72 h
    demo_auth.login("admin")
    assert "Late-cancellation window" in demo_client.get("/admin/policy").get_data(as_text=True)
    for bad in ("-1", "337", "abc", ""):
        refused = demo_client.post("/admin/policy", data={"late_cancel_hours": bad})
        assert refused.status_code == 400 and "Late-cancellation window" in refused.get_data(as_text=True), bad
    version = policy.current_policy().version_id
    db.session.commit()
    saved = demo_client.post("/admin/policy", data={"late_cancel_hours": "72", "version": str(version)},
                             follow_redirects=True)
    assert "a cancellation less than 72 hours before the start is recorded as late" in saved.get_data(as_text=True)
    stale = demo_client.post("/admin/policy", data={"late_cancel_hours": "0", "version": str(version)})
    assert stale.status_code == 409  # someone saved since this form was opened
    db.session.expire_all()
    assert policy.late_window() == timedelta(hours=72)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "policy_changed"))
    assert event.detail["old"] == {"late_cancel_hours": 24} and event.detail["new"] == {"late_cancel_hours": 72}
    headers = m.issue_token("leader")
    answer = demo_client.post(f"/api/v1/bookings/{later.request.id}/cancel", json={}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["attendance"] == "cancelled_late"
    db.session.expire_all()
    none = demo_client.post("/admin/policy", data={"late_cancel_hours": "0",
                                                   "version": str(policy.current_policy().version_id)},
                            follow_redirects=True)
    assert "Service policy saved: no cancellation is recorded as late." in none.get_data(as_text=True)


def test_an_appointment_that_has_started_cannot_be_cancelled_or_rebooked(demo_client, demo_auth):
    booked = _book("thu 09:00-17:00")
    request_id, client_id = booked.request.id, booked.request.client_id
    headers = m.issue_token("leader")
    with clock.at(booked.offer.start + timedelta(minutes=5)):
        demo_auth.login("leader")
        page = demo_client.post(f"/desk/appointments/{request_id}/cancel", data={"reason": "client rang at 9:04"})
        text = page.get_data(as_text=True)
        assert page.status_code == 400 and "so it can no longer be cancelled" in text
        assert "client rang at 9:04" in text  # the reason typed is kept on the page
        api = demo_client.post(f"/api/v1/bookings/{request_id}/cancel", json={"reason": "x"}, headers=headers)
        assert api.status_code == 422 and "record its attendance" in api.get_json()["fields"]["request_id"][0]
        rebook = demo_client.post(f"/api/v1/bookings/{request_id}/offers", headers=headers,
                                  json={"week": d.next_week().isoformat(),
                                        "windows": [{"start": f"{d.next_week()}T09:00", "end": f"{d.next_week()}T17:00"}]})
        assert rebook.status_code == 422 and list(rebook.get_json()["fields"]) == ["request_id"]
        assert demo_client.get(f"/desk/clients/{client_id}?rebook={request_id}").status_code == 400
        # Its attendance is what can be recorded now.
        marked = demo_client.post(f"/desk/appointments/{request_id}/attendance", data={"outcome": "cancelled_late"})
        assert marked.status_code == 302
    db.session.expire_all()
    request = db.session.get(AppointmentRequest, request_id)
    assert request.cancelled_at is None and request.attendance == "cancelled_late"


def test_a_refused_cancel_keeps_the_reason_as_typed(demo_client, demo_auth):
    booked = _book("thu 09:00-17:00")
    demo_auth.login("leader")
    too_long = "The client's mother phoned: " + "x" * 190  # over the 200 characters a reason may have
    page = demo_client.post(f"/desk/appointments/{booked.request.id}/cancel", data={"reason": too_long})
    text = page.get_data(as_text=True).replace("&#39;", "'")
    assert page.status_code == 400
    assert f'value="{too_long}"' in text and "Not cancelled" in text
    assert db.session.get(AppointmentRequest, booked.request.id).cancelled_at is None
    # The same for the series form's "this and the rest": refused (not a series), its reason kept.
    rest = demo_client.post(f"/desk/appointments/{booked.request.id}/cancel-rest", data={"reason": "moving house"})
    text = rest.get_data(as_text=True)
    assert rest.status_code == 400 and 'id="kept-reason"' in text and ">moving house</textarea>" in text


def test_rebook_is_for_appointments_not_planning_requests(demo_client, demo_auth):
    """The demo week right after seeding: its requests wait for the planner and have no time to move."""
    open_request = db.session.scalar(select(AppointmentRequest).where(
        AppointmentRequest.team_id == m.team("north").id, AppointmentRequest.pinned_start.is_(None),
        AppointmentRequest.week_start == d.week()).order_by(AppointmentRequest.id))
    headers = m.issue_token("leader")
    week = d.next_week()
    ask = {"week": week.isoformat(), "windows": [{"start": f"{week}T09:00", "end": f"{week}T17:00"}]}
    offers = demo_client.post(f"/api/v1/bookings/{open_request.id}/offers", json=ask, headers=headers)
    assert offers.status_code == 422 and "planning request" in offers.get_json()["fields"]["request_id"][0]
    rebook = demo_client.post(f"/api/v1/bookings/{open_request.id}/rebook", json={**ask, "advisor_id": 1,
                              "start": f"{week}T09:00"}, headers={**headers, "Idempotency-Key": "rb-open-1"})
    assert rebook.status_code == 422 and list(rebook.get_json()["fields"]) == ["request_id"]
    demo_auth.login("leader")
    page = demo_client.get(f"/desk/clients/{open_request.client_id}?rebook={open_request.id}")
    assert page.status_code == 400 and "not a booked appointment" in page.get_data(as_text=True)
    form = d.form(week_start=week, replacing=str(open_request.id))
    offers_page = demo_client.get(f"/desk/clients/{open_request.client_id}/offers", query_string=form)
    assert offers_page.status_code == 400 and "not a booked appointment" in offers_page.get_data(as_text=True)


def test_the_requests_api_says_whether_a_request_is_cancelled(demo_client):
    booked = _book("thu 09:00-17:00")
    headers = m.issue_token("leader")
    url = f"/api/v1/requests/{booked.request.id}"
    before = demo_client.get(url, headers=headers).get_json()
    assert (before["cancelled"], before["cancelled_at"]) == (False, None)
    listed = demo_client.get(f"/api/v1/teams/{m.team('north').id}/weeks/{d.week()}/requests", headers=headers).get_json()
    assert listed and all(r["cancelled"] is False for r in listed)
    assert demo_client.post(f"/api/v1/bookings/{booked.request.id}/cancel", json={}, headers=headers).status_code == 200
    after = demo_client.get(url, headers=headers).get_json()
    assert after["cancelled"] is True and after["cancelled_at"].startswith("2026-11-29T")  # local time, Sunday
    listed = demo_client.get(f"/api/v1/teams/{m.team('north').id}/weeks/{d.week()}/requests", headers=headers).get_json()
    assert booked.request.id not in [r["id"] for r in listed]


def test_cancelling_the_rest_of_a_series_applies_the_window_to_each_appointment(demo_client, demo_auth):
    """Only the instance inside the window is recorded late; the page says how many."""
    d.publish_week()
    client = m.client_of("advisor1")
    ask = d.ask(client, "mon 09:00-17:00", advisor=m.user("advisor1").advisor)
    repeat = series.Repeat(1, 3)
    offer = series.series_offers(m.team("north"), ask, repeat)[0]
    booked = series.book_series(m.team("north"), ask, repeat, offer.advisor.id, offer.starts, m.user("leader"))
    first = booked.requests[0]
    with clock.at(to_utc(d.week(), "00:30", m.team("north").timezone)):  # the first is < 24 h away, the rest not
        demo_auth.login("leader")
        done = demo_client.post(f"/desk/appointments/{first.id}/cancel-rest", data={"reason": "moved away"},
                                follow_redirects=True)
        assert "Cancelled 3 appointments of the series" in done.get_data(as_text=True)
        assert "1 recorded as a late cancellation" in done.get_data(as_text=True)
    assert [_attendance(r.id) for r in booked.requests] == ["cancelled_late", None, None]
