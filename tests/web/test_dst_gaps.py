"""Local times the clocks skip, typed anywhere, are refused naming the field, not moved an hour on.

Africa/Cairo goes forward at local midnight into Friday 30 Apr 2027 (00:00 EET -> 01:00 EEST), Europe/London at
01:00 on Sunday 28 Mar 2027 (-> 02:00 BST). Before, `to_utc` read a skipped time with the offset before the
change: a pin typed for 00:30 was saved and showed as 01:30, and an absence 00:15-01:00 was refused as "must
end after it starts". A time the clocks repeat (going back) reads as its first occurrence, fold=0, everywhere.
"""
from __future__ import annotations

import io
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import NoSuchLocalTime, to_utc, typed_to_utc
from caseload.models import Absence, AppointmentRequest
from caseload.services.desk import asks
from caseload.services.desk.asks import Ask
from caseload.services.rota.requests import parse_windows
from caseload.services.rota.week import RotaError
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.clock import at
from tests.web.api_support import ApiClient
from tests.web.test_rota_move_messages import _draft_with_one_placed

UTC = timezone.utc
# zone, the week, the day of the change, a skipped time, what the refusal says, the weekday as the CSV writes it
GAPS = [
    ("Africa/Cairo", "2027-04-26", "2027-04-30", "00:30",
     "00:30 on Fri 30 Apr 2027 does not exist in Africa/Cairo: the clocks go forward from 00:00 to 01:00", "fri"),
    ("Europe/London", "2027-03-22", "2027-03-28", "01:30",
     "01:30 on Sun 28 Mar 2027 does not exist in Europe/London: the clocks go forward from 01:00 to 02:00", "sun"),
]
IDS = ["cairo-midnight", "london-1am"]


def _team_in(tz):
    north = m.team("north")
    north.timezone = tz
    db.session.commit()
    return north


def _requests(team):
    return db.session.scalar(select(func.count(AppointmentRequest.id)).where(AppointmentRequest.team_id == team.id))


@pytest.mark.parametrize("tz,week,day,clock,said,_", GAPS, ids=IDS)
def test_typed_to_utc_refuses_a_skipped_time_and_to_utc_still_shifts_it(tz, week, day, clock, said, _):
    with pytest.raises(NoSuchLocalTime) as err:
        typed_to_utc(date.fromisoformat(day), clock, tz)
    assert str(err.value) == said
    to_utc(date.fromisoformat(day), clock, tz)  # the lenient reading, for times the code makes, still answers


def test_the_day_start_a_repeated_time_and_an_ordinary_time():
    # Cairo's Friday starts at 01:00: a typed midnight is refused, unless it bounds a span of days.
    with pytest.raises(NoSuchLocalTime):
        typed_to_utc(date(2027, 4, 30), "00:00", "Africa/Cairo")
    assert typed_to_utc(date(2027, 4, 30), "00:00", "Africa/Cairo", midnight_is_day_start=True) == \
        datetime(2027, 4, 29, 22, tzinfo=UTC)
    assert typed_to_utc(date(2027, 4, 30), "01:00", "Africa/Cairo") == datetime(2027, 4, 29, 22, tzinfo=UTC)
    # UK clocks go back at 02:00 BST on 31 Oct 2027: 01:30 happens twice; it reads as the first (BST).
    assert typed_to_utc(date(2027, 10, 31), time(1, 30), "Europe/London") == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert typed_to_utc(date(2027, 3, 28), "02:00", "Europe/London") == datetime(2027, 3, 28, 1, tzinfo=UTC)


@pytest.mark.parametrize("tz,week,day,clock,said,weekday", GAPS, ids=IDS)
def test_windows_with_a_skipped_start_or_end_are_refused(tz, week, day, clock, said, weekday):
    with pytest.raises(RotaError) as err:
        parse_windows(f"{weekday} {clock}-12:00", date.fromisoformat(week), tz)
    assert said in str(err.value) and err.value.field == "windows"
    with pytest.raises(RotaError):
        parse_windows(f"{weekday} 00:00-{clock}", date.fromisoformat(week), tz)
    # The day's bounds (00:00, 24:00) stand for the start and end of the day, skipped or not.
    assert parse_windows(f"{weekday} 00:00-24:00", date.fromisoformat(week), tz)


@pytest.mark.parametrize("tz,week,day,clock,said,_", GAPS, ids=IDS)
def test_the_request_form_refuses_a_pin_at_a_skipped_time_and_keeps_what_was_typed(demo_client, demo_auth, tz, week,
                                                                                   day, clock, said, _):
    team = _team_in(tz)
    demo_auth.login("leader")
    before = _requests(team)
    client = m.client_of("advisor1")
    response = demo_client.post(f"/rota/t/{team.id}/{week}/requests/new", data={
        "client": client.reference, "type": 1, "duration_minutes": 30, "windows": "tue 09:00-12:00",
        "pinned_advisor": m.user("advisor1").advisor.id, "pinned_day": day, "pinned_time": clock})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"Pinned start: {said}." in page
    assert f'value="{clock}"' in page and client.reference in page and "tue 09:00-12:00" in page
    assert _requests(team) == before


@pytest.mark.parametrize("tz,week,day,clock,said,_", GAPS, ids=IDS)
def test_the_absence_form_refuses_a_skipped_time_naming_it(demo_client, demo_auth, tz, week, day, clock, said, _):
    team = _team_in(tz)
    demo_auth.login("leader")
    advisor = m.user("advisor1").advisor
    before = db.session.scalar(select(func.count(Absence.id)))
    response = demo_client.post(f"/rota/t/{team.id}/{week}/absences", data={
        "advisor": advisor.id, "start_day": day, "start_time": clock, "end_time": "12:00", "reason": "training"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and f"From: {said}." in page and f'value="{clock}"' in page
    ends = demo_client.post(f"/rota/t/{team.id}/{week}/absences", data={
        "advisor": advisor.id, "start_day": day, "start_time": "00:00" if tz == "Africa/Cairo" else "00:15",
        "end_time": clock, "reason": "training"})
    assert ends.status_code == 400 and f"Until: {said}." in ends.get_data(as_text=True)
    assert "must end after it starts" not in ends.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Absence.id))) == before


def test_the_cairo_absence_from_the_report_is_refused_for_the_skipped_time(demo_client, demo_auth):
    team = _team_in("Africa/Cairo")
    demo_auth.login("leader")
    response = demo_client.post(f"/rota/t/{team.id}/2027-04-26/absences", data={
        "advisor": m.user("advisor1").advisor.id, "start_day": "2027-04-30", "start_time": "00:15",
        "end_time": "01:00", "reason": "training"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("From: 00:15 on Fri 30 Apr 2027 does not exist in Africa/Cairo: the clocks go forward from 00:00 to "
            "01:00.") in page
    assert "must end after it starts" not in page


@pytest.mark.parametrize("tz,week,day,clock,said,weekday", GAPS, ids=IDS)
def test_the_requests_import_refuses_a_skipped_pin_or_window_naming_the_row(demo_client, demo_auth, tz, week, day,
                                                                             clock, said, weekday):
    team = _team_in(tz)
    demo_auth.login("leader")
    before = _requests(team)
    ref = m.client_of("advisor1").reference
    body = ("client,type,windows,pinned_advisor,pinned_start\r\n"
            f"{ref},follow-up,tue 09:00-12:00,advisor1,{weekday} {clock}\r\n"
            f"{ref},follow-up,{weekday} {clock}-12:00,,\r\n").encode()
    response = demo_client.post(f"/rota/t/{team.id}/{week}/import/requests",
                                data={"file": (io.BytesIO(body), "r.csv")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>2</td><td>pinned_start</td>" in page and "<td>3</td><td>windows</td>" in page
    assert page.count(said) == 2
    assert _requests(team) == before


@pytest.mark.parametrize("tz,week,day,clock,said,_", GAPS, ids=IDS)
def test_the_api_refuses_a_skipped_pin_or_window_naming_the_field(demo_client, tz, week, day, clock, said, _):
    team = _team_in(tz)
    api = ApiClient(demo_client, "leader")
    before = _requests(team)
    body = {"client_id": m.client_of("advisor1").id, "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": f"{week}T09:00", "end": f"{week}T12:00"}],
            "pinned_advisor_id": m.user("advisor1").advisor.id, "pinned_start": f"{day}T{clock}"}
    response = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week, json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["fields"]["pinned_start"] == [said]
    del body["pinned_advisor_id"], body["pinned_start"]
    body["windows"] = [{"start": f"{day}T{clock}", "end": f"{day}T12:00"}]
    response = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week, json=body)
    assert response.status_code == 422 and response.get_json()["fields"]["windows.0.start"] == [said]
    assert _requests(team) == before


def test_moving_an_appointment_to_a_skipped_time_is_refused_naming_it(demo_client, demo_auth):
    plan = _draft_with_one_placed()
    _team_in("Africa/Cairo")
    demo_auth.login("leader")
    item = plan.items[0]
    was = item.starts_at
    response = demo_client.post(f"/rota/plans/{plan.id}/move", data={
        "item": item.id, "advisor": item.advisor_id, "day": "2027-04-30", "time": "00:30", "version": plan.version_id})
    assert response.status_code == 400
    assert "Not moved: Start: 00:30 on Fri 30 Apr 2027 does not exist in Africa/Cairo" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(item), item.id).starts_at == was


def test_a_dated_protected_time_preference_at_a_skipped_time_is_refused(demo_client, demo_auth):
    _team_in("Africa/Cairo")
    with at(datetime(2027, 4, 20, 9, tzinfo=UTC)):
        demo_auth.login("advisor1")
        response = demo_client.post("/me/time/once", data={"on": "2027-04-30", "start": "00:30", "end": "02:00"})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, page[:2000]
        assert "00:30 on Fri 30 Apr 2027 does not exist in Africa/Cairo" in page
        assert 'value="00:30"' in page


def test_the_desk_refuses_a_window_or_a_start_at_a_skipped_time(demo_client, demo_auth):
    team = _team_in("Africa/Cairo")
    client = m.client_of("advisor1")
    with at(datetime(2027, 4, 26, 6, tzinfo=UTC)):  # Monday 09:00 in Cairo: that week is the desk's first
        demo_auth.login("leader")
        answer = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form(
            windows="fri 00:30-09:00", week_start=date(2027, 4, 26)))
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400, page[:2000]
        assert GAPS[0][4] in page and "fri 00:30-09:00" in page
        ask = Ask(client, d.follow_up(), date(2027, 4, 26), parse_windows("fri 00:00-24:00", date(2027, 4, 26)))
        with pytest.raises(asks.BookingError) as err:
            asks.check_start(team, ask, m.user("advisor1").advisor.id, "2027-04-30T00:30")
    assert err.value.field == "start" and str(err.value) == GAPS[0][4] + "."
