"""A form that adds something is saved once (caseload.form_once): a double click, back-and-resend or a retry
sends the same one-time token again and adds nothing; a refused send does not use the token up; two sends at
the same moment on a file database save one row."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import Absence, AppointmentRequest, Client, ClientNote
from tests.web import access_matrix as m
from tests.web.test_races import _leader_browser, race

TOKEN = re.compile(r'name="submission" type="hidden" value="([^"]+)"|type="hidden" name="submission" value="([^"]+)"'
                   r'|name="submission" value="([^"]+)"')


def _token(page: str) -> str:
    found = TOKEN.search(page)
    assert found, "the form carries no submission token"
    return next(g for g in found.groups() if g)


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _twice(client, url: str, form_page: str, data: dict, model, **kw):
    """Send the same form (same token) twice; the first adds one row, the second adds nothing and says so."""
    before = _count(model)
    token = _token(client.get(form_page).get_data(as_text=True))
    def fresh():  # a file is read by each send: give each its own copy of the bytes
        return {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in data.items()}

    first = client.post(url, data={**fresh(), "submission": token}, **kw)
    assert first.status_code in (302, 303), first.get_data(as_text=True)[:2000]
    assert _count(model) == before + 1
    second = client.post(url, data={**fresh(), "submission": token}, **kw)
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"].split("?")[0] or \
        first.headers["Location"].startswith(second.headers["Location"])
    assert _count(model) == before + 1
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "sent twice" in shown


def test_an_absence_is_added_once(leader, north):
    team, week = north
    advisor = m.user("advisor1").advisor
    day = week + timedelta(days=2)
    _twice(leader, f"/rota/t/{team.id}/{week}/absences", f"/rota/t/{team.id}/{week}/",
           {"advisor": advisor.id, "start_day": day.isoformat(), "end_day": day.isoformat(), "reason": "leave"}, Absence)


def test_a_request_is_added_once(leader, north):
    team, week = north
    client = m.client_of("advisor1")
    tuesday = week + timedelta(days=1)
    types = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>',
                       leader.get(f"/rota/t/{team.id}/{week}/requests/new").get_data(as_text=True))
    kind = next(v for v, label in types if "ollow" in label)
    url = f"/rota/t/{team.id}/{week}/requests/new"
    _twice(leader, url, url, {"client": client.reference, "type": kind, "windows": f"{tuesday:%a} 09:00-12:00".lower(),
                              "pinned_advisor": 0}, AppointmentRequest)


def test_a_client_is_added_once(leader, north):
    team, _ = north
    url = f"/rota/t/{team.id}/clients/new"
    _twice(leader, url, url, {"reference": "DBL-1", "name": "Double Click", "named_advisor": 0, "need": 0,
                              "complexity": 2}, Client)


def test_an_imported_file_is_added_once(leader, north):
    team, week = north
    client = m.client_of("advisor1")
    tuesday = week + timedelta(days=1)
    template = leader.get(f"/rota/t/{team.id}/{week}/import/requests/template.csv").get_data(as_text=True)
    header = template.splitlines()[0]
    columns = header.split(",")
    values = {"client": client.reference, "client_reference": client.reference, "reference": client.reference,
              "type": "follow-up", "windows": f"{tuesday:%a} 09:00-12:00".lower(), "window": f"{tuesday:%a} 09:00-12:00".lower()}
    row = ",".join(values.get(c.strip().lower(), "") for c in columns)
    body = f"{header}\n{row}\n".encode()
    url = f"/rota/t/{team.id}/{week}/import/requests"
    _twice(leader, url, url, {"file": (body, "requests.csv")}, AppointmentRequest,
           content_type="multipart/form-data")


def test_a_note_is_added_once(demo_client, demo_auth):
    demo_auth.login("advisor1")
    client = m.client_of("advisor1")
    url = f"/me/clients/{client.id}"
    _twice(demo_client, f"{url}/notes", url, {"body": "Talked about the rent arrears."}, ClientNote)


def test_a_refused_send_does_not_use_the_token_up(leader, north):
    team, week = north
    advisor = m.user("advisor1").advisor
    token = _token(leader.get(f"/rota/t/{team.id}/{week}/").get_data(as_text=True))
    day = week + timedelta(days=3)
    url = f"/rota/t/{team.id}/{week}/absences"
    before = _count(Absence)
    refused = leader.post(url, data={"advisor": advisor.id, "start_day": day.isoformat(), "end_day": day.isoformat(),
                                     "start_time": "10:00", "end_time": "09:00", "reason": "leave",
                                     "submission": token})
    assert refused.status_code == 400 and _count(Absence) == before
    saved = leader.post(url, data={"advisor": advisor.id, "start_day": day.isoformat(), "end_day": day.isoformat(),
                                   "reason": "leave", "submission": token})
    assert saved.status_code == 302 and _count(Absence) == before + 1


def test_two_sends_at_the_same_moment_save_one_absence(demo_app, north):
    """Two sends with one token race to the unique row (both paused just before inserting it): exactly one saves."""
    team, week = north
    advisor_id, team_id = m.user("advisor1").advisor.id, team.id
    day = week + timedelta(days=4)
    before = _count(Absence)
    token = "race-token-0123456789abcdef"
    browsers = [_leader_browser(demo_app) for _ in range(2)]

    def send(browser):
        return lambda: browser.post(f"/rota/t/{team_id}/{week}/absences", data={
            "advisor": advisor_id, "start_day": day.isoformat(), "end_day": day.isoformat(), "reason": "leave",
            "submission": token}).status_code

    answers = race([send(b) for b in browsers], "idempotency_keys")
    assert sorted(answers) == [302, 303]
    assert _count(Absence) == before + 1


def test_a_token_sent_to_another_forms_url_is_not_its_repeat(leader, north):
    """The token is kept with the URL it was sent to: one sent again to next week's request form saves there (it
    was answered 'sent twice' with the first week's page, and nothing saved in the week asked for)."""
    team, week = north
    client = m.client_of("advisor1")
    later = week + timedelta(days=7)
    url, later_url = f"/rota/t/{team.id}/{week}/requests/new", f"/rota/t/{team.id}/{later}/requests/new"
    types = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', leader.get(url).get_data(as_text=True))
    kind = next(v for v, label in types if "ollow" in label)
    token = _token(leader.get(url).get_data(as_text=True))
    data = {"client": client.reference, "type": kind, "windows": "tue 09:00-12:00", "pinned_advisor": 0,
            "submission": token}
    assert leader.post(url, data=data).status_code in (302, 303)
    before = _count(AppointmentRequest)
    other = leader.post(later_url, data=data)
    assert other.status_code in (302, 303) and "sent twice" not in leader.get(other.headers["Location"]).get_data(as_text=True)
    assert _count(AppointmentRequest) == before + 1
    assert db.session.scalar(select(func.count(AppointmentRequest.id)).where(
        AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == later,
        AppointmentRequest.client_id == client.id)) == 1
    assert leader.post(later_url, data=data).status_code == 303  # and its own repeat is still caught
    assert _count(AppointmentRequest) == before + 1


def test_a_desk_nonce_sent_for_another_client_books_that_client(demo_client, demo_auth):
    """The desk's Book nonce is kept per client (the URL's): sent again for another client it was answered 'That
    form was sent twice; it was booked once' and nothing was booked for them."""
    from tests.web import desk_support as d

    demo_auth.login("leader")
    week = d.week()

    def book(client, nonce=None):
        text = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form()).get_data(as_text=True)
        start = re.search(r'name="start" value="([^"]+)"', text).group(1)
        advisor = re.search(r'name="advisor" value="([^"]+)"', text).group(1)
        nonce = nonce or re.search(r'name="nonce" value="([^"]+)"', text).group(1)
        return nonce, demo_client.post(f"/desk/clients/{client.id}/book",
                                       data=d.form(advisor=advisor, start=start, nonce=nonce), follow_redirects=True)

    def booked(client) -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count(AppointmentRequest.id)).where(
            AppointmentRequest.client_id == client.id, AppointmentRequest.week_start == week,
            AppointmentRequest.booked_at.is_not(None)))

    first, second = m.client_of("advisor1"), m.client_of("advisor2")
    nonce, answer = book(first)
    assert answer.status_code == 200 and booked(first) == 1
    _, other = book(second, nonce)
    assert "sent twice" not in other.get_data(as_text=True)
    assert booked(second) == 1 and booked(first) == 1
