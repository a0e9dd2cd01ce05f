"""Offers give the client real choices: several times with their named advisor first, not one time repeated
across advisors (desk_offers.ranked_times, desk_offers.spread). Before, a Wednesday 10-12 window offered 10:00
with the named advisor and then 10:00 with four others, and a series Tue 14:00 five times."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.desk import series
from tests.web import access_matrix as m
from tests.web import desk_support as d

WEDNESDAY_MORNING = "wed 10:00-12:00"


def _shape(found) -> tuple[list[str], Counter]:
    return [o.local for o in found], Counter(o.local for o in found)


def _check(found, named_id: int) -> None:
    said = [(o.advisor.name, o.local) for o in found]
    theirs = [o.local for o in found if o.advisor.id == named_id]
    assert len(found) == desk_offers.DEFAULT_COUNT, said
    lead = min(len(theirs), desk_offers.NAMED_TIMES)
    assert len(set(theirs)) >= 2 and [o.advisor.id for o in found[:lead]] == [named_id] * lead, said
    assert len(found) > lead and found[lead].advisor.id != named_id, said  # then others, not all the named's
    assert max(Counter(o.local for o in found).values()) <= desk_offers.SAME_START, said


def test_a_new_booking_in_one_morning_offers_the_named_advisors_other_times(demo_app):
    d.publish_week(d.next_week())
    client = m.client_of("advisor1")
    found = desk_offers.offers(m.team("north"), d.ask(client, WEDNESDAY_MORNING, d.next_week()))
    _check(found, client.named_advisor_id)


def test_a_rebooking_in_one_morning_offers_the_named_advisors_other_times(demo_app):
    d.publish_week(d.next_week())
    client = m.client_of("advisor1")
    north = m.team("north")
    first = desk_offers.offers(north, d.ask(client, "thu 09:00-17:00", d.next_week()))[0]
    booked = booking.book(north, d.ask(client, "thu 09:00-17:00", d.next_week()), first.advisor.id, first.local,
                          m.user("leader"))
    ask = d.ask(client, WEDNESDAY_MORNING, d.next_week())
    ask.replacing = booked.request
    _check(desk_offers.offers(north, ask), client.named_advisor_id)


def test_a_series_offers_more_than_one_time(demo_app):
    client = m.client_of("advisor1")
    found = series.series_offers(m.team("north"), d.ask(client, "tue 14:00-17:00", d.next_week()), series.Repeat(1, 3))
    said = [(o.advisor.name, o.starts[0]) for o in found]
    assert len(found) >= 3 and max(Counter(o.starts[0] for o in found).values()) <= desk_offers.SAME_START, said
