"""Races at the desk are 409, not 400/422: input that was right when the page was shown, but the appointment or
request moved on since (cancelled in another tab or by someone else, its attendance recorded by someone else, a
request removed), is answered 409 with what happened, who and when, the page again with what was typed, and
nothing written. Input wrong in itself stays 400/422 naming the field."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentRequest, AuditEvent
from caseload.services.desk import booking, cancelling
from caseload.services.desk.asks import appointment_start
from caseload.services.rota.requests import RequestFields, add_request, parse_windows, remove_request
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _offer_form(demo_client, client, **query) -> dict:
    """The first offer's Book form on the offers page for `query`, as its fields."""
    page = _text(demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form(client, **query)))
    form = re.search(r'<form method="post" action="/desk/clients/\d+/book">(.*?)</form>', page, re.S).group(1)
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))


def _booked():
    """advisor1's client booked with advisor1 this (published) week, by the leader."""
    d.publish_week()
    client, a = m.client_of("advisor1"), m.user("advisor1").advisor
    offer = next(o for o in booking.offers(m.team("north"), d.ask(client), count=20) if o.advisor.id == a.id)
    return client, booking.book(m.team("north"), d.ask(client), a.id, offer.local, m.user("leader")).request


def _audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AuditEvent.id)))


def test_rebooking_an_appointment_cancelled_in_another_tab_is_a_conflict(demo_client, demo_auth):
    client, appointment = _booked()
    demo_auth.login("leader")
    form = _offer_form(demo_client, client, replacing=appointment.id, purpose="moved: client asked")
    cancelling.cancel(db.session.get(AppointmentRequest, appointment.id), m.user("admin"))  # the other tab/desk
    count, events = d.request_count(), _audit_count()
    answer = demo_client.post(f"/desk/clients/{client.id}/book", data=form)
    assert answer.status_code == 409
    text = _text(answer)
    assert "already cancelled (by" in text and "Not booked." in text
    assert "moved: client asked" in text  # the typed purpose is kept on the page shown again
    assert d.request_count() == count and _audit_count() == events  # nothing booked, nothing recorded
    # The "Rebook" link of a page shown before the cancellation: the same, as a GET.
    link = demo_client.get(f"/desk/clients/{client.id}", query_string={"rebook": appointment.id})
    assert link.status_code == 409 and "already cancelled (by" in _text(link)
    # The offers page asked for it after the cancellation: the same again.
    offers = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form(client, replacing=appointment.id))
    assert offers.status_code == 409 and "already cancelled (by" in _text(offers)
    assert "check what you asked" not in _text(offers)  # nothing was wrong in what was asked


def test_a_second_cancel_by_someone_else_is_a_conflict_keeping_the_reason(demo_client, demo_auth):
    _, appointment = _booked()
    cancelling.cancel(db.session.get(AppointmentRequest, appointment.id), m.user("admin"))
    demo_auth.login("leader")
    events = _audit_count()
    answer = demo_client.post(f"/desk/appointments/{appointment.id}/cancel", data={"reason": "unwell today"})
    assert answer.status_code == 409
    assert "already cancelled (by" in _text(answer) and "unwell today" in _text(answer)
    assert _audit_count() == events
    # The rest of a series, the same path (cancel-rest): a 409 too, not a 400.
    rest = demo_client.post(f"/desk/appointments/{appointment.id}/cancel-rest", data={"reason": "unwell today"})
    assert rest.status_code == 409 and "already cancelled (by" in _text(rest)
    assert _audit_count() == events


def test_book_this_request_removed_meanwhile_says_it_was_removed(demo_client, demo_auth):
    client = m.client_of("advisor1")
    wanted = add_request(m.team("north"), d.week(), RequestFields(client, d.follow_up(), 30,
                                                                  parse_windows("thu 09:00-17:00", d.week())),
                         m.user("leader"))
    demo_auth.login("leader")
    form = _offer_form(demo_client, client, windows="thu 09:00-17:00", fulfils=wanted.id)
    remove_request(db.session.get(AppointmentRequest, wanted.id), m.user("admin"))  # the week's requests page
    count, events = d.request_count(), _audit_count()
    answer = demo_client.post(f"/desk/clients/{client.id}/book", data=form)
    assert answer.status_code == 409
    text = _text(answer)
    assert "was removed from the week's requests (by" in text and "is not a request of this client" not in text
    assert d.request_count() == count and _audit_count() == events
    # A made-up request id is still bad input, named.
    other = demo_client.post(f"/desk/clients/{client.id}/book", data={**form, "fulfils": "987654"})
    assert other.status_code == 400 and "is not a request of this client" in _text(other)


def test_book_this_request_removed_while_waiting_for_the_lock_is_a_conflict_saying_so(demo_app):
    """The request is removed after the desk read it but before the booking's lock: the message says so too. (The
    real check_start runs; the wrapper only times the other desk's removal, as two threads could.)"""
    import pytest

    from caseload.services.desk import asks

    client = m.client_of("advisor1")
    wanted = add_request(m.team("north"), d.week(), RequestFields(client, d.follow_up(), 30,
                                                                  parse_windows("thu 09:00-17:00", d.week())),
                         m.user("leader"))
    ask = d.ask(client, windows="thu 09:00-17:00")
    ask.fulfils = wanted
    offer = booking.offers(m.team("north"), ask, count=1)[0]
    removing = booking.check_start  # the last check before the lock: remove the request right then

    def check_then_remove(*args):
        found = removing(*args)
        remove_request(db.session.get(AppointmentRequest, wanted.id), m.user("admin"))
        return found

    count = d.request_count()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(booking, "check_start", check_then_remove)
        with pytest.raises(asks.BookingConflict, match="was removed from the week's requests"):
            booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("leader"))
    assert d.request_count() == count - 1  # the removed request gone, nothing booked


def _past_appointment():
    """advisor1's client seen by advisor1 last Tuesday 10:00 in last week's published plan."""
    from caseload.localtime import to_utc
    from caseload.models import Plan, PlanItem

    north, client, advisor = m.team("north"), m.client_of("advisor1"), m.user("advisor1").advisor
    last = d.week() - timedelta(days=7)
    start = to_utc(last + timedelta(days=1), "10:00", north.timezone)
    request = AppointmentRequest(team=north, week_start=last, client=client, type=d.follow_up(), duration_minutes=30,
                                 purpose="Follow-up", pinned_advisor=advisor, pinned_start=start)
    db.session.add_all([request, Plan(team=north, week_start=last, status="published", published_version=1,
                                      items=[PlanItem(request=request, advisor=advisor, starts_at=start,
                                                      ends_at=start + timedelta(minutes=30), pinned=True)])])
    db.session.commit()
    return client, request


def test_attendance_recorded_by_someone_else_since_the_page_was_shown_is_a_conflict(demo_client, demo_auth):
    from caseload.services.desk import attendance

    client, appointment = _past_appointment()
    demo_auth.login("advisor1")
    page = _text(demo_client.get(f"/me/clients/{client.id}"))
    seen = re.search(r'name="seen" value="([^"]*)"', page).group(1)
    assert seen == ""
    attendance.mark(db.session.get(AppointmentRequest, appointment.id), "dna", m.user("leader"))  # the leader's desk
    events = _audit_count()
    answer = demo_client.post(f"/desk/appointments/{appointment.id}/attendance",
                              data={"outcome": "attended", "back": "me", "seen": seen})
    assert answer.status_code == 409
    text = _text(answer)
    assert "recorded as did not attend (DNA) by Lee Leader" in text and "Not saved: attended." in text
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, appointment.id).attendance == "dna" and _audit_count() == events
    # The same outcome as already recorded (a second tab saying the same): saved once, no refusal.
    same = demo_client.post(f"/desk/appointments/{appointment.id}/attendance", data={"outcome": "dna", "seen": ""})
    assert same.status_code == 302 and _audit_count() == events
    # Changing it knowingly (the page showed DNA): saved.
    changed = demo_client.post(f"/desk/appointments/{appointment.id}/attendance",
                               data={"outcome": "attended", "seen": "dna"})
    assert changed.status_code == 302
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, appointment.id).attendance == "attended"


def test_attendance_of_an_appointment_cancelled_meanwhile_is_a_conflict(demo_client, demo_auth):
    from caseload.models import utcnow

    client, appointment = _past_appointment()
    appointment.cancelled_at, appointment.cancelled_by_id = utcnow(), m.user("leader").id
    db.session.commit()
    demo_auth.login("advisor1")
    answer = demo_client.post(f"/desk/appointments/{appointment.id}/attendance", data={"outcome": "attended"})
    assert answer.status_code == 409 and "was cancelled (by Lee Leader" in _text(answer)
    api = ApiClient(demo_client, "advisor1")
    again = api.post("/bookings/{request_id}/attendance", request_id=appointment.id, json={"outcome": "attended"})
    assert again.status_code == 409 and "was cancelled (by Lee Leader" in again.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, appointment.id).attendance is None


def test_the_api_answers_409_for_the_same_races(demo_client):
    client, appointment = _booked()
    api = ApiClient(demo_client, "leader")
    week = d.week()
    ask = {"week": week.isoformat(),
           "windows": [{"start": f"{week + timedelta(days=k)}T09:00", "end": f"{week + timedelta(days=k)}T17:00"}
                       for k in range(5)]}
    offer = api.post("/bookings/{request_id}/offers", request_id=appointment.id, json=ask).get_json()["offers"][0]
    cancelling.cancel(db.session.get(AppointmentRequest, appointment.id), m.user("admin"))
    count = d.request_count()
    moved = api.post("/bookings/{request_id}/rebook", request_id=appointment.id, headers={"Idempotency-Key": "r1"},
                     json={**ask, "advisor_id": offer["advisor_id"], "start": offer["start"]})
    assert moved.status_code == 409 and "already cancelled (by" in moved.get_json()["message"]
    cancel = api.post("/bookings/{request_id}/cancel", request_id=appointment.id, json={})
    assert cancel.status_code == 409 and "already cancelled (by" in cancel.get_json()["message"]
    assert cancel.get_json()["current"] == f"/api/v1/bookings/{appointment.id}"  # where to read it as it is now
    assert d.request_count() == count
    # Attendance with `was`: recorded as something else since it was read is a 409 (a past appointment).
    _, past = _past_appointment()
    from caseload.services.desk import attendance

    attendance.mark(db.session.get(AppointmentRequest, past.id), "dna", m.user("admin"))
    stale = api.post("/bookings/{request_id}/attendance", request_id=past.id, json={"outcome": "attended", "was": ""})
    assert stale.status_code == 409 and "recorded as did not attend (DNA)" in stale.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, past.id).attendance == "dna"


def test_the_book_this_request_link_of_a_request_booked_or_removed_since_is_a_conflict(demo_client, demo_auth):
    """The client's page (or the plan review) showed "Book this request"; meanwhile another desk booked it, or it
    was removed from the week's requests: the link answers 409 with the client's page as it is now, saying so."""
    client = m.client_of("advisor1")
    week = d.week()
    booked, removed = (add_request(m.team("north"), week, RequestFields(client, d.follow_up(), 30,
                                                                         parse_windows(days, week)), m.user("leader"))
                       for days in ("thu 09:00-17:00", "fri 09:00-17:00"))
    ask = d.ask(client, windows="thu 09:00-17:00")
    ask.fulfils = booked
    offer = booking.offers(m.team("north"), ask, count=1)[0]
    booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("admin"))
    remove_request(db.session.get(AppointmentRequest, removed.id), m.user("admin"))
    demo_auth.login("leader")
    events = _audit_count()
    taken = demo_client.get(f"/desk/requests/{booked.id}/book")
    assert taken.status_code == 409 and "already been booked at the desk" in _text(taken)
    gone = demo_client.get(f"/desk/requests/{removed.id}/book")
    assert gone.status_code == 409 and "was removed from the week's requests (by" in _text(gone)
    assert demo_client.get("/desk/requests/987654/book").status_code == 404  # never a request: not found
    demo_auth.logout()
    demo_auth.login("leader2")  # south's leader: not their client, not found (nothing said about it)
    assert demo_client.get(f"/desk/requests/{removed.id}/book").status_code == 404
    assert _audit_count() == events + 2  # the logout and the login only


def test_the_conflict_says_an_appointment_was_moved_and_a_request_booked_by_whom_and_for_when(demo_client, demo_auth):
    """Two tabs on one appointment: one rebooks it, the other then cancels it. "Already cancelled" would be
    wrong (the client still has an appointment): it says it was moved, by whom, and to when."""
    client, appointment = _booked()
    ask = d.ask(client)
    ask.replacing = db.session.get(AppointmentRequest, appointment.id)
    offer = next(o for o in booking.offers(m.team("north"), ask, count=20)
                 if o.start != appointment_start(ask.replacing))
    booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("admin"))
    demo_auth.login("leader")
    events = _audit_count()
    answer = demo_client.post(f"/desk/appointments/{appointment.id}/cancel", data={"reason": "asked to"})
    assert answer.status_code == 409
    to = datetime.strptime(offer.local, "%Y-%m-%dT%H:%M")
    admin = m.user("admin")
    # The tests' clock ticks on through the session (tests/clock.py), so the hour is whatever it is now.
    assert re.search(re.escape(f"already moved (rebooked by {admin.display_name or admin.username} on Sun 29 Nov ")
                     + r"\d\d:\d\d" + re.escape(f") to {to:%a %d %b %H:%M}"), _text(answer))
    assert "asked to" in _text(answer) and _audit_count() == events
    # "Book this request" pressed in a second tab after the first booked it: by whom, and for when.
    wanted = add_request(m.team("north"), d.week(), RequestFields(client, d.follow_up(), 30,
                                                                  parse_windows("fri 09:00-17:00", d.week())),
                         m.user("leader"))
    first = _offer_form(demo_client, client, windows="fri 09:00-17:00", fulfils=wanted.id)
    second = _offer_form(demo_client, client, windows="fri 09:00-17:00", fulfils=wanted.id)
    assert demo_client.post(f"/desk/clients/{client.id}/book", data=first).status_code == 302
    late = demo_client.post(f"/desk/clients/{client.id}/book", data=second)
    booked_at = datetime.strptime(first["start"], "%Y-%m-%dT%H:%M")
    assert late.status_code == 409
    assert re.search(re.escape("already been booked at the desk (by Lee Leader on Sun 29 Nov ") + r"\d\d:\d\d"
                     + re.escape(f", for {booked_at:%a %d %b %H:%M})"), _text(late))
