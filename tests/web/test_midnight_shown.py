"""An end at midnight is shown back as 24:00 on the forms and the week pages, also on a day whose next midnight the
clocks skip, and 24:00 as a start is refused saying why, on every way in.

The absence and protected-time forms used the browser's time picker (<input type="time">), which can neither show
nor take 24:00: an absence ending at midnight came back "until 00:00". Where the clocks go forward AT midnight
(Africa/Cairo into Fri 30 Apr 2027, Asia/Beirut into Sun 28 Mar 2027, America/Santiago into Sun 6 Sep 2026) the
next day starts at 01:00, so the stored end of "Thu 16:00-24:00" read back as "Fri 01:00": the week page showed
"Thu 29 16:00 – Fri 30 01:00", the edit form "until 01:00" of Friday, a whole Friday off "01:00-00:00", and the
API a window ending "T01:00", which it refuses when sent back. A start of 24:00 said "Not a valid time value."
(forms) or "is not like "tue 10:00"" (CSV).
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import clock_span, to_local, to_utc, wall_clock
from caseload.models import Absence, AppointmentRequest
from caseload.timegrid import START_REFUSED
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient

UTC = timezone.utc
# zone, the Monday of the week, the day whose closing midnight the clocks skip (the next day starts at 01:00)
SKIPS = [("Africa/Cairo", date(2027, 4, 26), date(2027, 4, 29)),
         ("Asia/Beirut", date(2027, 3, 22), date(2027, 3, 27)),
         ("America/Santiago", date(2026, 8, 31), date(2026, 9, 5))]
SKIP_IDS = ["cairo", "beirut", "santiago"]
# ...and zones whose changes are not at midnight, for the ordinary case: London both ways, a day without a change.
PLAIN = [("Europe/London", date(2027, 3, 22), date(2027, 3, 27)), ("Europe/London", date(2027, 10, 25), date(2027, 10, 30)),
         ("Europe/London", date(2027, 4, 26), date(2027, 4, 29))]
PLAIN_IDS = ["london-spring", "london-autumn", "london"]


def _team_in(tz):
    north = m.team("north")
    north.timezone = tz
    db.session.commit()
    return north


def _last_absence(advisor) -> Absence:
    db.session.expire_all()
    return db.session.scalar(select(Absence).where(Absence.advisor_id == advisor.id).order_by(Absence.id.desc()))


def _absence_as_leader(demo_client, demo_auth, tz, week, day, start_time, end_time, reason="training"):
    """The leader signed in adds advisor1's absence on `day` through the team week's form (team in `tz`):
    (team, advisor, response)."""
    team = _team_in(tz)
    advisor = m.user("advisor1").advisor
    demo_auth.login("leader")
    response = demo_client.post(f"/rota/t/{team.id}/{week}/absences", data={
        "advisor": advisor.id, "start_day": str(day), "start_time": start_time, "end_time": end_time,
        "reason": reason})
    return team, advisor, response


@pytest.mark.parametrize("tz,week,day", SKIPS + PLAIN, ids=SKIP_IDS + PLAIN_IDS)
def test_wall_clock_and_clock_span_read_the_end_of_a_day_as_24_00(tz, week, day):
    end = to_utc(day + timedelta(days=1), "00:00", tz)  # how every form stores "until 24:00"
    assert wall_clock(end, tz) == datetime.combine(day + timedelta(days=1), time(0))
    assert (end - to_utc(day, "16:00", tz)) == timedelta(hours=8)  # real time: the day's last 8 hours
    start = to_local(to_utc(day, "23:00", tz), tz)
    assert clock_span(start, to_local(end, tz)) == f"{day:%a %d %b} 23:00–24:00"
    assert wall_clock(to_utc(day, "16:00", tz), tz) == datetime.combine(day, time(16))  # others unchanged
    assert clock_span(start, to_local(to_utc(day, "23:30", tz), tz)) == f"{day:%a %d %b} 23:00–23:30"


@pytest.mark.parametrize("tz,week,day", SKIPS + PLAIN, ids=SKIP_IDS + PLAIN_IDS)
def test_an_absence_to_midnight_shows_24_00_on_the_week_and_its_edit_form_and_saves_unchanged(
        demo_client, demo_auth, tz, week, day):
    team, advisor, added = _absence_as_leader(demo_client, demo_auth, tz, week, day, "16:00", "24:00",
                                              "late shift cover")
    assert added.status_code == 302, added.get_data(as_text=True)[-800:]
    absence = _last_absence(advisor)
    assert absence.ends_at == to_utc(day + timedelta(days=1), "00:00", tz)
    week_page = demo_client.get(f"/rota/t/{team.id}/{week}/").get_data(as_text=True)
    assert f"Absent {day:%a %d} 16:00–24:00 · late shift cover" in week_page
    form = demo_client.get(f"/rota/t/{team.id}/absences/{absence.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="end_time"[^>]*value="24:00"', form), form[-3000:]
    assert re.search(r'<input[^>]*id="end_time"[^>]*type="text"', form)  # not a time picker: it cannot show 24:00
    assert re.search(r'<input[^>]*id="end_day"[^>]*value="' + day.isoformat(), form)
    # Saved as shown, it is unchanged.
    saved = demo_client.post(f"/rota/t/{team.id}/absences/{absence.id}", data={
        "advisor": advisor.id, "start_day": day.isoformat(), "end_day": day.isoformat(), "start_time": "16:00",
        "end_time": "24:00", "reason": "late shift cover", "version": absence.version_id})
    assert saved.status_code == 302, saved.get_data(as_text=True)[-800:]
    again = _last_absence(advisor)
    assert (again.starts_at, again.ends_at) == (to_utc(day, "16:00", tz), to_utc(day + timedelta(days=1), "00:00", tz))


@pytest.mark.parametrize("tz,week,day", SKIPS, ids=SKIP_IDS)
def test_a_whole_day_off_on_a_day_starting_at_01_00_stays_a_whole_day(demo_client, demo_auth, tz, week, day):
    team = _team_in(tz)
    advisor = m.user("advisor1").advisor
    demo_auth.login("leader")
    after = day + timedelta(days=1)  # the day the clocks skip into
    assert demo_client.post(f"/rota/t/{team.id}/{week}/absences", data={
        "advisor": advisor.id, "start_day": after.isoformat(), "reason": "leave"}).status_code == 302
    absence = _last_absence(advisor)
    assert f"Absent {after:%a %d} (whole day) · leave" in demo_client.get(f"/rota/t/{team.id}/{week}/").get_data(as_text=True)
    form = demo_client.get(f"/rota/t/{team.id}/absences/{absence.id}").get_data(as_text=True)
    assert not re.search(r'<input[^>]*id="start_time"[^>]*value="[^"]', form)  # whole days: no times
    assert not re.search(r'<input[^>]*id="end_time"[^>]*value="[^"]', form)


def test_24_00_as_a_start_is_refused_saying_why_on_the_forms(demo_client, demo_auth):
    team, advisor, refused = _absence_as_leader(demo_client, demo_auth, "Europe/London", "2027-04-26", "2027-04-27",
                                                "24:00", "24:00")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and START_REFUSED in page and "Not a valid time value" not in page
    pinned = demo_client.post(f"/rota/t/{team.id}/2027-04-26/requests/new", data={
        "client": m.client_of("advisor1").reference, "type": 1, "duration_minutes": 30, "windows": "tue 09:00-12:00",
        "pinned_advisor": advisor.id, "pinned_day": "2027-04-27", "pinned_time": "24:00"})
    assert pinned.status_code == 400 and START_REFUSED in pinned.get_data(as_text=True)
    demo_auth.logout()
    demo_auth.login("advisor1")
    weekly = demo_client.post("/me/time/weekly", data={"day": "tue", "start": "24:00", "end": "24:00"})
    assert weekly.status_code == 400 and START_REFUSED in weekly.get_data(as_text=True)


def test_the_protected_time_form_offers_24_00_as_an_end(demo_client, demo_auth):
    demo_auth.login("advisor1")
    page = demo_client.get("/me/time").get_data(as_text=True)
    end = re.search(r'<input[^>]*id="end"[^>]*>', page).group()
    assert 'type="text"' in end and "24:00" in end  # its pattern and hint take 24:00; a time picker could not
    start = re.search(r'<input[^>]*id="start"[^>]*>', page).group()
    assert 'type="text"' in start and "24:00" not in start


@pytest.mark.parametrize("tz,week,day", SKIPS, ids=SKIP_IDS)
def test_a_window_to_midnight_reads_24_00_on_the_request_form_list_and_api(demo_client, demo_auth, tz, week, day):
    team = _team_in(tz)
    client = m.client_of("advisor1")
    api = ApiClient(demo_client, "leader")
    body = {"client_id": client.id, "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": f"{day}T20:00", "end": f"{day}T24:00"}]}
    created = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week.isoformat(), json=body)
    assert created.status_code == 201, created.get_json()
    written = created.get_json()["windows"]
    assert written == [{"start": f"{day}T20:00", "end": f"{day + timedelta(days=1)}T00:00"}]  # not T01:00
    again = api.patch("/requests/{request_id}", request_id=created.get_json()["id"],
                      json={**body, "windows": written, "version": created.get_json()["version"]})
    assert again.status_code == 200, again.get_json()
    demo_auth.login("leader")
    form = demo_client.get(f"/rota/t/{team.id}/requests/{created.get_json()['id']}").get_data(as_text=True)
    assert f"{day} 20:00-24:00" in form
    listed = demo_client.get(f"/rota/t/{team.id}/{week}/requests?q={client.reference}").get_data(as_text=True)
    assert f"{day:%a %d} 20:00–24:00" in listed


def test_the_api_refuses_24_00_as_a_start_saying_why(demo_client):
    team = _team_in("Europe/London")
    api = ApiClient(demo_client, "leader")
    body = {"client_id": m.client_of("advisor1").id, "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": "2027-04-27T24:00", "end": "2027-04-27T24:00"}]}
    refused = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week="2027-04-26", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["fields"]["windows.0.start"] == [f"2027-04-27T24:00: {START_REFUSED}"]
    body["windows"] = [{"start": "2027-04-27T09:00", "end": "2027-04-27T12:00"}]
    body["pinned_advisor_id"], body["pinned_start"] = m.user("advisor1").advisor.id, "2027-04-27T24:00"
    refused = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week="2027-04-26", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["fields"]["pinned_start"] == [f"2027-04-27T24:00: {START_REFUSED}"]


def test_the_requests_import_refuses_a_pin_at_24_00_saying_why(demo_client, demo_auth):
    team = _team_in("Europe/London")
    demo_auth.login("leader")
    before = db.session.scalar(select(func.count(AppointmentRequest.id)))
    ref = m.client_of("advisor1").reference
    body = ("client,type,windows,pinned_advisor,pinned_start\r\n"
            f"{ref},follow-up,tue 20:00-24:00,advisor1,tue 24:00\r\n").encode()
    response = demo_client.post(f"/rota/t/{team.id}/2027-04-26/import/requests",
                                data={"file": (io.BytesIO(body), "r.csv")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>2</td><td>pinned_start</td>" in page and START_REFUSED in page
    assert db.session.scalar(select(func.count(AppointmentRequest.id))) == before
