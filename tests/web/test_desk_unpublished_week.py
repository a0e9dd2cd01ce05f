"""The booking desk on a week not yet published that already has open requests (the demo office's own week
right after `seed-demo`, or any week between its requests and its first publish): offers and bookings work,
the open requests hold no time (nothing is planned yet), and a booking is saved as a pinned request."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentRequest, Plan
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.plans import published_plan
from scheduler.baselines import named_first
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _open_requests(week) -> int:
    return db.session.scalar(select(func.count(AppointmentRequest.id)).where(
        AppointmentRequest.week_start == week, AppointmentRequest.pinned_start.is_(None)))


def _first(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found, pattern
    return found.group(1)


def test_the_desk_offers_and_books_in_a_week_with_open_requests_not_yet_published(demo_client, demo_auth):
    week = d.week()
    assert _open_requests(week) > 0, "the demo week has requests the planner has not placed"
    assert db.session.scalar(select(func.count(Plan.id)).where(Plan.week_start == week)) == 0
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    page = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form())
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[:3000]
    assert "no longer fits" not in text and 'class="card offer"' in text
    start = _first(r'name="start" value="([^"]+)"', text)
    advisor = _first(r'name="advisor" value="([^"]+)"', text)
    nonce = _first(r'name="nonce" value="([^"]+)"', text)
    before = d.request_count()
    answer = demo_client.post(f"/desk/clients/{client.id}/book",
                              data=d.form(advisor=advisor, start=start, nonce=nonce))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    assert d.request_count() == before + 1
    booked = db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.booked_at.is_not(None)))
    assert booked.pinned_advisor_id == int(advisor) and booked.week_start == week


def test_the_api_offers_in_a_week_with_open_requests_not_yet_published(demo_client):
    client = m.client_of("advisor1")
    week = d.week()
    headers = m.issue_token("leader")
    body = {"client_id": client.id, "type": "follow-up", "week": week.isoformat(),
            "windows": [{"start": f"{(week + timedelta(days=k)).isoformat()}T09:00",
                         "end": f"{(week + timedelta(days=k)).isoformat()}T17:00"} for k in range(5)]}
    answer = demo_client.post(f"/api/v1/teams/{client.team_id}/offers", json=body, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    assert answer.get_json()["offers"]
    series = demo_client.post(f"/api/v1/teams/{client.team_id}/offers", headers=headers,
                              json={**body, "repeat": {"every_weeks": 1, "count": 2}})
    assert series.status_code == 200, series.get_data(as_text=True)[:2000]
    assert series.get_json()["offers"]


def test_publishing_a_first_draft_planned_before_a_desk_booking_is_refused_and_keeps_the_booking(demo_client,
                                                                                                demo_auth):
    """The week's first draft, then a desk booking into the still unpublished week (a pinned request the draft
    does not hold): publishing the draft would leave the booking out of the published plan, so it is refused
    naming the client and time, as for a published week (test_desk_booking)."""
    north = m.team("north")
    week = d.week()
    problem, maps = to_problem(north, week)
    draft = save_plan(north, week, problem, named_first(problem), skipped=maps.skipped)
    client = m.client_of("advisor1")
    offer = desk_offers.offers(north, d.ask(client))[0]
    booked = booking.book(north, d.ask(client), offer.advisor.id, offer.local, m.user("leader"))
    assert booked.plan is None
    demo_auth.login("leader")
    page = demo_client.post(f"/rota/plans/{draft.id}/publish",
                            data={"version": draft.version_id, "published": "0", "confirm": "y"})
    text = page.get_data(as_text=True)
    assert page.status_code == 409, text[:2000]
    assert client.reference in text and "Nothing was published" in text
    db.session.expire_all()
    assert db.session.get(Plan, draft.id).status == "draft"
    assert published_plan(north, week) is None
    # Planned again (the booking is now in the problem, pinned), the new draft publishes with it.
    problem, maps = to_problem(north, week)
    again = save_plan(north, week, problem, named_first(problem), skipped=maps.skipped)
    assert demo_client.post(f"/rota/plans/{again.id}/publish",
                            data={"version": again.version_id, "published": "0", "confirm": "y"}).status_code == 302
    held = {i.request_id: i for i in published_plan(north, week).items}
    assert held[booked.request.id].advisor_id == offer.advisor.id


def test_a_desk_booking_is_not_removed_from_the_requests_list_but_cancelled_at_the_desk(demo_client, demo_auth):
    """The requests list's Remove on a desk booking deleted it without a cancellation: the published plan kept
    a row without its request and nothing recorded the cancellation. It is refused, pointing to Cancel."""
    v1 = d.publish_week()
    north = m.team("north")
    client = m.client_of("advisor1")
    offer = desk_offers.offers(north, d.ask(client))[0]
    booked = booking.book(north, d.ask(client), offer.advisor.id, offer.local, m.user("leader")).request
    demo_auth.login("leader")
    answer = demo_client.post(f"/rota/t/{north.id}/requests/{booked.id}/delete", data={"confirm": "remove"},
                              follow_redirects=True)
    assert "booked at the desk for" in answer.get_data(as_text=True) and "Nothing was removed" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, booked.id) is not None
    assert booked.id in {i.request_id for i in d.current().items}
    # Cancelled at the desk, the row may then go.
    assert demo_client.post(f"/desk/appointments/{booked.id}/cancel", data={}).status_code == 302
    demo_client.post(f"/rota/t/{north.id}/requests/{booked.id}/delete", data={"confirm": "remove"})
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, booked.id) is None
    assert v1.id != d.current().id


def test_a_desk_booking_is_not_changed_through_the_requests_form_or_api(demo_client, demo_auth):
    """Changing a desk booking's pinned time (or client, type) as a plain request left the published plan
    showing the old time; the form and PATCH /api/v1/requests/{id} refuse it, pointing to Rebook."""
    d.publish_week()
    north = m.team("north")
    client = m.client_of("advisor1")
    offer = desk_offers.offers(north, d.ask(client))[0]
    booked = booking.book(north, d.ask(client), offer.advisor.id, offer.local, m.user("leader")).request
    version, pinned = booked.version_id, booked.pinned_start
    headers = m.issue_token("leader")
    answer = demo_client.patch(f"/api/v1/requests/{booked.id}", headers=headers,
                               json={"version": version, "purpose": "moved by hand"})
    assert answer.status_code == 422, answer.get_data(as_text=True)[:2000]
    assert "booked at the desk" in answer.get_json()["message"]
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/t/{north.id}/requests/{booked.id}").get_data(as_text=True)
    assert page  # the edit form opens; saving it is what is refused
    posted = demo_client.post(f"/rota/t/{north.id}/requests/{booked.id}", data={
        "client": client.reference, "type": booked.type_id, "duration_minutes": booked.duration_minutes,
        "purpose": "moved by hand", "windows": "tue 09:00-17:00", "version": version})
    assert posted.status_code in (400, 409) and "booked at the desk" in posted.get_data(as_text=True)
    db.session.expire_all()
    again = db.session.get(AppointmentRequest, booked.id)
    assert (again.version_id, again.pinned_start, again.purpose) == (version, pinned, booked.purpose)
