"""ZWNJ (U+200C) and ZWJ (U+200D) between two letters are part of a name: Persian, Arabic and Indic scripts need
them to shape a word ("علی‌رضا" with a ZWNJ; the Devanagari conjunct in "अक्‍षय" with a ZWJ after the virama).
values.text_problem takes them there (a letter or combining mark, L* or M*, on both sides), at every way a name
comes in (forms, CSV import, API, command line), and still refuses them at the start or end, doubled, or beside
a space, digit or punctuation, and still refuses the bidi controls and the other invisible characters."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from caseload import values
from caseload.extensions import db
from caseload.models import AppointmentRequest, Client, User
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient

ZWNJ, ZWJ = "\u200c", "\u200d"
ALIREZA = f"علی{ZWNJ}رضا"  # Persian Ali-Reza: the ZWNJ keeps ی from joining ر
MIKHAHAM = f"می{ZWNJ}خواهم"  # Persian "I want": the prefix می kept apart
AKSHAY = f"अक्{ZWJ}षय"  # Devanagari: क + virama (a mark, Mn) + ZWJ + ष, the half-form conjunct
NAMES = [ALIREZA, MIKHAHAM, AKSHAY, f"محمدی{ZWNJ}نژاد", f"சு{ZWJ}ரேஷ்"]
REFUSED = [f"{ZWNJ}{ALIREZA}", f"{ALIREZA}{ZWNJ}", f"علی{ZWNJ}{ZWNJ}رضا", f"علی{ZWJ}{ZWNJ}رضا", f"علی {ZWNJ}رضا",
           f"علی{ZWNJ} رضا", f"Room{ZWJ}1", f"1{ZWJ}2", f"Ann{ZWNJ}-Marie", f"Ann{ZWNJ}.", ZWJ,
           f"Asha{ZWJ}Patel", f"Ann{ZWNJ}e", f"Иван{ZWJ}ов"]  # Latin and Cyrillic never need one: a look-alike


@pytest.mark.parametrize("name", NAMES)
def test_a_joiner_between_two_letters_is_taken(name):
    assert values.text_problem(name) is None, name
    assert values.check_text(name) == name  # kept as typed


@pytest.mark.parametrize("name", REFUSED)
def test_a_joiner_outside_a_word_is_refused(name):
    problem = values.text_problem(name)
    assert problem and "U+200" in problem and "not between two letters" in problem, repr(name)


def test_the_other_invisible_characters_stay_refused_between_letters():
    for char in ("\u202e", "\u2067", "\u200b", "\u2060", "\ufeff", "\u200e", "\u00ad"):
        assert values.text_problem(f"علی{char}رضا"), repr(char)


def test_the_client_form_takes_a_persian_name_and_refuses_a_stray_joiner(demo_client, demo_auth):
    north = m.team("north")
    demo_auth.login("leader")
    taken = demo_client.post(f"/rota/t/{north.id}/clients/new", data={
        "reference": "FA1", "name": ALIREZA, "named_advisor": 0, "need": 0, "complexity": 1})
    assert taken.status_code == 302, taken.get_data(as_text=True)[:2000]
    assert db.session.scalar(select(Client.name).where(Client.reference == "FA1")) == ALIREZA
    refused = demo_client.post(f"/rota/t/{north.id}/clients/new", data={
        "reference": "FA2", "name": f"{ALIREZA}{ZWNJ}", "named_advisor": 0, "need": 0, "complexity": 1})
    assert refused.status_code == 400 and b"U+200C ZERO WIDTH NON-JOINER" in refused.data
    assert db.session.scalar(select(Client).where(Client.reference == "FA2")) is None


def test_a_csv_import_takes_joined_names_and_names_the_row_of_a_stray_one(demo_client, demo_auth):
    north = m.team("north")
    demo_auth.login("leader")
    url = f"/rota/t/{north.id}/import/clients"
    bad = f"reference,name\r\nJ1,{AKSHAY}\r\nJ2,{ZWJ}Asha\r\n".encode()
    page = demo_client.post(url, data={"file": (io.BytesIO(bad), "c.csv")}, content_type="multipart/form-data")
    assert page.status_code == 400
    assert "<td>3</td><td>name</td><td>contains an invisible character (U+200D ZERO WIDTH JOINER) that is not between" in page.get_data(as_text=True)
    good = f"reference,name\r\nJ1,{AKSHAY}\r\nJ2,{MIKHAHAM}\r\n".encode()
    taken = demo_client.post(url, data={"file": (io.BytesIO(good), "c.csv")}, content_type="multipart/form-data")
    assert taken.status_code == 302, taken.get_data(as_text=True)[:2000]
    stored = dict(db.session.execute(select(Client.reference, Client.name).where(Client.reference.in_(["J1", "J2"]))).all())
    assert stored == {"J1": AKSHAY, "J2": MIKHAHAM}


def test_the_api_takes_a_joined_word_and_names_the_field_of_a_stray_one(demo_client):
    api = ApiClient(demo_client, "leader")
    north = m.team("north")
    week = m.samples_for_demo().values["week"]

    def post(purpose):
        body = {"client_id": m.client_of("advisor1").id, "type": "follow-up", "duration_minutes": 30,
                "purpose": purpose, "windows": [{"start": f"{week}T09:00", "end": f"{week}T12:00"}]}
        return api.post("/teams/{team_id}/weeks/{week}/requests", team_id=north.id, week=week,
                        data=json.dumps(body).encode())

    refused = post(f"دیدار با {ZWNJ}{ALIREZA}")
    assert refused.status_code == 422 and list(refused.get_json()["fields"]) == ["purpose"]
    assert "U+200C" in refused.get_json()["fields"]["purpose"][0]
    taken = post(f"دیدار با {ALIREZA}")
    assert taken.status_code == 201, taken.get_json()
    assert db.session.get(AppointmentRequest, taken.get_json()["id"]).purpose == f"دیدار با {ALIREZA}"


def test_the_create_user_command_takes_a_joined_name(demo_app):
    runner = demo_app.test_cli_runner()
    out = runner.invoke(args=["create-user", "akshay", "--role", "advisor", "--name", AKSHAY,
                              "--password", "long-enough-pw"])
    assert out.exit_code == 0, out.output
    assert db.session.scalar(select(User.display_name).where(User.username == "akshay")) == AKSHAY
    out = runner.invoke(args=["create-user", "akshay2", "--role", "advisor", "--name", f"{AKSHAY} {ZWJ}",
                              "--password", "long-enough-pw"])
    assert out.exit_code == 1 and "--name: contains an invisible character (U+200D" in out.output
