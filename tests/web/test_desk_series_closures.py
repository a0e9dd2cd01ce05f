"""A weekly series on Fridays over Christmas (the demo office is closed Fri 25 Dec and Fri 01 Jan): the weeks
whose every day of the client's times is closed are skipped, and the offer says which closure and where the series
ends, instead of "No offer fits … no advisor … works inside its windows"; the named advisor's line never says
"other places rank higher" when a later week is what failed."""
from __future__ import annotations

import html
import re
from datetime import date
from types import SimpleNamespace

from caseload.extensions import db
from caseload.models import ClosureDay
from caseload.services.closures import closed_days
from caseload.services.desk import offers as desk_offers
from caseload.services.desk import series
from tests.web import access_matrix as m
from tests.web import desk_support as d

WEEK = date(2026, 12, 14)


def test_a_friday_series_over_christmas_skips_the_closed_fridays_and_says_so(demo_client, demo_auth):
    north = m.team("north")
    db.session.add_all([ClosureDay(day=date(2026, 12, 25), reason="Christmas Day"),
                        ClosureDay(day=date(2027, 1, 1), reason="New Year's Day")])  # the demo office's bank holidays
    db.session.commit()
    closed = closed_days(north.id, WEEK, date(2027, 1, 17))
    client = m.client_of("advisor1")
    ask = d.ask(client, "fri 09:00-17:00", week_start=WEEK)
    found = series.series_offers(north, ask, series.Repeat(1, 4))
    assert found, series.why_none(north, ask, series.Repeat(1, 4))
    offer = found[0]
    days = [o.local[:10] for o in offer.instances]
    assert len(days) == 4 and days[0] == "2026-12-18" and "2026-12-25" not in days
    assert all(date.fromisoformat(day) not in closed for day in days), days
    notes = " ".join(offer.moved)
    assert "Fri 25 Dec: office closed (Christmas Day): that week is skipped" in notes, offer.moved
    assert "Fri 01 Jan: office closed (New Year's Day): that week is skipped" in notes, offer.moved
    assert days[1:] == ["2027-01-08", "2027-01-15", "2027-01-22"], days
    assert f"The last appointment is on {date.fromisoformat(days[-1]):%a %d %b %Y}." in notes
    demo_auth.login("leader")
    page = html.unescape(demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form(
        windows="fri 09:00-17:00", week_start=WEEK, repeat="1", count=4)).get_data(as_text=True))
    assert "No offer fits" not in page and "that week is skipped" in page, page[:5000]
    assert "other places rank higher" not in page
    # Booking the offer books those weeks (the skipped one is not asked of the client).
    booked = series.book_series(north, ask, series.Repeat(1, 4), offer.advisor.id, offer.starts, m.user("leader"))
    assert [r.week_start for r in booked.requests] == [WEEK, date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18)]


def test_the_named_advisor_is_not_said_to_rank_lower_when_nothing_is_offered(demo_app):
    """With no offer shown (or for a series, whose later weeks may be what failed), a day the named advisor is free
    is not said to have "other places rank higher"."""
    north = m.team("north")
    client = m.client_of("advisor1")
    ask = d.ask(client, "fri 09:00-17:00", week_start=WEEK)
    alone = desk_offers.named_refusal(north, ask, [])
    assert alone is not None and "rank higher" not in alone and "free then" in alone, alone
    of_series = desk_offers.named_refusal(north, ask, [], series=True)
    assert "free then, but not for every appointment of the series" in of_series, of_series
    other = next(a for a in north.advisors if a.id != client.named_advisor_id)
    shown = desk_offers.named_refusal(north, ask, [SimpleNamespace(advisor=other)], series=True)
    assert "not for every appointment of the series, or other series rank higher" in shown, shown
