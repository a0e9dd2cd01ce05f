"""Pins and the advisor's working time, and the note when a pinned time cannot be kept.

A pin in an advisor's lunch gap was accepted (API 200), then dropped by the planner with the note "… is not
working then (an absence, or their working time changed after it was given)", which was not why. Every pin path
(check_request: API, request form, CSV import) now refuses a pin outside the advisor's bookable time. And with
every advisor away (0 of 196 placed) each dropped pin's note still ended "It was planned again: tell the client
the new time"; a request not placed now says it could not be planned again."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import Absence, Advisor, Plan, SolveJob
from caseload.services.planning import runs as planning
from tests.web.api_support import ApiClient
from tests.web.test_edges_pins import _body, _clients_for, _supporter

URL = "/teams/{team_id}/weeks/{week}/requests"


def _lunch_gap(advisor: Advisor) -> None:
    advisor.work_pattern = {d: [["09:00", "12:30"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    db.session.commit()


def test_a_pin_in_the_advisors_lunch_gap_is_refused_on_the_api_and_the_form(demo_client, north, leader):
    team, week = north
    advisor = _supporter(team)
    _lunch_gap(advisor)
    first, second = _clients_for(advisor)
    tuesday = week + timedelta(days=1)
    api = ApiClient(demo_client, "leader")
    refused = api.post(URL, team_id=team.id, week=week, json=_body(first, advisor, tuesday, "12:30"))
    assert refused.status_code == 422, refused.get_json()
    payload = refused.get_json()
    assert "pinned_start" in payload["fields"]
    assert f"{advisor.name} is not working all of {tuesday:%a %d %b} 12:30–13:00" in payload["message"]
    assert "09:00–12:30, 13:30–17:00" in payload["message"]
    ends_in_gap = api.post(URL, team_id=team.id, week=week, json=_body(first, advisor, tuesday, "12:15"))
    assert ends_in_gap.status_code == 422  # 12:15-12:45 runs into the gap
    saturday = week + timedelta(days=5)
    weekend = api.post(URL, team_id=team.id, week=week, json={**_body(first, advisor, saturday, "10:00"),
                       "windows": [{"start": f"{saturday}T09:00", "end": f"{saturday}T12:00"}]})
    assert weekend.status_code == 422 and "they do not work that day" in weekend.get_json()["message"]
    assert api.post(URL, team_id=team.id, week=week, json=_body(first, advisor, tuesday, "12:00")).status_code == 201
    form = leader.post(f"/rota/t/{team.id}/{week}/requests/new", data={
        "client": second.reference, "type": _follow_up_id(leader, team, week), "duration_minutes": 30,
        "windows": "tue 09:00-17:00", "pinned_advisor": advisor.id, "pinned_day": tuesday.isoformat(),
        "pinned_time": "13:00"})
    assert form.status_code == 400 and f"{advisor.name} is not working all of" in form.data.decode()


def _follow_up_id(leader, team, week) -> str:
    import re

    types = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>',
                       leader.get(f"/rota/t/{team.id}/{week}/requests/new").get_data(as_text=True))
    return next(v for v, label in types if "ollow" in label)


def _pinned_on_tuesday(demo_client, team, week):
    """A supporter's client with a request pinned to that advisor on the week's Tuesday, made through the API:
    (advisor, client, Tuesday's date, the API's 201 answer)."""
    advisor = _supporter(team)
    client = _clients_for(advisor, 1)[0]
    tuesday = week + timedelta(days=1)
    made = ApiClient(demo_client, "leader").post(URL, team_id=team.id, week=week, json=_body(client, advisor, tuesday))
    assert made.status_code == 201, made.get_json()
    return advisor, client, tuesday, made


def test_a_dropped_pin_not_placed_says_it_could_not_be_planned_again(demo_client, north):
    team, week = north
    advisor, client, tuesday, made = _pinned_on_tuesday(demo_client, team, week)
    for each in db.session.scalars(select(Advisor).where(Advisor.team_id == team.id)):  # every advisor away all week
        db.session.add(Absence(advisor=each, starts_at=to_utc(week, "00:00", team.timezone),
                               ends_at=to_utc(week + timedelta(days=7), "00:00", team.timezone)))
    db.session.commit()
    job = db.session.get(SolveJob, planning.start_plan_job(team, week, by=None, time_limit=3).id)
    assert job.status == "succeeded", job.message
    plan = db.session.get(Plan, job.plan_id)
    assert not any(i.advisor_id for i in plan.items)
    assert job.message.startswith("0 of ")
    note = next(part for part in job.message.split("Note: ") if client.reference in part)
    assert "could not be kept" in note and "It could not be planned again" in note, note
    assert "It was planned again" not in job.message


def test_a_dropped_pin_placed_again_still_says_tell_the_client_the_new_time(demo_client, north):
    from caseload.services.planning.boundary import placed_words, to_problem

    team, week = north
    advisor, client, tuesday, made = _pinned_on_tuesday(demo_client, team, week)
    request_id = made.get_json()["id"]
    db.session.add(Absence(advisor=advisor, starts_at=to_utc(tuesday, "00:00", team.timezone),
                           ends_at=to_utc(tuesday + timedelta(days=1), "00:00", team.timezone)))
    db.session.commit()
    _, maps = to_problem(team, week)
    [note] = [w for w in maps.warnings if client.reference in w]
    assert placed_words([note], {request_id}) == [f"{note}"] and note.endswith("tell the client the new time")
    assert "It could not be planned again" in placed_words([note], set())[0]


def test_a_csv_row_pinned_in_the_lunch_gap_is_refused_naming_its_line(leader, north):
    import io

    from sqlalchemy import func

    from caseload.models import AppointmentRequest

    team, week = north
    advisor = _supporter(team)
    _lunch_gap(advisor)
    first, second = _clients_for(advisor)
    user = advisor.user.username
    body = ("client,type,duration_minutes,windows,pinned_advisor,pinned_start\n"
            f"{first.reference},follow-up,30,tue 09:00-17:00,{user},tue 10:00\n"
            f"{second.reference},follow-up,30,tue 09:00-17:00,{user},tue 12:45\n").encode()
    count = lambda: db.session.scalar(select(func.count(AppointmentRequest.id)))  # noqa: E731
    before = count()
    response = leader.post(f"/rota/t/{team.id}/{week}/import/requests",
                           data={"file": (io.BytesIO(body), "r.csv")}, content_type="multipart/form-data")
    page = response.data.decode()
    assert response.status_code == 400
    assert "<td>3</td><td>pinned_start</td>" in page and f"{advisor.name} is not working all of" in page
    assert count() == before
