"""Values the database or an encoder cannot hold are refused at every edge, naming the field, never a 500
(issue 12, kind 6): weeks and dates in year 1 or 9999, JSON nested 1,000 deep, lone surrogates, control
characters in text (pages, forms, the API, CSV imports, the command line), and the calendar feed's name."""
from __future__ import annotations

import importlib
import io
import json
import pkgutil
from datetime import timedelta

import pytest
from flask_wtf import FlaskForm
from icalendar import Calendar
from sqlalchemy import func, select

import caseload
from caseload import values
from caseload.extensions import db
from caseload.forms import Form
from caseload.models import Advisor, Client, ClientNote, User
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient
from tests.web.test_rota_move_messages import _draft_with_one_placed

FAR_WEEKS = ["0001-01-01", "9999-12-27"]  # both Mondays: the first and the last week Python can name
FAR_DAYS = ["0001-01-01", "9999-12-31"]
OUT_OF_RANGE = b"Give a date between 2000 and 2099"


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_form_of_the_app_checks_its_values_at_the_edge():
    for module in pkgutil.walk_packages(caseload.__path__, "caseload."):
        importlib.import_module(module.name)
    ours = [f for f in _all_subclasses(FlaskForm) if f.__module__.startswith("caseload.") and f is not Form]
    assert len(ours) > 25
    assert [f.__qualname__ for f in ours if not issubclass(f, Form)] == []


def test_the_shared_checks():
    assert values.text_problem("Jo Bloggs") is None and values.text_problem("a\r\nb\tc", multiline=True) is None
    for text in ("a\r\nb", "a\nb", "a\tb", "a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\ud800b"):
        assert values.text_problem(text), repr(text)
    assert values.text_problem("a\x01b", multiline=True) and values.text_problem("\udfff", multiline=True)
    assert values.json_too_deep(b"[" * 1000 + b"]" * 1000)
    assert not values.json_too_deep(json.dumps({"purpose": "[[[[" * 50}).encode())  # brackets inside a string
    assert not values.json_too_deep(json.dumps({"windows": [{"start": "x"}] * 50}).encode())  # wide, not deep


# --- dates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("week", FAR_WEEKS)
def test_far_weeks_in_page_urls_are_not_found(demo_client, demo_auth, week):
    north = m.team("north").id
    demo_auth.login("leader")
    for url in (f"/rota/t/{north}/{week}/", f"/rota/t/{north}/{week}/requests", f"/rota/t/{north}/{week}/requests/new",
                f"/rota/t/{north}/{week}/import/requests", f"/rota/t/{north}/{week}/import/requests/template.csv"):
        assert demo_client.get(url).status_code == 404, url
    for url in (f"/rota/t/{north}/{week}/plan", f"/rota/t/{north}/{week}/absences"):
        assert demo_client.post(url, data={}).status_code == 404, url
    demo_auth.logout()
    demo_auth.login("advisor1")
    assert demo_client.get(f"/me/week/{week}").status_code == 404


@pytest.mark.parametrize("week", FAR_WEEKS)
def test_far_weeks_in_api_paths_are_not_found(demo_client, week):
    api = ApiClient(demo_client, "leader")
    north = m.team("north").id
    assert api.get("/teams/{team_id}/weeks/{week}/requests", team_id=north, week=week).status_code == 404
    assert api.get("/teams/{team_id}/weeks/{week}/plans", team_id=north, week=week).status_code == 404
    assert api.post("/teams/{team_id}/weeks/{week}/plans", team_id=north, week=week, json={}).status_code == 404
    body = {"client_id": m.client_of("advisor1").id, "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": f"{week}T09:00", "end": f"{week}T12:00"}]}
    assert api.post("/teams/{team_id}/weeks/{week}/requests", team_id=north, week=week, json=body).status_code == 404


@pytest.mark.parametrize("day", FAR_DAYS)
def test_far_dates_in_forms_are_refused_naming_the_field(demo_client, demo_auth, day):
    north = m.team("north")
    week = m.samples_for_demo().values["week"]
    advisor = m.user("advisor1").advisor
    demo_auth.login("leader")
    absence = demo_client.post(f"/rota/t/{north.id}/{week}/absences", data={
        "advisor": advisor.id, "start_day": day, "reason": "leave"})
    assert absence.status_code == 400 and OUT_OF_RANGE in absence.data
    pinned = demo_client.post(f"/rota/t/{north.id}/{week}/requests/new", data={
        "client": m.client_of("advisor1").reference, "type": 1, "duration_minutes": 30, "windows": "tue 09:00-12:00",
        "pinned_advisor": advisor.id, "pinned_day": day, "pinned_time": "10:00"})
    assert pinned.status_code == 400 and OUT_OF_RANGE in pinned.data and b"Pinned day" in pinned.data
    plan = _draft_with_one_placed()
    item = plan.items[0]
    moved = demo_client.post(f"/rota/plans/{plan.id}/move", data={
        "item": item.id, "advisor": advisor.id, "day": day, "time": "10:00", "version": plan.version_id})
    assert moved.status_code in (302, 303, 400, 409) and moved.status_code < 500
    db.session.expire_all()
    assert db.session.get(type(item), item.id).starts_at.year not in (1, 9999)
    demo_auth.logout()
    demo_auth.login("admin")
    audit = demo_client.get("/admin/audit", query_string={"since": day, "until": day})
    assert audit.status_code == 400 and OUT_OF_RANGE in audit.data
    what_if = demo_client.post("/admin/weights/what-if", data={
        "team": north.id, "week": "0001-01-01", "time_limit": 1, "assigned": 1, "continuity": 1, "protected": 1,
        "separation": 1, "disruption": 1})
    # A week field says which weeks the app plans (forms.WeekField), not only which years.
    assert what_if.status_code == 400 and b"outside the weeks the app plans" in what_if.data
    demo_auth.logout()
    demo_auth.login("advisor1")
    block = demo_client.post("/me/time/once", data={"on": day, "start": "10:00", "end": "12:00"})
    assert block.status_code == 400 and OUT_OF_RANGE in block.data


@pytest.mark.parametrize("field, value", [("pinned_start", "9999-12-31T10:00"), ("pinned_start", "0001-01-01T10:00"),
                                          ("windows.0.start", "0001-01-01T09:00")])
def test_far_times_in_api_bodies_are_refused_naming_the_field(demo_client, field, value):
    api = ApiClient(demo_client, "leader")
    north = m.team("north")
    week = m.samples_for_demo().values["week"]
    body = {"client_id": m.client_of("advisor1").id, "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": f"{week}T09:00", "end": f"{week}T12:00"}]}
    if field == "pinned_start":
        body.update(pinned_advisor_id=m.user("advisor1").advisor.id, pinned_start=value)
    else:
        body["windows"][0]["start"] = value
    response = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=north.id, week=week, json=body)
    assert response.status_code == 422, response.get_json()
    assert "between 2000 and 2099" in response.get_json()["fields"][field][0]
    assert value[:10] in response.get_json()["fields"][field][0]  # the year in full: strftime's %Y said 1-01-01


def test_far_dates_in_the_requests_import_and_the_week_command(demo_app, demo_client, demo_auth):
    north = m.team("north")
    week = m.samples_for_demo().values["week"]
    demo_auth.login("leader")
    body = ("client,type,windows,pinned_advisor,pinned_start\r\n"
            f"{m.client_of('advisor1').reference},follow-up,tue 09:00-12:00,advisor1,9999-12-31 10:00\r\n").encode()
    response = demo_client.post(f"/rota/t/{north.id}/{week}/import/requests",
                                data={"file": (io.BytesIO(body), "r.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400 and b"9999-12-31 is not a date between 2000 and 2099" in response.data
    out = demo_app.test_cli_runner().invoke(args=["week", "plan", "--team", "north", "--week", "9999-12-27"])
    assert out.exit_code == 2 and "The week of 9999-12-27 is outside the weeks the app plans" in out.output


# --- JSON the parser or the encoder cannot take -------------------------------------------------------

@pytest.mark.parametrize("nested", [b"[" * 1000 + b"]" * 1000, b'{"a":' * 1000 + b"1" + b"}" * 1000])
def test_json_nested_1000_deep_is_a_400(demo_client, nested):
    api = ApiClient(demo_client, "leader")
    north = m.team("north")
    week = m.samples_for_demo().values["week"]
    client = m.client_of("advisor1")
    for response in (api.post("/teams/{team_id}/weeks/{week}/requests", team_id=north.id, week=week, data=nested),
                     api.patch("/clients/{client_id}", client_id=client.id, data=nested),
                     api.post("/teams/{team_id}/weeks/{week}/plans", team_id=north.id, week=week, data=nested)):
        assert response.status_code == 400 and "nested" in response.get_json()["message"]


def test_a_lone_surrogate_is_refused_naming_the_field(demo_client):
    api = ApiClient(demo_client, "leader")
    north = m.team("north")
    week = m.samples_for_demo().values["week"]
    before = db.session.scalar(select(func.count()).select_from(Client))
    text = ('{"client_id": %d, "type": "follow-up", "duration_minutes": 30, "purpose": "rent \\ud800 arrears", '
            '"windows": [{"start": "%sT09:00", "end": "%sT12:00"}]}') % (m.client_of("advisor1").id, week, week)
    response = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=north.id, week=week, data=text.encode())
    assert response.status_code == 422 and list(response.get_json()["fields"]) == ["purpose"]
    assert "surrogate" in response.get_json()["fields"]["purpose"][0]
    key = api.patch("/clients/{client_id}", client_id=m.client_of("advisor1").id, data=b'{"version": 1, "\\udc00": 1}')
    assert key.status_code == 422 and "\\udc00" in key.get_json()["fields"]
    line_break = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=north.id, week=week, json={
        **json.loads(text.replace("\\ud800", "")), "purpose": "rent\r\narrears"})
    assert line_break.status_code == 422 and "line break" in line_break.get_json()["fields"]["purpose"][0]
    assert db.session.scalar(select(func.count()).select_from(Client)) == before


# --- control characters in text -----------------------------------------------------------------------

def test_control_characters_in_form_text_are_refused_naming_the_field(demo_client, demo_auth):
    north = m.team("north")
    demo_auth.login("leader")
    response = demo_client.post(f"/rota/t/{north.id}/clients/new", data={
        "reference": "CR1", "name": "Jo\r\nBloggs", "named_advisor": 0, "need": 0, "complexity": 1})
    page = response.get_data(as_text=True)
    # The message stands under the Name field, and what was typed is still there to correct.
    assert response.status_code == 400
    name_field = page[page.index('<label for="name"'):page.index('<label for="named_advisor"')]
    assert "This contains a line break; use plain text on one line." in name_field and 'value="Jo' in name_field
    assert db.session.scalar(select(Client).where(Client.reference == "CR1")) is None
    demo_auth.logout()
    demo_auth.login("admin")
    advisor = m.user("advisor1").advisor
    renamed = demo_client.post(f"/admin/advisors/{advisor.id}", data={
        "name": "Asha\x1bPatel", "team": north.id, "does_support": "y", "work_pattern": "mon 09:00-17:00",
        "protected_minutes": 240})
    assert renamed.status_code == 400 and b"control character (U+001B)" in renamed.data
    made = demo_client.post("/admin/users", data={"username": "newbie", "display_name": "New\nBie",
                                                  "role": "advisor", "password": "long-enough-pw"})
    assert made.status_code == 400 and b"line break" in made.data


def test_notes_keep_line_breaks_but_not_other_control_characters(demo_client, demo_auth):
    mine = m.client_of("advisor1")
    demo_auth.login("advisor1")
    refused = demo_client.post(f"/me/clients/{mine.id}/notes", data={"body": "rent\x07arrears"})
    assert refused.status_code == 400 and b"control character (U+0007)" in refused.data
    saved = demo_client.post(f"/me/clients/{mine.id}/notes", data={"body": "rent arrears\r\n\tnext: call\r\n"})
    assert saved.status_code == 302
    notes = db.session.scalars(select(ClientNote).where(ClientNote.client_id == mine.id)).all()
    assert any("next: call" in n.body for n in notes) and not any("\x07" in n.body for n in notes)


def test_control_characters_in_csv_cells_are_refused_naming_line_and_column(demo_client, demo_auth):
    north = m.team("north")
    week = m.samples_for_demo().values["week"]
    demo_auth.login("leader")
    body = b"reference,name\r\nZ1,Zoe\r\nZ2,Sam\x01Smith\r\n"
    response = demo_client.post(f"/rota/t/{north.id}/import/clients", data={"file": (io.BytesIO(body), "c.csv")},
                                content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>3</td><td>name</td><td>contains a control character (U+0001); use plain text on one line</td>" in page
    assert db.session.scalar(select(Client).where(Client.reference == "Z1")) is None  # all or nothing
    reference = m.client_of("advisor1").reference
    requests = (f'client,type,windows,purpose\r\n{reference},follow-up,"tue 09:00-12:00\nwed 09:00-12:00",'
                f'"budget\rcheck"\r\n').encode()
    refused = demo_client.post(f"/rota/t/{north.id}/{week}/import/requests",
                               data={"file": (io.BytesIO(requests), "r.csv")}, content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "purpose" in text and "line break" in text
    assert "windows" not in text.split("line break")[0][-200:]  # the two-line windows cell is fine
    fixed = requests.replace(b"budget\rcheck", b"budget check")
    assert demo_client.post(f"/rota/t/{north.id}/{week}/import/requests", data={"file": (io.BytesIO(fixed), "r.csv")},
                            content_type="multipart/form-data").status_code == 302


def test_the_create_user_command_refuses_control_characters(demo_app):
    runner = demo_app.test_cli_runner()
    out = runner.invoke(args=["create-user", "casey", "--role", "advisor", "--name", "Casey\nX",
                              "--password", "long-enough-pw"])
    assert out.exit_code == 1 and "--name: contains a line break" in out.output
    out = runner.invoke(args=["create-user", "cas\tey", "--role", "advisor", "--password", "long-enough-pw"])
    assert out.exit_code == 1 and "username" in out.output
    assert db.session.scalar(select(User).where(User.username.like("cas%"))) is None


def test_the_calendar_feed_escapes_a_name_with_a_line_break(demo_client, demo_auth):
    from tests.web.test_me_notes import _feed_url, _publish_cover

    _publish_cover("advisor1")
    demo_auth.login("advisor1")
    demo_client.post("/me/calendar/renew")
    url = _feed_url(demo_client)
    demo_auth.logout()
    # A name saved before the edge refused control characters (or by a script) must not break the feed.
    advisor = db.session.get(Advisor, m.user("advisor1").advisor.id)
    advisor.name = "Asha\r\nX-EVIL:1;\x01Patel"
    db.session.commit()
    response = demo_client.get(url)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "\r\nX-EVIL" not in text and "\x01" not in text
    cal = Calendar.from_ical(response.data)
    assert "X-WR-CALNAME:Caseload · Asha \\nX-EVIL:1\\;" in text.replace("\r\n ", "")  # escaped TEXT
    assert len(list(cal.walk("VEVENT"))) == 3


def test_week_one_and_the_last_week_do_not_break_the_week_helpers():
    # The bounds leave room for the arithmetic the pages do around a week (the next Monday, the week's end).
    last_monday = values.LAST_DAY - timedelta(days=values.LAST_DAY.weekday())
    assert last_monday + timedelta(days=14) > values.LAST_DAY  # still representable
    assert values.FIRST_DAY - timedelta(days=14) < values.FIRST_DAY
