"""The calendar feed shows desk bookings before the week is published (walkthrough F), as My week does ("Booked,
not yet planned"): marked STATUS:TENTATIVE, and the same event (UID) comes back CONFIRMED, with a higher
SEQUENCE, once the week is published."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from caseload.extensions import db
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.people import calendar_feed
from caseload.services.planning.plans import published_plan
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _events(user) -> dict:
    cal = Calendar.from_ical(calendar_feed.feed(user))
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_a_booking_in_a_week_not_yet_published_is_a_tentative_event(demo_app):
    user = m.user("advisor1")
    advisor, client, week = user.advisor, m.client_of("advisor1"), d.next_week()
    assert published_plan(advisor.team, week) is None
    ask = d.ask(client, week_start=week, advisor=advisor)
    offer = desk_offers.offers(advisor.team, ask)[0]
    booked = booking.book(advisor.team, ask, advisor.id, offer.local, user)
    uid = calendar_feed.appointment_uid(booked.request.id)
    event = _events(user)[uid]
    assert str(event["status"]) == "TENTATIVE" and "not yet planned" in str(event["summary"])
    assert event.decoded("dtstart") == booked.request.pinned_start
    assert int(event["sequence"]) == 0

    d.publish_week(week)  # the plan keeps the desk booking's time
    event = _events(user)[uid]
    assert str(event["status"]) == "CONFIRMED" and int(event["sequence"]) >= 1
    assert list(_events(user)).count(uid) == 1

    other = d.ask(client, "thu 09:00-17:00", week_start=week + timedelta(days=7),
                  advisor=advisor)
    later = booking.book(advisor.team, other, advisor.id, desk_offers.offers(advisor.team, other)[0].local, user)
    later.request.cancelled_at = later.request.booked_at  # a cancelled booking is not in the feed
    db.session.commit()
    assert calendar_feed.appointment_uid(later.request.id) not in _events(user)
