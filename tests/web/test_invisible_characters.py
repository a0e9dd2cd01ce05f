"""Names cannot hold invisible characters that make them show as something other than what is stored: the bidi
embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), zero-width characters (U+200B-U+200D,
U+FEFF) and the other format characters (Cf). "Ann\\u202eenoJ" shows as "AnnJone" in a list and in a
spreadsheet; ZWNJ/ZWJ only between two letters, where a script needs them (test_name_joiners). One check
(values.text_problem) at every way in, naming the field: the forms, the CSV imports
(row and column), the JSON API (the field's path) and the command line. Free-text notes keep line breaks and
tabs (and the joiners an emoji needs) but refuse the bidi controls. CSV downloads neutralise a formula that
invisible characters or spaces stand in front of."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from caseload import values
from caseload.extensions import db
from caseload.models import AppointmentType, Client, ClientNote, Skill, Team, User
from caseload.services.csv_export import csv_text, safe_cell
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Ann\u202eenoJ" reads "AnnJone"
SPOOFS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
          "\u200b", "\u200c", "\u200d", "\ufeff", "\u200e", "\u200f", "\u2060", "\u00ad", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", SPOOFS)
def test_a_one_line_name_refuses_each_invisible_character(char):
    # ZWNJ/ZWJ between two letters shape a Persian, Arabic or Indic word (test_name_joiners); beside a space, not
    problem = values.text_problem(f"Ann{char} enoJ" if char in values.JOINERS else f"Ann{char}enoJ")
    assert problem and f"U+{ord(char):04X}" in problem, repr(char)


def test_notes_refuse_the_bidi_controls_but_keep_breaks_tabs_and_joiners():
    for char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert "changes the text's direction" in values.text_problem(f"rent{char} arrears", multiline=True)
    assert values.text_problem("rent arrears\r\n\tnext: call \U0001F469\u200d\U0001F4BB", multiline=True) is None
    for name in ("Zoë Ó Briain", "O\u2019Brien", "Ngọc Anh", "محمد", "Łukasz"):  # letters of any script are fine
        assert values.text_problem(name) is None, name


def _field_of(page: str, field: str, next_field: str) -> str:
    return page[page.index(f'<label for="{field}"'):page.index(f'<label for="{next_field}"')]


def test_forms_refuse_a_spoofed_name_naming_the_field(demo_client, demo_auth):
    north = m.team("north")
    demo_auth.login("leader")
    response = demo_client.post(f"/rota/t/{north.id}/clients/new", data={
        "reference": "BD1", "name": f"Ann{RLO}enoJ", "named_advisor": 0, "need": 0, "complexity": 1})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in _field_of(page, "name", "named_advisor")
    assert db.session.scalar(select(Client).where(Client.reference == "BD1")) is None
    demo_auth.logout()
    demo_auth.login("admin")
    posts = {
        "/admin/users": {"username": "spoofer", "display_name": "Asha\u200bPatel", "role": "advisor",
                         "password": "long-enough-pw"},
        "/admin/teams": {"name": f"east{RLO}", "timezone": "Europe/London", "leader": 0},
        "/admin/skills": {"code": "benefits-appeal", "name": "Benefits\u2066 appeal"},
        "/admin/types": {"code": "appeal-prep", "name": "Appeal\ufeff prep", "kind": "support", "skill": 0,
                         "default_minutes": 45, "active": "y"},
        f"/admin/advisors/{m.user('advisor1').advisor.id}": {
            "name": "Asha\u200d Patel", "team": north.id, "does_support": "y", "work_pattern": "mon 09:00-17:00",
            "protected_minutes": 240},
    }
    for url, data in posts.items():
        refused = demo_client.post(url, data=data)
        assert refused.status_code == 400 and b"invisible character" in refused.data, url
    assert db.session.scalar(select(User).where(User.username == "spoofer")) is None
    assert db.session.scalar(select(Team).where(Team.name.like("east%"))) is None
    assert db.session.scalar(select(Skill).where(Skill.code == "benefits-appeal")) is None
    assert db.session.scalar(select(AppointmentType).where(AppointmentType.code == "appeal-prep")) is None
    assert "\u200d" not in m.user("advisor1").advisor.name


def test_a_note_refuses_a_bidi_override_and_keeps_what_was_typed(demo_client, demo_auth):
    mine = m.client_of("advisor1")
    demo_auth.login("advisor1")
    note = f"Paid {RLO}0001{chr(0x202c)} pounds"
    refused = demo_client.post(f"/me/clients/{mine.id}/notes", data={"body": note})
    assert refused.status_code == 400 and b"U+202E RIGHT-TO-LEFT OVERRIDE" in refused.data
    assert note in refused.get_data(as_text=True)  # kept to correct
    saved = demo_client.post(f"/me/clients/{mine.id}/notes", data={"body": "Paid 1000 pounds\r\n\tcall Tue"})
    assert saved.status_code == 302
    assert not db.session.scalar(select(func.count(ClientNote.id)).where(ClientNote.body.contains(RLO)))


def test_a_csv_import_names_the_row_and_column_of_a_spoofed_name(demo_client, demo_auth):
    north = m.team("north")
    demo_auth.login("leader")
    body = "reference,name\r\nZ1,Zoe\r\nZ2,Sam\u200bSmith\r\nZ3,Ann\u202eenoJ\r\n".encode()
    response = demo_client.post(f"/rota/t/{north.id}/import/clients", data={"file": (io.BytesIO(body), "c.csv")},
                                content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>3</td><td>name</td><td>contains an invisible character (U+200B ZERO WIDTH SPACE)" in page
    assert "<td>4</td><td>name</td><td>contains an invisible character that changes the text" in page
    assert db.session.scalar(select(Client).where(Client.reference == "Z1")) is None  # all or nothing
    bom = "\ufeffreference,name\r\nZ1,Zoe\r\n".encode()  # a file saved by Excel starts with a BOM: still fine
    assert demo_client.post(f"/rota/t/{north.id}/import/clients", data={"file": (io.BytesIO(bom), "c.csv")},
                            content_type="multipart/form-data").status_code == 302


def test_the_api_names_the_json_field_holding_a_bidi_override(demo_client):
    api = ApiClient(demo_client, "leader")
    north = m.team("north")
    week = m.samples_for_demo().values["week"]
    body = {"client_id": m.client_of("advisor1").id, "type": "follow-up", "duration_minutes": 30,
            "purpose": f"rent {RLO}sraerra", "windows": [{"start": f"{week}T09:00", "end": f"{week}T12:00"}]}
    response = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=north.id, week=week,
                        data=json.dumps(body).encode())
    assert response.status_code == 422 and list(response.get_json()["fields"]) == ["purpose"]
    assert "U+202E" in response.get_json()["fields"]["purpose"][0]


def test_the_create_user_command_refuses_a_spoofed_name(demo_app):
    runner = demo_app.test_cli_runner()
    out = runner.invoke(args=["create-user", "casey", "--role", "advisor", "--name", f"Casey{RLO}X",
                              "--password", "long-enough-pw"])
    assert out.exit_code == 1 and "--name: contains an invisible character that changes" in out.output
    out = runner.invoke(args=["create-user", "cas\u200bey", "--role", "advisor", "--password", "long-enough-pw"])
    assert out.exit_code == 1 and "username" in out.output and "U+200B" in out.output
    assert db.session.scalar(select(User).where(User.username.like("cas%"))) is None


def test_a_formula_behind_spaces_or_invisible_characters_is_written_as_text():
    for text in (" =1+1", "\u200b=HYPERLINK(\"http://x\",\"y\")", f"{RLO}@SUM(A1)", "\ufeff-2+3", "\n+cmd"):
        assert safe_cell(text) == "'" + text, repr(text)
    for text in ("Ann Jones", "a =b", "-15", "\u200bAnn"):
        assert safe_cell(text) == text, repr(text)
    assert csv_text(["name"], [[" =1+1"]]).splitlines()[1] == "' =1+1"
