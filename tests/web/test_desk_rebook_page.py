"""The rebook page says what is being rebooked, and offers the "Rebook sooner" override only when setting the
minimum notice aside would offer some time more (not at 20:00 the evening before, when nobody works inside the
notice)."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from caseload.extensions import db
from caseload.localtime import to_local, to_utc
from caseload.models import Advisor
from tests import clock
from tests.web import access_matrix as m
from tests.web.test_desk_notice_override import TZ, _form, _setting


def test_the_rebook_page_names_the_appointment_and_offers_the_override_only_when_it_changes_something(
        demo_client, demo_auth):
    item, day, morning = _setting()
    client = item.request.client
    advisor = db.session.get(Advisor, item.advisor_id)
    line = (f"<strong>Rebooking:</strong> {item.request.type.name} {to_local(item.starts_at, TZ):%a %d %b %H:%M} "
            f"with {advisor.name} (absent: sick)")
    demo_auth.login("leader")
    with clock.at(morning):  # 10:00 that day: the notice (8 h) hides the afternoon, the override gives it back
        page = html.unescape(demo_client.get(f"/desk/clients/{client.id}/offers",
                                             query_string=_form(item, day, back="broken")).get_data(as_text=True))
        assert line in page, page[:5000]
        assert 'id="notice-override"' in page
    evening = to_utc(day - timedelta(days=1), "20:00", TZ)
    with clock.at(evening):  # the evening before: nobody works before the notice ends, so it changes nothing
        demo_auth.login("leader")  # signed in again: the session above starts after this moment
        page = html.unescape(demo_client.get(f"/desk/clients/{client.id}/offers", query_string={
            **_form(item, day, back="broken"), "windows": f"{day.isoformat()} 00:00-24:00"}).get_data(as_text=True))
        assert line in page, page[:5000]
        assert 'id="notice-override"' not in page


def test_the_broken_lists_rebook_link_asks_in_the_forms_day_format(demo_client, demo_auth):
    """The change form of a rebooking showed "2026-12-02 00:00-24:00" rows; it shows "wed 09:00-17:00" (the team's
    working hours that day, so the offers are the same), the day format the desk writes elsewhere."""
    from urllib.parse import parse_qs, urlsplit

    item, day, morning = _setting()
    demo_auth.login("leader")
    with clock.at(morning):
        page = html.unescape(demo_client.get(
            f"/desk/teams/{item.request.team_id}/{item.request.week_start.isoformat()}/broken").get_data(as_text=True))
        link = next(h for h in re.findall(r'href="([^"]+)"', page) if f"replacing={item.request_id}" in h)
        windows = parse_qs(urlsplit(link).query)["windows"][0].splitlines()
        assert windows and re.fullmatch(f"{day:%a}".lower() + r" 10:(00|15)-17:00", windows[0]), windows  # from the next slot
        assert all(re.fullmatch(r"(mon|tue|wed|thu|fri) \d\d:\d\d-\d\d:\d\d", line) for line in windows), windows
        offers = html.unescape(demo_client.get(link).get_data(as_text=True))
        assert "00:00-24:00" not in offers and windows[0] in offers
