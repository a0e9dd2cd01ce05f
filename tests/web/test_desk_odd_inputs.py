"""Odd input at the booking desk, as a careless or hostile user types it: refused naming the field, the form
kept as it was filled in, nothing booked, never a 500."""
from __future__ import annotations

from datetime import timedelta

from caseload.extensions import db
from caseload.models import Advisor, AppointmentRequest
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from tests.web import access_matrix as m
from tests.web import desk_support as d

HUGE = "99999999999999999999"  # more than any date arithmetic can hold


def test_a_series_of_a_huge_count_is_refused_naming_how_many_times(demo_client, demo_auth):
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    ask = d.form(week_start=d.next_week(), windows="tue 09:00-17:00", repeat="1", count=HUGE)
    page = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=ask)
    text = page.get_data(as_text=True)
    assert page.status_code == 400, text[:2000]
    assert "How many times in all (a series): " in text and "run past a year" in text
    assert HUGE in text  # the form shows what was typed
    count = d.request_count()
    booked = demo_client.post(f"/desk/clients/{client.id}/book",
                              data={**ask, "advisor": str(client.named_advisor_id), "start": f"{d.next_week() + timedelta(days=1)}T09:00"})
    assert booked.status_code == 400, booked.get_data(as_text=True)[:2000]
    assert "run past a year" in booked.get_data(as_text=True)
    assert d.request_count() == count


def test_a_series_start_not_as_offered_names_starts(demo_client):
    """A later instance's start changed by hand is refused naming `starts` (where it came from), not `start`."""
    client = m.client_of("advisor1")
    week = d.next_week()
    wednesday = (week + timedelta(days=2)).isoformat()
    body = {"client_id": client.id, "type": "follow-up", "week": week.isoformat(),
            "windows": [{"start": f"{wednesday}T09:00", "end": f"{wednesday}T17:00"}],
            "repeat": {"every_weeks": 1, "count": 3}}
    headers = m.issue_token("leader")
    offer = demo_client.post(f"/api/v1/teams/{client.team_id}/offers", json=body, headers=headers).get_json()["offers"][0]
    starts = [i["start"] for i in offer["instances"]]
    starts[1] = starts[1][:11] + "03:00"  # outside the client's times that week
    count = d.request_count()
    answer = demo_client.post("/api/v1/bookings", headers={**headers, "Idempotency-Key": "odd-series-1"},
                              json={**body, "advisor_id": offer["advisor_id"], "start": starts[0], "starts": starts})
    assert answer.status_code == 422, answer.get_data(as_text=True)[:2000]
    fields = answer.get_json()["fields"]
    assert list(fields) == ["starts"] and fields["starts"][0].startswith("appointment 2: ")
    assert d.request_count() == count


def _booking(client, advisor_id: int) -> dict:
    week = d.next_week()
    thursday = (week + timedelta(days=3)).isoformat()
    return {"client_id": client.id, "type": "follow-up", "week": week.isoformat(),
            "windows": [{"start": f"{thursday}T09:00", "end": f"{thursday}T17:00"}],
            "advisor_id": advisor_id, "start": f"{thursday}T11:00"}


def test_an_advisor_who_cannot_take_the_appointment_is_refused_naming_the_advisor_not_a_race(demo_client, demo_auth):
    """Posting an advisor without the client's skill (or one no longer active) is bad input (422 naming the
    advisor), not a 409 saying the time "was just taken"."""
    client = m.client_of("advisor1")
    unable = next(a for a in m.team("north").advisors if a.active and client.need.code not in a.skill_codes)
    headers = m.issue_token("leader")
    count = d.request_count()
    answer = demo_client.post("/api/v1/bookings", json=_booking(client, unable.id),
                              headers={**headers, "Idempotency-Key": "odd-advisor-1"})
    assert answer.status_code == 422, answer.get_data(as_text=True)[:2000]
    assert f"{unable.name} does not do support appointments" in answer.get_json()["fields"]["advisor_id"][0]
    demo_auth.login("leader")
    body = _booking(client, unable.id)
    page = demo_client.post(f"/desk/clients/{client.id}/book", data=d.form(
        week_start=d.next_week(), windows="thu 09:00-17:00", advisor=str(unable.id), start=body["start"]))
    assert page.status_code == 400, page.get_data(as_text=True)[:2000]
    assert f"Not booked. Advisor: {unable.name} does not do" in page.get_data(as_text=True)
    gone = db.session.get(Advisor, client.named_advisor_id)
    gone.active = False
    db.session.commit()
    answer = demo_client.post("/api/v1/bookings", json=_booking(client, gone.id),
                              headers={**headers, "Idempotency-Key": "odd-advisor-2"})
    assert answer.status_code == 422, answer.get_data(as_text=True)[:2000]
    assert answer.get_json()["fields"]["advisor_id"] == [f"{gone.name} is not an active advisor."]
    assert d.request_count() == count


def test_whole_numbers_written_with_a_fraction_count_as_whole_numbers(demo_client):
    """5.0 for an integer field is an integer to JSON Schema (the documented contract), but it reached the
    services as a float: offers' count 5.0 was refused naming `windows`, a series count of 2.0 said "at least 2
    appointments". They now work as 5 and 2; 5.5 is still refused naming the field."""
    client = m.client_of("advisor1")
    week = d.next_week()
    wednesday = (week + timedelta(days=2)).isoformat()
    body = {"client_id": float(client.id), "type": "follow-up", "week": week.isoformat(),
            "windows": [{"start": f"{wednesday}T09:00", "end": f"{wednesday}T17:00"}]}
    headers = m.issue_token("leader")
    url = f"/api/v1/teams/{client.team_id}/offers"
    answer = demo_client.post(url, json={**body, "count": 2.0}, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    assert len(answer.get_json()["offers"]) == 2
    answer = demo_client.post(url, json={**body, "repeat": {"every_weeks": 1.0, "count": 2.0}}, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    assert all(len(o["instances"]) == 2 for o in answer.get_json()["offers"])
    answer = demo_client.post(url, json={**body, "count": 5.5}, headers=headers)
    assert answer.status_code == 422 and list(answer.get_json()["fields"]) == ["count"]
    offer = demo_client.post(url, json=body, headers=headers).get_json()["offers"][0]
    booked = demo_client.post("/api/v1/bookings", headers={**headers, "Idempotency-Key": "odd-float-1"},
                              json={**body, "advisor_id": float(offer["advisor_id"]), "start": offer["start"]})
    assert booked.status_code == 201, booked.get_data(as_text=True)[:2000]
    assert booked.get_json()["advisor_id"] == offer["advisor_id"]


def test_a_posted_advisor_that_is_not_an_id_is_named(demo_client, demo_auth):
    """The book form's advisor as "²" or "abc" (a hand-made post) flashed only "Not booked. "; it names the field
    and keeps what was asked."""
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    count = d.request_count()
    for odd in ("²", "abc"):
        page = demo_client.post(f"/desk/clients/{client.id}/book", data=d.form(
            week_start=d.next_week(), windows="wed 09:00-17:00", advisor=odd,
            start=f"{d.next_week() + timedelta(days=2)}T10:00"))
        text = page.get_data(as_text=True)
        assert page.status_code == 400 and "Not booked. Advisor: is not one of the offers" in text, text[:3000]
        assert "wed 09:00-17:00" in text
    assert d.request_count() == count


def test_a_refused_cancel_or_attendance_form_says_what_was_not_done(demo_client, demo_auth):
    """The cancel and attendance forms' own refusals said "Not booked."; they say "Not cancelled." and
    "Not saved.", naming the field, and change nothing."""
    d.publish_week()
    north = m.team("north")
    client = m.client_of("advisor1")
    offer = desk_offers.offers(north, d.ask(client))[0]
    booked = booking.book(north, d.ask(client), offer.advisor.id, offer.local, m.user("leader")).request
    demo_auth.login("leader")
    page = demo_client.post(f"/desk/appointments/{booked.id}/cancel", data={"reason": "r" * 300}, follow_redirects=True)
    assert "Not cancelled. Reason (optional): " in page.get_data(as_text=True)
    page = demo_client.post(f"/desk/appointments/{booked.id}/attendance", data={"outcome": "bogus"},
                            follow_redirects=True)
    assert "Not saved. Attendance: " in page.get_data(as_text=True)
    db.session.expire_all()
    again = db.session.get(AppointmentRequest, booked.id)
    assert again.cancelled_at is None and again.attendance is None
