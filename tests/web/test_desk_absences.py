"""An absence added to a published week lists at once the appointments it breaks, each to rebook; a rebooked
one leaves the advisor's week and calendar feed at once."""
from __future__ import annotations

import re

from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Absence
from caseload.localtime import to_local
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.people import calendar_feed
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _a_placed_item(plan):
    return next(i for i in sorted(plan.items, key=lambda i: i.id)
                if i.advisor_id is not None and i.request is not None and i.request.type.code == "follow-up")


def test_an_absence_lists_what_it_breaks_and_each_can_be_rebooked(demo_client, demo_auth):
    plan = d.publish_week()
    item = _a_placed_item(plan)
    advisor, client = item.advisor, item.request.client
    day = to_local(item.starts_at, "Europe/London").date()
    demo_auth.login("leader")
    north = m.team("north")
    answer = demo_client.post(f"/rota/t/{north.id}/{d.week().isoformat()}/absences", data={
        "advisor": advisor.id, "start_day": day.isoformat(), "end_day": day.isoformat(), "reason": "sick"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/desk/teams/{north.id}/{d.week()}/broken")
    page = demo_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "breaks" in page and f"Rebook {client.reference}" in page
    link = re.search(r'<a href="([^"]*)">Rebook ' + client.reference, page).group(1).replace("&amp;", "&")
    assert link.startswith(f"/desk/clients/{client.id}/offers?") and f"replacing={item.request_id}" in link
    offers_page = demo_client.get(link)  # one click: the offers, its own advisor's first
    assert offers_page.status_code == 200, offers_page.get_data(as_text=True)[:2000]
    assert f"with {advisor.name}" in offers_page.get_data(as_text=True)
    # Rebook it (same advisor on another day first, else cover).
    ask = d.ask(client)
    ask.replacing = item.request
    offers = desk_offers.offers(north, ask, count=5)
    assert offers and all(to_local(o.start, "Europe/London").date() != day or o.advisor.id != advisor.id for o in offers)
    if any(o.advisor.id == advisor.id for o in offers):
        assert offers[0].advisor.id == advisor.id
    booking.book(north, ask, offers[0].advisor.id, offers[0].local, m.user("leader"))
    again = demo_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"replacing={item.request_id}" not in again.replace("&amp;", "&")
    feed = calendar_feed.feed(advisor.user).decode()
    assert calendar_feed.appointment_uid(item.request_id) not in feed
    current = d.current()
    assert all(i.request_id != item.request_id for i in current.items)


def test_an_absence_in_an_unpublished_week_goes_back_to_the_week(demo_client, demo_auth):
    demo_auth.login("leader")
    north = m.team("north")
    advisor = m.user("advisor1").advisor
    day = d.next_week() + timedelta(days=1)
    answer = demo_client.post(f"/rota/t/{north.id}/{d.next_week().isoformat()}/absences", data={
        "advisor": advisor.id, "start_day": day.isoformat(), "end_day": day.isoformat(), "reason": "sick"})
    assert answer.status_code == 302 and "/broken" not in answer.headers["Location"]


def test_the_broken_list_is_for_the_teams_leader(demo_client, demo_auth):
    d.publish_week()
    demo_auth.login("leader2")
    assert demo_client.get(f"/desk/teams/{m.team('north').id}/{d.week()}/broken").status_code == 404
    demo_auth.logout()
    demo_auth.login("advisor1")
    assert demo_client.get(f"/desk/teams/{m.team('north').id}/{d.week()}/broken").status_code == 403
    db.session.remove()


def _desk_booking_next_week():
    """advisor1's client booked at the desk with advisor1 next Wednesday (a week not yet published)."""
    client, advisor = m.client_of("advisor1"), m.user("advisor1").advisor
    ask = d.ask(client, "wed 09:00-17:00", week_start=d.next_week())
    offer = next(o for o in desk_offers.offers(m.team("north"), ask, count=20) if o.advisor.id == advisor.id)
    return booking.book(m.team("north"), ask, advisor.id, offer.local, m.user("leader")), advisor, client


def test_an_absence_in_an_unpublished_week_flags_the_desk_bookings_it_breaks(demo_client, demo_auth):
    booked, advisor, client = _desk_booking_next_week()
    assert d.current(d.next_week()) is None
    wednesday = d.next_week() + timedelta(days=2)
    demo_auth.login("leader")
    north = m.team("north")
    answer = demo_client.post(f"/rota/t/{north.id}/{d.next_week().isoformat()}/absences", data={
        "advisor": advisor.id, "start_day": wednesday.isoformat(), "end_day": wednesday.isoformat(), "reason": "sick"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/desk/teams/{north.id}/{d.next_week()}/broken")
    page = demo_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "It breaks 1 desk-booked appointment" in page and f"Rebook {client.reference}" in page
    assert "booked at the desk (the week is not published yet)" in page
    link = re.search(r'<a href="([^"]*)">Rebook ' + client.reference, page).group(1).replace("&amp;", "&")
    assert f"replacing={booked.request.id}" in link and demo_client.get(link).status_code == 200


def test_moving_an_absence_onto_a_booking_flags_it_too(demo_client, demo_auth):
    """Editing an absence is the other way an absence comes to break a booking."""
    booked, advisor, client = _desk_booking_next_week()
    demo_auth.login("leader")
    north = m.team("north")
    monday, wednesday = d.next_week(), d.next_week() + timedelta(days=2)
    added = demo_client.post(f"/rota/t/{north.id}/{monday.isoformat()}/absences", data={
        "advisor": advisor.id, "start_day": monday.isoformat(), "end_day": monday.isoformat(), "reason": "training"})
    assert "/broken" not in added.headers["Location"]
    absence = db.session.scalar(select(Absence).where(Absence.advisor_id == advisor.id).order_by(Absence.id.desc()))
    moved = demo_client.post(f"/rota/t/{north.id}/absences/{absence.id}", data={
        "advisor": advisor.id, "start_day": wednesday.isoformat(), "end_day": wednesday.isoformat(),
        "reason": "training", "version": absence.version_id})
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/desk/teams/{north.id}/{monday}/broken")


def test_a_broken_appointment_that_has_started_offers_attendance_not_rebook(demo_client, demo_auth):
    """Rebooking a started appointment is refused (test_desk_cancel_policy.py), so its row does not offer it."""
    plan = d.publish_week()
    item = _a_placed_item(plan)
    day = to_local(item.starts_at, "Europe/London").date()
    north = m.team("north")
    with clock.at(item.starts_at + timedelta(minutes=1)):
        demo_auth.login("leader")
        answer = demo_client.post(f"/rota/t/{north.id}/{d.week().isoformat()}/absences", data={
            "advisor": item.advisor_id, "start_day": day.isoformat(), "end_day": day.isoformat(), "reason": "sick"},
            follow_redirects=True)
        page = answer.get_data(as_text=True)
        assert f"replacing={item.request_id}" not in page.replace("&amp;", "&")
        assert "started: " in page and "record its attendance" in page
