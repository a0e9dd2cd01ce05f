"""Attendance: only attended appointments are contacts, so a DNA changes the continuity figures."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from caseload.extensions import db
from caseload.models import AppointmentRequest, Client, Contact, utcnow
from caseload.services.desk import attendance
from caseload.services.desk import booking
from caseload.services.desk import desk_week
from caseload.services.desk import offers as desk_offers
from caseload.services.clients.caseload import client_visits, continuity_indices, my_caseload
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _booked_with_history():
    """advisor1's client with history A, A, B (A = advisor1) and a follow-up booked with A this week."""
    d.publish_week()
    client = m.client_of("advisor1")
    a, b = m.user("advisor1").advisor, m.user("advisor2").advisor
    offer = next(o for o in desk_offers.offers(m.team("north"), d.ask(client), count=20) if o.advisor.id == a.id)
    db.session.execute(delete(Contact).where(Contact.client_id == client.id))
    for weeks, who in ((3, a), (2, a), (1, b)):
        db.session.add(Contact(client_id=client.id, advisor_id=who.id, kind="support",
                               occurred_at=offer.start - timedelta(weeks=weeks)))
    db.session.commit()
    booked = booking.book(m.team("north"), d.ask(client), a.id, offer.local, m.user("leader"))
    return client, booked, a


def _indices(client, now):
    return continuity_indices([advisor for _, advisor in client_visits(client, now)])


def test_continuity_counts_attended_appointments_and_not_dnas(demo_app):
    client, booked, a = _booked_with_history()
    after = booked.offer.end + timedelta(hours=1)
    request = booked.request
    # Booked but not yet recorded: not a visit (A A B).
    assert _indices(client, after)["upc"] == pytest.approx(2 / 3)
    attendance.mark(request, "attended", m.user("leader"), now=after)
    got = _indices(client, after)  # A A B A
    assert (got["upc"], got["coc"], got["secon"]) == pytest.approx((3 / 4, 6 / 12, 1 / 3))
    row = next(r for r in my_caseload(a, after) if r.client.id == client.id)
    assert (row.visits, row.dna) == (4, 0) and row.last_contact.date() == booked.offer.start.date()
    assert attendance.continuity_words(client, after) == (
        f"3 of 4 attended contacts with {a.name}: the same advisor for 75% of visits (UPC); 33% of visits with the same advisor as the visit before.")
    attendance.mark(db.session.get(AppointmentRequest, request.id), "dna", m.user("leader"), now=after)
    got = _indices(client, after)  # A A B again
    assert (got["upc"], got["coc"], got["secon"]) == pytest.approx((2 / 3, 2 / 6, 1 / 2))
    row = next(r for r in my_caseload(a, after) if r.client.id == client.id)
    assert (row.visits, row.dna) == (3, 1)
    assert attendance.continuity_words(client, after).startswith(
        f"2 of 3 attended contacts with {a.name}: the same advisor for 67% of visits (UPC)")
    assert row.last_contact.date() == (booked.offer.start - timedelta(weeks=1)).date()


def test_attendance_waits_for_the_start_and_is_for_the_advisor_or_the_leader(demo_app):
    client, booked, a = _booked_with_history()
    request = booked.request
    with pytest.raises(attendance.AttendanceError, match="from the appointment's start"):
        attendance.mark(request, "attended", m.user("leader"), now=booked.offer.start - timedelta(minutes=1))
    after = booked.offer.start + timedelta(minutes=5)
    with pytest.raises(attendance.AttendanceError, match="advisor or the team leader"):
        attendance.mark(request, "attended", m.user("advisor2"), now=after)
    with pytest.raises(attendance.AttendanceError, match="advisor or the team leader"):
        attendance.mark(request, "attended", m.user("leader2"), now=after)
    attendance.mark(request, "dna", m.user("advisor1"), now=after)
    assert db.session.get(AppointmentRequest, request.id).attendance == "dna"


def test_the_clients_page_shows_upcoming_and_the_dna_count(demo_client, demo_auth):
    client, booked, a = _booked_with_history()
    attendance.mark(booked.request, "dna", m.user("leader"), now=booked.offer.end)
    demo_auth.login("advisor1")
    page = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
    assert 'did not attend: <span id="dna-count">1</span>' in page
    assert booked.offer.start.strftime("%d %b %Y") in page or "Nothing booked ahead" not in page
    caseload = demo_client.get("/me/caseload").get_data(as_text=True)
    assert "<th>DNA</th>" in caseload


def test_cancelling_frees_the_time_in_a_new_version(demo_client, demo_auth):
    """More than the late-cancellation window ahead, the form's old "late" box (posted by hand) records nothing
    late: the service's policy decides (test_desk_cancel_policy.py)."""
    client, booked, a = _booked_with_history()
    assert booked.offer.start - utcnow() > timedelta(hours=24)
    demo_auth.login("leader")
    answer = demo_client.post(f"/desk/appointments/{booked.request.id}/cancel", data={"late": "y"})
    assert answer.status_code == 302
    plan = d.current()
    assert plan.published_version == 3
    assert all(i.request_id != booked.request.id for i in plan.items)
    db.session.expire_all()
    request = db.session.get(AppointmentRequest, booked.request.id)
    assert request.cancelled_at is not None and request.attendance is None
    # The time is offered again.
    again = desk_offers.offers(m.team("north"), d.ask(db.session.get(Client, client.id)), count=20)
    assert any(o.advisor.id == a.id and o.local == booked.offer.local for o in again)
    # The same leader's second press (a double click) gets the first answer, not "Not cancelled" ...
    twice = demo_client.post(f"/desk/appointments/{booked.request.id}/cancel", data={}, follow_redirects=True)
    assert twice.status_code == 200 and "Already cancelled (by Lee Leader on Sun 29 Nov" in twice.get_data(as_text=True)
    # ... someone else is told it is cancelled already, and by whom.
    demo_auth.logout()
    demo_auth.login("admin")
    other = demo_client.post(f"/desk/appointments/{booked.request.id}/cancel", data={})
    assert other.status_code == 409 and "already cancelled (by Lee Leader on Sun 29 Nov" in other.get_data(as_text=True)
    assert d.current().published_version == 3  # cancelling twice changes nothing


def _past_appointment():
    """advisor1's client seen by advisor1 last Tuesday 10:00 in last week's published plan."""
    from caseload.localtime import to_utc
    from caseload.models import Plan, PlanItem

    north, client, advisor = m.team("north"), m.client_of("advisor1"), m.user("advisor1").advisor
    last = d.week() - timedelta(days=7)
    start = to_utc(last + timedelta(days=1), "10:00", north.timezone)
    request = AppointmentRequest(team=north, week_start=last, client=client, type=d.follow_up(), duration_minutes=30,
                                 purpose="Follow-up", pinned_advisor=advisor, pinned_start=start)
    plan = Plan(team=north, week_start=last, status="published", published_version=1,
                items=[PlanItem(request=request, advisor=advisor, starts_at=start, ends_at=start + timedelta(minutes=30),
                                pinned=True)])
    db.session.add_all([request, plan])
    db.session.commit()
    return client, request


def test_the_advisor_records_attendance_on_the_clients_page(demo_client, demo_auth):
    client, request = _past_appointment()
    demo_auth.login("advisor1")
    page = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
    assert f'id="outcome-{request.id}"' in page and "not recorded yet" in page
    before = len(client_visits(client))
    answer = demo_client.post(f"/desk/appointments/{request.id}/attendance", data={"outcome": "attended"})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, request.id).attendance == "attended"
    assert len(client_visits(db.session.get(Client, client.id))) == before + 1
    demo_client.post(f"/desk/appointments/{request.id}/attendance", data={"outcome": "dna"})
    db.session.expire_all()
    assert len(client_visits(db.session.get(Client, client.id))) == before
    page = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
    assert 'did not attend: <span id="dna-count">1</span>' in page and "did not attend (DNA)" in page
    demo_auth.logout()
    demo_auth.login("advisor2")  # not the appointment's advisor, nor the client's
    assert demo_client.post(f"/desk/appointments/{request.id}/attendance", data={"outcome": "attended"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, request.id).attendance == "dna"


def test_the_advisors_client_page_shows_appointments_attendance_and_continuity_in_words(demo_client, demo_auth):
    client, request = _past_appointment()
    attendance.mark(request, "attended", m.user("advisor1"))
    d.publish_week()
    offer = next(o for o in desk_offers.offers(m.team("north"), d.ask(client), count=20)
                 if o.advisor.id == m.user("advisor1").advisor.id)
    booking.book(m.team("north"), d.ask(client), offer.advisor.id, offer.local, m.user("advisor1"))
    demo_auth.login("advisor1")
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True).replace("&#39;", "'")
    section = page[page.index('id="appointments"'):page.index("Contact notes")]
    assert "with " + m.user("advisor1").advisor.name + " · Follow-up · attended" in section
    assert offer.start.strftime("%d %b %Y") in section.split("<h3>Past</h3>")[0]  # under Upcoming
    assert "Continuity: " in section and "attended contact" in section and "never" not in section


def test_the_planners_history_for_the_next_week_counts_the_appointment_only_when_attended(demo_app):
    from caseload.services.planning.problem import client_sid

    client, booked, a = _booked_with_history()
    after = booked.offer.end + timedelta(hours=1)

    def history():
        db.session.expire_all()
        problem = desk_week.desk_week(m.team("north"), d.next_week(), db.session.get(Client, client.id)).problem
        return [h["advisor"] for h in next(c for c in problem["clients"] if c["id"] == client_sid(client.id))["history"]]

    assert len(history()) == 3  # A A B: the booked appointment is no visit yet
    attendance.mark(booked.request, "attended", m.user("leader"), now=after)
    assert len(history()) == 4
    attendance.mark(db.session.get(AppointmentRequest, booked.request.id), "dna", m.user("leader"), now=after)
    assert len(history()) == 3
