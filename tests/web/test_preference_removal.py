"""An advisor's protected-time entry is removed by what it is, not by its place in the list: two pages opened
before either removal (or a one-off entry dropping off after its day) named another entry by the same position,
and the second "Removed." silently deleted it. Now the entry that is no longer there is a 409, nothing removed."""
from __future__ import annotations

import time_machine
from datetime import timedelta
from sqlalchemy import select

from caseload.extensions import db
from caseload.models import User
from caseload.services.people import preferences


def _entries():
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == "advisor1")).advisor.protected_preferences


def _add_wed(demo_client):
    for start, end in (("13:00", "15:00"), ("14:00", "16:00")):
        assert demo_client.post("/me/time/weekly", data={"day": "wed", "start": start, "end": end}).status_code == 302


def test_two_stale_pages_removing_the_same_entry_do_not_remove_the_other(demo_client, demo_auth):
    demo_auth.login("advisor1")
    _add_wed(demo_client)
    page = demo_client.get("/me/time").get_data(as_text=True)
    assert 'name="entry" value="wed 13:00-15:00"' in page  # the page names each entry by what it is
    first = demo_client.post("/me/time/remove", data={"entry": "wed 13:00-15:00", "confirm": "yes"})
    assert first.status_code == 302
    second = demo_client.post("/me/time/remove", data={"entry": "wed 13:00-15:00", "confirm": "yes"})
    assert second.status_code == 409 and "no longer there" in second.get_data(as_text=True)
    assert _entries() == [{"day": "wed", "start": "14:00", "end": "16:00"}]  # the other entry stays


def test_a_one_off_dropping_off_does_not_shift_which_entry_is_removed(demo_client, demo_auth):
    demo_auth.login("advisor1")
    advisor = db.session.scalar(select(User).where(User.username == "advisor1")).advisor
    today = preferences.today_for(advisor)
    day = next(today + timedelta(days=k) for k in range(1, 8) if (today + timedelta(days=k)).weekday() < 5
               and preferences.WEEKDAYS[(today + timedelta(days=k)).weekday()] in advisor.work_pattern)
    assert demo_client.post("/me/time/once", data={"on": day.isoformat(), "start": "09:00", "end": "11:00"}).status_code == 302
    _add_wed(demo_client)
    with time_machine.travel(day + timedelta(days=1, hours=12)):  # the one-off's day has passed: it drops off
        gone = demo_client.post("/me/time/remove", data={"entry": f"{day.isoformat()} 09:00-11:00", "confirm": "yes"})
        assert gone.status_code == 409
    assert {(e.get("day"), e["start"]) for e in _entries()} >= {("wed", "13:00"), ("wed", "14:00")}


def test_the_service_removes_by_content_only(demo_client, demo_auth):
    demo_auth.login("advisor1")
    _add_wed(demo_client)
    advisor = db.session.scalar(select(User).where(User.username == "advisor1")).advisor
    by = db.session.scalar(select(User).where(User.username == "advisor1"))
    removed = preferences.remove_preference(advisor, "wed 14:00-16:00", by)
    assert removed == {"day": "wed", "start": "14:00", "end": "16:00"}
    try:
        preferences.remove_preference(advisor, "wed 14:00-16:00", by)
        raise AssertionError("removed twice")
    except preferences.PreferenceGone:
        pass
    assert _entries() == [{"day": "wed", "start": "13:00", "end": "15:00"}]
