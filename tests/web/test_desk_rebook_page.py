"""The rebook page says what is being rebooked, and offers the "Rebook sooner" override only when setting the
minimum notice aside would offer some time more (not at 20:00 the evening before, when nobody works inside the
notice)."""
from __future__ import annotations

import html
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
