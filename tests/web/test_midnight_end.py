"""Midnight as an end is written 24:00 on every form that takes an end (README): the absence form's Until and the
advisor's protected-time preference and case-work block Until refused it ("'24:00': Not a valid time value."),
though work patterns, request and desk windows and the API took it. It is the midnight closing that day."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import Absence, User
from caseload.services.people import preferences
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _advisor(username="advisor1"):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username)).advisor


def test_an_absence_may_end_at_24_00_and_edits_unchanged(demo_client, demo_auth):
    advisor, north, monday = _advisor(), m.team("north"), d.next_week()
    demo_auth.login("leader")
    added = demo_client.post(f"/rota/t/{north.id}/{monday.isoformat()}/absences", data={
        "advisor": advisor.id, "start_day": monday.isoformat(), "end_day": monday.isoformat(),
        "start_time": "20:00", "end_time": "24:00", "reason": "training"})
    assert added.status_code == 302, added.get_data(as_text=True)[-600:]
    absence = db.session.scalar(select(Absence).where(Absence.advisor_id == advisor.id).order_by(Absence.id.desc()))
    start, end = to_local(absence.starts_at, north.timezone), to_local(absence.ends_at, north.timezone)
    assert (start.date(), f"{start:%H:%M}") == (monday, "20:00")
    assert (end.date(), f"{end:%H:%M}") == (monday + timedelta(days=1), "00:00")  # the midnight closing Monday
    # Its edit form, saved as shown, keeps it (the end shows as 00:00 in the browser's time input).
    moved = demo_client.post(f"/rota/t/{north.id}/absences/{absence.id}", data={
        "advisor": advisor.id, "start_day": monday.isoformat(), "end_day": monday.isoformat(),
        "start_time": "21:00", "end_time": " 24:00 ", "reason": "training", "version": absence.version_id})
    assert moved.status_code == 302
    db.session.expire_all()
    assert to_local(db.session.get(Absence, absence.id).ends_at, north.timezone) == end


def test_24_00_is_still_refused_as_a_start_and_24_15_as_an_end(demo_client, demo_auth):
    advisor, north, monday = _advisor(), m.team("north"), d.next_week()
    demo_auth.login("leader")
    for start, end in (("24:00", "24:00"), ("20:00", "24:15"), ("20:00", "25:00")):
        refused = demo_client.post(f"/rota/t/{north.id}/{monday.isoformat()}/absences", data={
            "advisor": advisor.id, "start_day": monday.isoformat(), "start_time": start, "end_time": end,
            "reason": "training"})
        assert refused.status_code == 400, (start, end)


def test_a_preference_and_a_case_work_block_may_end_at_24_00(demo_client, demo_auth):
    demo_auth.login("advisor1")
    assert demo_client.post("/me/time/weekly", data={"day": "tue", "start": "20:00", "end": "24:00"}).status_code == 302
    advisor = _advisor()
    today = preferences.today_for(advisor)
    day = next(today + timedelta(days=k) for k in range(1, 8) if (today + timedelta(days=k)).weekday() < 5
               and preferences.WEEKDAYS[(today + timedelta(days=k)).weekday()] in advisor.work_pattern)
    once = demo_client.post("/me/time/once", data={"on": day.isoformat(), "start": "21:00", "end": "24:00"})
    assert once.status_code == 302, once.get_data(as_text=True)[-600:]
    assert {"day": "tue", "start": "20:00", "end": "24:00"} in _advisor().protected_preferences
    assert {"date": day.isoformat(), "start": "21:00", "end": "24:00"} in _advisor().protected_preferences
