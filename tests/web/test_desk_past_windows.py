"""The desk's own defaults are never refused for being past: the client page starts its windows from now, and the
offers skip a window wholly past (said above the offers, as a closed day is), cut a window partly past at now, and
refuse only when nothing is left. Before, on any day after Monday the page opened with Mon-Fri 09:00-17:00 and
Show offers answered 400 "Mon 30 Nov 09:00–17:00 is in the past" (the form, the API and a series alike).

The tests run on the Sunday before the demo week (tests/clock.py); each travels into the week with clock.at.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from caseload.services.desk import asks, series
from caseload.services.desk import offers as desk_offers
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient


def _local(days: int, hour: int, minute: int = 0) -> datetime:
    """The demo week's Monday + `days`, at hour:minute in the north team's zone (aware)."""
    return datetime.combine(d.week() + timedelta(days=days), time(hour, minute), ZoneInfo(m.team("north").timezone))


def _windows_shown(page: str) -> str:
    found = re.search(r'<textarea[^>]*name="windows"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found[1]).strip()


@pytest.fixture
def published(demo_app):
    return d.publish_week()


def test_the_client_page_starts_its_windows_from_now(demo_client, demo_auth, published):
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    with clock.at(_local(2, 13, 10)):  # Wednesday 13:10: the next slot is 13:15
        page = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
    assert _windows_shown(page).splitlines() == ["wed 13:15-17:00", "thu 09:00-17:00", "fri 09:00-17:00"]
    assert f'<option selected value="{d.week()}">' in page or f'value="{d.week()}" selected' in page


def test_on_friday_evening_the_client_page_offers_next_week_whole(demo_client, demo_auth, published):
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    with clock.at(_local(4, 17, 30)):
        page = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
    assert _windows_shown(page) == d.WHOLE_WEEK
    assert f'<option selected value="{d.next_week()}">' in page or f'value="{d.next_week()}" selected' in page


def test_the_old_defaults_on_wednesday_offer_the_rest_and_say_what_was_skipped(demo_client, demo_auth, published):
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    with clock.at(_local(2, 13)):
        answer = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form(windows=d.WHOLE_WEEK))
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200, page[:3000]
        monday, tuesday = d.week(), d.week() + timedelta(days=1)
        assert (f"Not offered, already past: {monday:%a %d %b} 09:00–17:00; {tuesday:%a %d %b} 09:00–17:00."
                in html.unescape(page))
        found = desk_offers.offers(m.team("north"), d.ask(client, d.WHOLE_WEEK))
    assert found and all(o.local >= f"{d.week() + timedelta(days=2)}T13:00" for o in found), [o.local for o in found]


def test_only_past_windows_are_still_refused(demo_client, demo_auth, published):
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    with clock.at(_local(2, 13)):
        answer = demo_client.get(f"/desk/clients/{client.id}/offers",
                                 query_string=d.form(windows="mon 09:00-17:00\ntue 09:00-17:00"))
        assert answer.status_code == 400
        assert "Every time given has passed" in html.unescape(answer.get_data(as_text=True))
        with pytest.raises(asks.BookingError) as err:
            asks.check_ask(m.team("north"), d.ask(client, "mon 09:00-17:00\ntue 09:00-17:00"))
    assert err.value.field == "windows"


def test_the_api_and_a_series_skip_past_windows_too(demo_client, published):
    client = m.client_of("advisor1")
    leader = ApiClient(demo_client, "leader")
    days = [d.week() + timedelta(days=k) for k in range(5)]
    body = {"client_id": client.id, "type": "follow-up", "week": d.week().isoformat(),
            "windows": [{"start": f"{day}T09:00", "end": f"{day}T17:00"} for day in days]}
    with clock.at(_local(2, 13)):
        answer = leader.post("/teams/{team_id}/offers", team_id=m.team("north").id, json=body)
        assert answer.status_code == 200, answer.get_json()
        offers = answer.get_json()["offers"]
        assert offers and all(o["start"] >= f"{days[2]}T13:00" for o in offers), offers
        found = series.series_offers(m.team("north"), d.ask(client, d.WHOLE_WEEK), series.Repeat(1, 2))
    assert found and all(o.local >= f"{days[2]}T13:00" for o in found)
