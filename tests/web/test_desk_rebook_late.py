"""Rebooking late in the evening over whole days: the offers are the places still to come, as many as
asked, and the one-click rebook link never asks for a day that has no time left. Times are the team's
local time at the edges (Europe/London in the demo), UTC in the database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from caseload.localtime import to_utc
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.rota.requests import parse_windows
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _whole_days(first: int) -> str:
    return "\n".join(f"{d.week() + timedelta(days=k)} 00:00-24:00" for k in range(first, 5))


def _booked():
    """Booked on Friday: still to come on the Tuesday evening these tests rebook at (a started one cannot be)."""
    client = m.client_of("advisor1")
    ask = d.ask(client, "fri 09:00-17:00")
    offer = desk_offers.offers(m.team("north"), ask)[0]
    return client, booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("leader"))


def test_at_half_past_nine_the_offers_are_the_rest_of_the_week_in_full(demo_app):
    d.publish_week()
    client, first = _booked()
    tuesday = d.week() + timedelta(days=1)
    now = to_utc(tuesday, "21:30", m.team("north").timezone)
    ask = d.ask(client, _whole_days(1))  # Tuesday to Friday, whole days, as the desk's rebook link asked
    ask.replacing = first.request
    late = desk_offers.offers(m.team("north"), ask, count=5, now=now)
    # Nobody works after 21:30 on Tuesday: the offers are exactly those for Wednesday to Friday, five of them,
    # not what is left of a top five that Tuesday's past mornings filled.
    later_days = d.ask(client, _whole_days(2))
    later_days.replacing = first.request
    expected = desk_offers.offers(m.team("north"), later_days, count=5, now=now)
    assert len(expected) == 5
    assert [(o.advisor.id, o.local) for o in late] == [(o.advisor.id, o.local) for o in expected]
    assert all(o.start > now and o.start.utcoffset() == timedelta(0) for o in late)


def test_the_rebook_link_starts_today_at_the_next_slot_and_leaves_out_a_day_with_no_time_left(demo_app):
    d.publish_week()
    _, first = _booked()
    request = first.request  # a 30-minute follow-up
    tz, tuesday = m.team("north").timezone, d.week() + timedelta(days=1)
    monday = d.week()
    # In the form's day format and the team's working hours (09:00-17:00 in the demo), not "2026-12-01 00:00-24:00"
    # rows; Tuesday after 17:00 has no working time left, so it is left out.
    lines = desk_offers.rebook_windows(request, monday, d.week(), now=to_utc(tuesday, "21:32", tz)).splitlines()
    assert lines == ["wed 09:00-17:00", "thu 09:00-17:00", "fri 09:00-17:00"]
    assert parse_windows("\n".join(lines), d.week())  # the form takes them back as written
    morning = desk_offers.rebook_windows(request, monday, d.week(), now=to_utc(tuesday, "10:07", tz)).splitlines()
    assert morning[0] == "tue 10:15-17:00" and len(morning) == 4  # today from the next slot
    late = desk_offers.rebook_windows(request, monday, d.week(), now=to_utc(tuesday, "23:40", tz)).splitlines()
    assert late[0] == "wed 09:00-17:00"
    # The offers page takes the link's windows at that moment without calling them past.
    ask = d.ask(m.client_of("advisor1"), "\n".join(late))
    ask.replacing = request
    assert desk_offers.offers(m.team("north"), ask, now=to_utc(tuesday, "23:40", tz))


def test_the_cut_at_now_is_in_local_time_on_the_night_the_clocks_go_back():
    # Europe/London, Sunday 25 October 2026: 01:00-02:00 happens twice. The first time round (00:20 UTC = 01:20
    # BST) the windows start at 01:30 local, and a window that has ended is left out.
    request = {"duration_minutes": 30, "windows": [
        {"start": "2026-10-24T09:00", "end": "2026-10-24T17:00"},
        {"start": "2026-10-25T00:00", "end": "2026-10-26T00:00"}]}
    now = datetime(2026, 10, 25, 1, 20, tzinfo=timezone.utc)
    first = desk_offers.from_now(request, "Europe/London", now - timedelta(hours=1))
    assert first["windows"] == [{"start": "2026-10-25T01:30", "end": "2026-10-26T00:00"}]
    # At 01:20 GMT (the second time round) 01:30 names the first 01:30 (BST, 00:30 UTC), gone: from 02:00
    # (localtime.wall_clock_from; this test said 01:30, an offer the booking saved 50 minutes in the past).
    cut = desk_offers.from_now(request, "Europe/London", now)
    assert cut["windows"] == [{"start": "2026-10-25T02:00", "end": "2026-10-26T00:00"}]
