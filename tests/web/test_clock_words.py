"""Text that is no time at all in the windows box, a work pattern or the requests CSV's windows column
(timegrid.clock) is told what to type in the clock boxes' words ("'9.30': Not a time: give a 24-hour time as HH:MM,
e.g. 14:30."; an end may be 24:00), after the window or line it is in. Before, they said "'9.30' is not a time like
09:30", which named no format. Nothing is saved and the text typed comes back."""
from __future__ import annotations

import html
import io

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.forms import NOT_A_CLOCK, NOT_A_CLOCK_END
from caseload.models import Advisor, AppointmentRequest, Client


def _count(team):
    return db.session.scalar(select(func.count(AppointmentRequest.id)).where(AppointmentRequest.team_id == team.id))


def _client(team):
    return db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.id)).first()


def test_the_windows_box_says_what_to_type_naming_the_window(leader, north):
    team, week = north
    before = _count(team)
    for windows, said in [("tue 9.30-12:00", f"tue 9.30-12:00: '9.30': {NOT_A_CLOCK}"),
                          ("wed 09:00-noon", f"wed 09:00-noon: 'noon': {NOT_A_CLOCK_END}")]:
        page = leader.post(f"/rota/t/{team.id}/{week}/requests/new", data={
            "client": _client(team).reference, "type": 1, "duration_minutes": 30, "windows": windows})
        text = html.unescape(page.get_data(as_text=True))
        assert page.status_code == 400 and said in text, windows
        assert "is not a time like" not in text
        assert f"{windows}</textarea>" in text  # the text typed comes back
    assert _count(team) == before


def test_the_requests_csv_windows_column_says_it_on_its_row(leader, north):
    team, week = north
    before = _count(team)
    body = f"client,type,duration_minutes,windows\n{_client(team).reference},follow-up,30,tue 9h-12:00\n".encode()
    page = leader.post(f"/rota/t/{team.id}/{week}/import/requests", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(body), "upload.csv")})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400 and "<td>2</td><td>windows</td>" in text
    assert f"tue 9h-12:00: '9h': {NOT_A_CLOCK}" in text
    assert _count(team) == before


def test_a_work_pattern_says_it_naming_the_line(demo_client, demo_auth):
    demo_auth.login("admin")
    advisor = db.session.scalars(select(Advisor).order_by(Advisor.id)).first()
    pattern = dict(advisor.work_pattern)
    page = demo_client.post(f"/admin/advisors/{advisor.id}", data={
        "name": advisor.name, "team": advisor.team_id, "skills": [s.id for s in advisor.skills], "does_support": "y",
        "work_pattern": "mon 09:00-17:00\ntue 9.30-17:00", "protected_minutes": 180, "max_appointments_per_day": 5,
        "max_caseload": "", "active": "y", "version": advisor.version_id})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400 and f"Line 2: 9.30-17:00: '9.30': {NOT_A_CLOCK}" in text
    assert "tue 9.30-17:00</textarea>" in text
    db.session.expire_all()
    assert db.session.get(Advisor, advisor.id).work_pattern == pattern
