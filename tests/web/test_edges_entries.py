"""Issue 12, kind 11: entries that look fine and are not.

- A request window on Saturday saved silently and came back after planning as "none of its windows is
  inside the week": the form, the CSV import and the API now save it with a warning saying so.
- The request form kept 30 minutes when the type says 60 and chose "Compliance review" by itself: it now
  asks for a type, and the minutes follow the type unless the leader gives their own.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Advisor, AppointmentRequest, AppointmentType, Client
from tests.web.api_support import ApiClient


def _type(code: str) -> AppointmentType:
    return db.session.scalar(select(AppointmentType).where(AppointmentType.code == code))


def _client(team) -> Client:
    return db.session.scalars(select(Client).where(Client.team_id == team.id, Client.need_id.is_not(None))
                              .order_by(Client.id)).first()


def _last() -> AppointmentRequest:
    return db.session.scalars(select(AppointmentRequest).order_by(AppointmentRequest.id.desc())).first()


def _post(leader, team, week, **data):
    body = {"client": _client(team).reference, "windows": "tue 09:00-12:00", "pinned_advisor": 0, **data}
    return leader.post(f"/rota/t/{team.id}/{week}/requests/new", data=body, follow_redirects=True)


def test_a_saturday_window_saves_with_a_warning_on_the_form(leader, north):
    """The issue's example: a Saturday window saved silently; now the page says it will not be planned."""
    team, week = north
    response = _post(leader, team, week, type=_type("follow-up").id, windows="sat 10:00-12:00")
    page = response.data.decode()
    assert response.status_code == 200 and "Request added." in page
    assert 'flash-warning' in page and "Saturday is not planned" in page and "left unassigned" in page
    quiet = _post(leader, team, week, type=_type("follow-up").id, windows="tue 09:00-12:00")
    assert "flash-warning" not in quiet.data.decode()


def test_windows_when_nobody_qualified_works_are_warned_about(leader, north):
    team, week = north
    for advisor in db.session.scalars(select(Advisor).where(Advisor.team_id == team.id)):
        advisor.work_pattern = {"mon": [["09:00", "17:00"]]}
    db.session.commit()
    page = _post(leader, team, week, type=_type("follow-up").id, windows="tue 09:00-12:00").data.decode()
    assert "Nobody who does support work" in page and "left unassigned unless" in page


def test_api_answers_the_saturday_warning(demo_client, north):
    team, week = north
    api = ApiClient(demo_client, "leader")
    saturday = week + timedelta(days=5)
    response = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week, json={
        "client_id": _client(team).id, "type": "follow-up", "duration_minutes": 30,
        "windows": [{"start": f"{saturday}T10:00", "end": f"{saturday}T12:00"}]})
    assert response.status_code == 201
    assert any("Saturday is not planned" in w for w in response.get_json()["warnings"])


def test_csv_import_lists_rows_that_cannot_be_planned(leader, north):
    team, week = north
    ref = _client(team).reference
    body = (f"client,type,windows\n{ref},follow-up,tue 09:00-12:00\n{ref},follow-up,sun 09:00-12:00\n").encode()
    response = leader.post(f"/rota/t/{team.id}/{week}/import/requests", data={"file": (io.BytesIO(body), "r.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    page = response.data.decode()
    assert "Imported 2 appointment requests." in page
    assert "1 of them cannot be planned" in page and "line 3: Sunday is not planned" in page


def test_request_form_chooses_no_type_by_itself(leader, north):
    team, week = north
    page = leader.get(f"/rota/t/{team.id}/{week}/requests/new").data.decode()
    select = re.search(r'<select[^>]*name="type".*?</select>', page, re.S)[0]
    assert re.findall(r"<option[^>]*selected[^>]*>([^<]*)</option>", select) in ([], ["— choose a type —"])
    assert re.search(r"<option[^>]*>([^<]*)</option>", select)[1] == "— choose a type —"  # shown first
    refused = _post(leader, team, week, type=0)
    assert refused.status_code == 400 and "Choose the appointment type." in refused.data.decode()


def test_minutes_follow_the_type_unless_the_leader_gives_them(leader, north):
    """The issue's example: 30 minutes kept when the type says 60."""
    team, week = north
    first_meeting = _type("first-meeting")
    assert _post(leader, team, week, type=first_meeting.id).status_code == 200
    assert _last().duration_minutes == first_meeting.default_minutes == 60
    assert _post(leader, team, week, type=first_meeting.id, duration_minutes=45).status_code == 200
    assert _last().duration_minutes == 45


def test_changing_the_type_on_the_edit_form_takes_its_length(leader, north):
    team, week = north
    _post(leader, team, week, type=_type("follow-up").id)
    saved = _last()
    assert saved.duration_minutes == 30
    page = leader.get(f"/rota/t/{team.id}/requests/{saved.id}").data.decode()
    assert 'name="duration_shown" type="hidden" value="30"' in page
    # The minutes left as shown, the type changed: the new type's length.
    leader.post(f"/rota/t/{team.id}/requests/{saved.id}", data={
        "client": saved.client.reference, "type": _type("first-meeting").id, "duration_minutes": 30,
        "windows": "tue 09:00-12:00", "pinned_advisor": 0, "version": saved.version_id,
        "type_shown": _type("follow-up").id, "duration_shown": 30})
    db.session.refresh(saved)
    assert saved.type.code == "first-meeting" and saved.duration_minutes == 60
    # Minutes the leader changed themselves are kept.
    leader.post(f"/rota/t/{team.id}/requests/{saved.id}", data={
        "client": saved.client.reference, "type": _type("follow-up").id, "duration_minutes": 45,
        "windows": "tue 09:00-12:00", "pinned_advisor": 0, "version": saved.version_id,
        "type_shown": _type("first-meeting").id, "duration_shown": 60})
    db.session.refresh(saved)
    assert saved.type.code == "follow-up" and saved.duration_minutes == 45
