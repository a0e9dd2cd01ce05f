"""The team view opens on a day with appointments still to come, not on a day that is over; every day stays
selectable."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests import clock
from tests.web.desk_support import publish_week


def _grid_day(page: str) -> str:
    return page[page.index('<h3 id="day-grid">') + len('<h3 id="day-grid">'):].split("</h3>", 1)[0]


def _days_with_appointments(plan):
    return sorted({i.starts_at.date() for i in plan.items if i.advisor_id is not None})


def test_monday_evening_opens_on_the_next_day_with_appointments(demo_auth, north):
    plan = publish_week()
    monday = north[1]
    days = _days_with_appointments(plan)
    assert days[0] == monday and len(days) > 1
    leader = demo_auth.client
    with clock.at(datetime.combine(monday, datetime.min.time(), timezone.utc) + timedelta(hours=8)):  # London = UTC
        demo_auth.login("leader")
        page = leader.get(f"/rota/plans/{plan.id}").get_data(as_text=True)
        assert _grid_day(page) == monday.strftime("%A %d %B")  # today, with appointments still to come
    with clock.at(datetime.combine(monday, datetime.min.time(), timezone.utc) + timedelta(hours=19)):
        demo_auth.login("leader")
        page = leader.get(f"/rota/plans/{plan.id}").get_data(as_text=True)
        assert _grid_day(page) == days[1].strftime("%A %d %B")
        asked = leader.get(f"/rota/plans/{plan.id}?day={monday}").get_data(as_text=True)
        assert _grid_day(asked) == monday.strftime("%A %d %B")  # still selectable


def test_a_week_that_is_over_opens_on_its_first_day(demo_auth, north):
    plan = publish_week()
    with clock.at(datetime.combine(north[1] + timedelta(days=9), datetime.min.time(), timezone.utc)):
        demo_auth.login("leader")
        page = demo_auth.client.get(f"/rota/plans/{plan.id}").get_data(as_text=True)
        assert _grid_day(page) == north[1].strftime("%A %d %B")
