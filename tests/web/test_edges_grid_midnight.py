"""Issue 12, kinds 1 and 2: every way in keeps times on the slot grid, and midnight round-trips as an end.

Kind 1: an off-grid time (10:07 on the 15-minute grid) is refused by the request form, the CSV import,
the JSON API (422 naming the field), the absence form, the work pattern and the move form; a request
saved before the check never fails the week's planning. Kind 2: "24:00" (or "00:00") as an end is
midnight, in windows, work patterns and absences; edit forms show it and save it unchanged.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import Absence, Advisor, AppointmentRequest, AppointmentType, Client, RequestWindow
from caseload.services.planning.boundary import to_problem
from caseload.timegrid import OffGrid, clock
from scheduler.parse import parse_problem
from tests.web.api_support import ApiClient


def _requests(team) -> int:
    return db.session.scalar(select(func.count(AppointmentRequest.id)).where(AppointmentRequest.team_id == team.id))


def _advisor(team) -> Advisor:
    return db.session.scalars(select(Advisor).where(Advisor.team_id == team.id).order_by(Advisor.id)).first()


def _client(team) -> Client:
    return db.session.scalars(select(Client).where(Client.team_id == team.id, Client.need_id.is_not(None))
                              .order_by(Client.id)).first()


def _form(client_ref, **over) -> dict:
    data = {"client": client_ref, "type": db.session.scalar(select(AppointmentType.id).where(
        AppointmentType.code == "follow-up")), "duration_minutes": 30, "windows": "tue 09:00-12:00",
            "pinned_advisor": 0}
    data.update(over)
    return data


# --- the shared check ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, end, minutes", [("09:00", False, 540), ("9:45", False, 585), ("24:00", True, 1440),
                                                 ("00:00", True, 1440), ("00:00", False, 0)])
def test_clock_reads_grid_times_and_midnight_as_an_end(text, end, minutes):
    assert clock(text, end=end) == minutes


@pytest.mark.parametrize("text, end", [("10:07", False), ("23:59", True), ("24:00", False), ("24:15", True),
                                        ("12:60", False), ("noon", False)])
def test_clock_refuses_off_grid_and_impossible_times(text, end):
    with pytest.raises(OffGrid):
        clock(text, end=end)


# --- kind 1: off-grid times -----------------------------------------------------------------------------

def test_api_refuses_an_off_grid_pin_naming_the_field(demo_client, north):
    """The issue's example: pinned_start 10:07 answered 201; now a 422 naming pinned_start, nothing saved."""
    team, week = north
    api = ApiClient(demo_client, "leader")
    tuesday = week + timedelta(days=1)
    body = {"client_id": _client(team).id, "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": f"{tuesday}T09:00", "end": f"{tuesday}T12:00"}],
            "pinned_advisor_id": _advisor(team).id, "pinned_start": f"{tuesday}T10:07"}
    before = _requests(team)
    response = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week, json=body)
    assert response.status_code == 422, response.get_json()
    assert "pinned_start" in response.get_json()["fields"]
    assert "15-minute grid" in response.get_json()["message"]
    window = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week,
                      json={**body, "pinned_advisor_id": None, "pinned_start": None,
                            "windows": [{"start": f"{tuesday}T09:00", "end": f"{tuesday}T11:50"}]})
    assert window.status_code == 422 and "windows.0.end" in window.get_json()["fields"]
    assert _requests(team) == before
    good = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week,
                    json={**body, "pinned_start": f"{tuesday}T10:15"})
    assert good.status_code == 201


def test_csv_refuses_an_off_grid_pin_naming_line_and_column(leader, north):
    team, week = north
    advisor, client = _advisor(team), _client(team)
    body = ("client,type,duration_minutes,windows,pinned_advisor,pinned_start\n"
            f"{client.reference},follow-up,30,tue 09:00-12:00,{advisor.user.username},tue 10:07\n"
            f"{client.reference},follow-up,30,wed 09:00-11:50,,\n").encode()
    before = _requests(team)
    response = leader.post(f"/rota/t/{team.id}/{week}/import/requests",
                           data={"file": (io.BytesIO(body), "r.csv")}, content_type="multipart/form-data")
    page = response.data.decode()
    assert response.status_code == 400
    assert re.search(r"<td>2</td><td>pinned_start</td><td>10:07 is not on the 15-minute grid", page), page
    assert re.search(r"<td>3</td><td>windows</td><td>[^<]*11:50 is not on the 15-minute grid", page)
    assert _requests(team) == before


def test_request_form_refuses_off_grid_pin_and_window(leader, north):
    team, week = north
    url = f"/rota/t/{team.id}/{week}/requests/new"
    before = _requests(team)
    pinned = leader.post(url, data=_form(_client(team).reference, pinned_advisor=_advisor(team).id,
                                         pinned_day=(week + timedelta(days=1)).isoformat(), pinned_time="10:07"))
    assert pinned.status_code == 400 and "10:07 is not on the 15-minute grid" in pinned.data.decode()
    window = leader.post(url, data=_form(_client(team).reference, windows="tue 09:10-12:00"))
    assert window.status_code == 400 and "09:10 is not on the 15-minute grid" in window.data.decode()
    assert _requests(team) == before


def test_work_pattern_and_absence_refuse_off_grid_times(demo_client, demo_auth, leader, north):
    team, week = north
    advisor = _advisor(team)
    absence = leader.post(f"/rota/t/{team.id}/{week}/absences", data={
        "advisor": advisor.id, "start_day": week.isoformat(), "start_time": "10:07", "end_time": "11:00",
        "reason": "dentist"})
    assert absence.status_code == 400 and "10:07 is not on the 15-minute grid" in absence.data.decode()
    demo_auth.logout()
    demo_auth.login("admin")
    before = dict(advisor.work_pattern)
    response = demo_client.post(f"/admin/advisors/{advisor.id}", data=_advisor_form(advisor, "mon 09:07-17:00"))
    assert response.status_code == 400 and "09:07 is not on the 15-minute grid" in response.data.decode()
    db.session.refresh(advisor)
    assert advisor.work_pattern == before


def test_an_off_grid_request_saved_before_the_check_does_not_fail_the_week(demo_app, north):
    """The planning job (and `week export-problem`/`week plan`, which build the same problem) leaves the
    bad pin out with a warning and plans the rest: the problem document is valid for the scheduler."""
    team, week = north
    client, advisor = _client(team), _advisor(team)
    tuesday = week + timedelta(days=1)
    old = AppointmentRequest(team=team, week_start=week, client=client, type=db.session.scalar(
        select(AppointmentType).where(AppointmentType.code == "follow-up")), duration_minutes=30, purpose="old",
        pinned_advisor=advisor, pinned_start=to_utc(tuesday, "10:07", team.timezone),
        windows=[RequestWindow(starts_at=to_utc(tuesday, "09:00", team.timezone),
                               ends_at=to_utc(tuesday, "12:00", team.timezone))])
    odd = AppointmentRequest(team=team, week_start=week, client=client, type=old.type, duration_minutes=50,
                             purpose="odd", windows=[RequestWindow(starts_at=to_utc(tuesday, "13:00", team.timezone),
                                                                   ends_at=to_utc(tuesday, "17:00", team.timezone))])
    db.session.add_all([old, odd])
    db.session.commit()
    problem, maps = to_problem(team, week)
    parse_problem(problem)  # raises ProblemError if anything is off the grid
    doc = next(a for a in problem["appointments"] if a["id"] == f"r{old.id}")
    assert "pinned" not in doc
    assert any(client.reference in w and "ignored" in w and "grid" in w for w in maps.warnings)
    assert "50 minutes" in maps.skipped[odd.id]


# --- kind 2: midnight as an end ---------------------------------------------------------------------------

def test_window_to_midnight_round_trips_through_the_edit_form(leader, north):
    """The issue's example: "tue 20:00-24:00" saved, but its edit form showed 20:00-00:00 and refused it."""
    team, week = north
    response = leader.post(f"/rota/t/{team.id}/{week}/requests/new",
                           data=_form(_client(team).reference, windows="tue 20:00-24:00"))
    assert response.status_code == 302
    saved = db.session.scalars(select(AppointmentRequest).order_by(AppointmentRequest.id.desc())).first()
    tuesday = week + timedelta(days=1)
    assert saved.windows[0].ends_at == to_utc(tuesday + timedelta(days=1), "00:00", team.timezone)
    page = leader.get(f"/rota/t/{team.id}/requests/{saved.id}").data.decode()
    assert f"{tuesday} 20:00-24:00" in page and "20:00-00:00" not in page
    again = leader.post(f"/rota/t/{team.id}/requests/{saved.id}",
                        data=_form(_client(team).reference, windows=f"{tuesday} 20:00-24:00", version=saved.version_id))
    assert again.status_code == 302
    db.session.refresh(saved)
    assert [(w.starts_at, w.ends_at) for w in saved.windows] == [
        (to_utc(tuesday, "20:00", team.timezone), to_utc(tuesday + timedelta(days=1), "00:00", team.timezone))]
    # The list pages 50 at a time: search for the client, as a leader would.
    listed = leader.get(f"/rota/t/{team.id}/{week}/requests?q={_client(team).reference}").data.decode()
    assert f"{tuesday:%a %d} 20:00–24:00" in listed and "20:00–00:00" not in listed  # the list said 00:00
    zero = leader.post(f"/rota/t/{team.id}/{week}/requests/new",
                       data=_form(_client(team).reference, windows="wed 20:00-00:00"))
    assert zero.status_code == 302  # an end of 00:00 can only be the midnight closing the day


def test_api_takes_midnight_as_next_day_0000_or_2400(demo_client, north):
    team, week = north
    api = ApiClient(demo_client, "leader")
    tuesday = week + timedelta(days=1)
    body = {"client_id": _client(team).id, "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": f"{tuesday}T20:00", "end": f"{tuesday}T24:00"}]}
    created = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week, json=body)
    assert created.status_code == 201, created.get_json()
    written = created.get_json()["windows"]
    assert written == [{"start": f"{tuesday}T20:00", "end": f"{tuesday + timedelta(days=1)}T00:00"}]
    # What the API writes it takes back unchanged.
    again = api.patch("/requests/{request_id}", request_id=created.get_json()["id"],
                      json={**body, "windows": written, "version": created.get_json()["version"]})
    assert again.status_code == 200 and again.get_json()["windows"] == written


def _advisor_form(advisor, pattern: str) -> dict:
    return {"name": advisor.name, "team": advisor.team_id, "skills": [s.id for s in advisor.skills],
            "does_support": "y" if advisor.does_support else "", "does_policing": "y" if advisor.does_policing else "",
            "work_pattern": pattern, "protected_minutes": advisor.protected_minutes,
            "max_appointments_per_day": advisor.max_appointments_per_day or "", "max_caseload": "", "active": "y"}


def test_work_pattern_to_midnight_saves_shows_and_exports(demo_client, demo_auth, north):
    """`mon 18:00-24:00` (and `18:00-00:00`) were refused; `18:00-23:59` exported availability ending 23:45."""
    team, week = north
    demo_auth.login("admin")
    advisor = _advisor(team)
    url = f"/admin/advisors/{advisor.id}"
    assert demo_client.post(url, data=_advisor_form(advisor, "mon 18:00-24:00\ntue 18:00-00:00")).status_code == 302
    db.session.refresh(advisor)
    assert advisor.work_pattern == {"mon": [["18:00", "24:00"]], "tue": [["18:00", "24:00"]]}
    page = demo_client.get(url).data.decode()
    assert "mon 18:00-24:00\ntue 18:00-24:00" in page
    refused = demo_client.post(url, data=_advisor_form(advisor, "mon 18:00-23:59"))
    assert refused.status_code == 400 and "23:59 is not on the 15-minute grid" in refused.data.decode()
    problem, _ = to_problem(team, week)
    doc = next(a for a in problem["advisors"] if a["id"] == f"a{advisor.id}")
    tuesday = week + timedelta(days=1)
    mine = [s for s in doc["availability"] if s["start"] >= f"{week}T18:00" and s["start"] < f"{tuesday}T19:00"]
    assert {"start": f"{week}T18:00", "end": f"{tuesday}T00:00"} in mine
    parse_problem(problem)


def test_week_page_shows_an_evening_ending_at_midnight(demo_client, demo_auth, north):
    team, week = north
    advisor = _advisor(team)
    advisor.work_pattern = {"mon": [["18:00", "24:00"]]}
    db.session.commit()
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/t/{team.id}/{week}/").data.decode()
    assert "18:00–24:00" in page


def test_absence_until_midnight_round_trips_through_its_edit_form(leader, north):
    team, week = north
    advisor = _advisor(team)
    monday = week
    response = leader.post(f"/rota/t/{team.id}/{week}/absences", data={
        "advisor": advisor.id, "start_day": monday.isoformat(), "start_time": "18:00", "end_time": "00:00",
        "reason": "training"})
    assert response.status_code == 302, response.data.decode()[:2000]
    absence = db.session.scalar(select(Absence).where(Absence.advisor_id == advisor.id, Absence.reason == "training"))
    assert (absence.starts_at, absence.ends_at) == (to_utc(monday, "18:00", team.timezone),
                                                    to_utc(monday + timedelta(days=1), "00:00", team.timezone))
    page = leader.get(f"/rota/t/{team.id}/absences/{absence.id}").data.decode()
    assert f'value="{monday.isoformat()}"' in page and 'name="end_day"' in page
    end_day = re.search(r'name="end_day"[^>]*value="([^"]*)"', page) or re.search(r'value="([^"]*)"[^>]*name="end_day"', page)
    assert end_day and end_day[1] == monday.isoformat()
    saved = leader.post(f"/rota/t/{team.id}/absences/{absence.id}", data={
        "advisor": advisor.id, "start_day": monday.isoformat(), "end_day": end_day[1], "start_time": "18:00",
        "end_time": "00:00", "reason": "training"})
    assert saved.status_code == 302
    db.session.refresh(absence)
    assert absence.ends_at == to_utc(monday + timedelta(days=1), "00:00", team.timezone)


def test_moving_an_appointment_to_an_off_grid_time_is_refused(leader, north):
    """The move form on the review page takes the same grid check; the flash names the time."""
    from caseload.models import Plan, PlanItem
    from tests.web.test_rota_move_messages import _draft_with_one_placed

    plan = _draft_with_one_placed()
    item = db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.advisor_id.is_not(None))).first()
    before = (item.advisor_id, item.starts_at, plan.version_id)
    response = leader.post(f"/rota/plans/{plan.id}/move", data={
        "item": item.id, "advisor": item.advisor_id, "day": (plan.week_start + timedelta(days=1)).isoformat(),
        "time": "10:07", "version": plan.version_id, "pin": "y"}, follow_redirects=True)
    assert "10:07 is not on the 15-minute grid" in response.data.decode()
    db.session.expire_all()
    assert (db.session.get(PlanItem, item.id).advisor_id, db.session.get(PlanItem, item.id).starts_at,
            db.session.get(Plan, plan.id).version_id) == before


def test_review_page_shows_a_team_working_until_midnight(leader, north):
    """The review page's team grid reads work patterns too: 24:00 must not break it (strptime cannot read it)."""
    from tests.web.test_rota_move_messages import _draft_with_one_placed

    team, week = north
    advisor = _advisor(team)
    advisor.work_pattern = {**advisor.work_pattern, "mon": [["09:00", "12:30"], ["18:00", "24:00"]]}
    db.session.commit()
    plan = _draft_with_one_placed()
    response = leader.get(f"/rota/plans/{plan.id}?day={week.isoformat()}")
    assert response.status_code == 200
    assert "23:00" in response.data.decode()  # the grid runs on to midnight
