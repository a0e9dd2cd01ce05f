"""Recording attendance needs a choice: nothing is preselected (a stray Save on the desk's client page recorded
"Attended", and so a visit); the advisor's own client page records attendance and DNA for past appointments
directly, and returns there."""
from __future__ import annotations

import re

from caseload.extensions import db
from caseload.models import AppointmentRequest, Client
from caseload.services.clients.caseload import client_visits
from tests.web.test_desk_attendance import _past_appointment


def _select(page: str, request_id: int) -> str:
    return re.search(rf'<select name="outcome" id="outcome-{request_id}"[^>]*>.*?</select>', page, re.S).group(0)


def test_no_outcome_is_preselected_and_a_save_without_one_records_nothing(demo_client, demo_auth):
    client, request = _past_appointment()
    demo_auth.login("advisor1")
    select = _select(demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True), request.id)
    assert " required" in select
    assert re.findall(r'<option value="([^"]*)" selected', select) == [""]  # "Choose what happened…"
    before = len(client_visits(client))
    answer = demo_client.post(f"/desk/appointments/{request.id}/attendance", data={"outcome": ""},
                              follow_redirects=True)
    assert "Not saved. Attendance: choose what happened" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, request.id).attendance is None
    assert len(client_visits(db.session.get(Client, client.id))) == before


def test_the_advisor_records_a_dna_from_their_own_client_page(demo_client, demo_auth):
    client, request = _past_appointment()
    demo_auth.login("advisor1")
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    assert f'action="/desk/appointments/{request.id}/attendance"' in page and 'name="back" value="me"' in page
    answer = demo_client.post(f"/desk/appointments/{request.id}/attendance", data={"outcome": "dna", "back": "me"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/me/clients/{client.id}#appointments")
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, request.id).attendance == "dna"
    other = demo_client.post(f"/desk/appointments/{request.id}/attendance",
                             data={"outcome": "attended", "back": "https://example.org/"})
    assert other.headers["Location"].endswith(f"/desk/clients/{client.id}")  # only "me" is followed
