"""A compatibility character (one NFKC replaces: the Kelvin sign U+212A, a full-width letter, a ligature) in a code,
username, team name or client reference: refused where one is saved, the field named and the plain character
offered, and a typed one never matches by key (values.key_problem, values.code_key, name_lookup.choose).

Before, the Kelvin sign lower-cased to an ASCII "k" ("\u212a".lower() == "k"): the admin saved the code
"\u212aiosk" as "kiosk", a typed "\u212aiosk" found the type "kiosk", and a team "Team \u212a" took the key of
"Team K" while "Team \uff2b" (full-width) could sit beside "Team K" under its own key. No stored key changes.
"""
from __future__ import annotations

import html
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentRequest, AppointmentType, Client, Skill, Team
from caseload.services.people.team_lookup import team_named
from caseload.services.people.users import by_username
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient

KELVIN = "\u212a"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_rule():
    from caseload.values import code_key, key_problem, name_key
    assert key_problem(f"{KELVIN}iosk") == ("contains U+212A KELVIN SIGN, which looks like 'K' but is another "
                                            "character; type 'K' instead.")
    assert key_problem("\uff2bIOSK").startswith("contains U+FF2B FULLWIDTH LATIN CAPITAL LETTER K")
    assert key_problem("e\u0301lise") is None and key_problem("Élise") is None  # an accent, separate or not
    assert key_problem("علی\u200cرضا") is None and key_problem("Kiosk") is None
    assert code_key(f" {KELVIN}iosk ") != code_key("kiosk") == "kiosk"
    assert name_key("Team K") == "team k"  # names' keys are unchanged: no stored key needs rewriting


@pytest.mark.parametrize("url, form", [
    ("/admin/types", {"name": "Kiosk visit", "kind": "support", "skill": 0, "default_minutes": 60, "active": "y"}),
    ("/admin/skills", {"name": "Kiosk help"}),
])
def test_the_admin_refuses_a_code_with_a_kelvin_sign(demo_client, demo_auth, url, form):
    demo_auth.login("admin")
    refused = demo_client.post(url, data={**form, "code": f"{KELVIN}iosk"})
    page = _text(refused)
    assert refused.status_code == 400 and "The code contains U+212A KELVIN SIGN" in page, page[-3000:]
    assert f'value="{KELVIN}iosk"' in page  # kept as typed
    for model in (AppointmentType, Skill):
        assert db.session.scalar(select(func.count()).select_from(model).where(model.code == "kiosk")) == 0


def test_the_admin_refuses_a_team_name_with_a_compatibility_character(demo_client, demo_auth):
    demo_auth.login("admin")
    for name in (f"Team {KELVIN}", "Team \uff2b"):
        refused = demo_client.post("/admin/teams", data={"name": name, "timezone": "Europe/London", "leader": 0})
        page = _text(refused)
        assert refused.status_code == 400 and "Name: The name contains U+" in page, page[-3000:]
    assert db.session.scalar(select(func.count(Team.id)).where(Team.name.like("Team %"))) == 0


def test_a_new_client_reference_with_a_kelvin_sign_is_refused_by_form_and_by_file(leader, north):
    team, _ = north
    refused = leader.post(f"/rota/t/{team.id}/clients/new", data={
        "reference": f"{KELVIN}-1", "name": "Sam Okafor", "named_advisor": 0, "need": 0, "complexity": 1})
    page = _text(refused)
    assert refused.status_code == 400 and "U+212A KELVIN SIGN" in page, page[-3000:]
    body = f"reference,name,named_advisor,need,complexity\n{KELVIN}-2,Sam Kelvin,,,1\n".encode()
    refused = leader.post(f"/rota/t/{team.id}/import/clients", data={"file": (io.BytesIO(body), "c.csv")},
                          content_type="multipart/form-data")
    page = _text(refused)
    assert refused.status_code == 400 and "U+212A KELVIN SIGN" in page, page[-3000:]
    assert db.session.scalar(select(func.count(Client.id)).where(Client.reference_key.in_(["k-1", "k-2"]))) == 0


def test_a_typed_kelvin_sign_finds_no_code_team_or_account_by_key(demo_client, demo_app):
    kind = db.session.scalar(select(AppointmentType).where(AppointmentType.code == "follow-up"))
    kind.code = "kiosk"
    db.session.add(Team(name="Team K", timezone="Europe/London"))
    db.session.commit()
    api = ApiClient(demo_client, "leader")
    week = d.week()
    tuesday = week + timedelta(days=1)
    body = {"client_id": m.client_of("advisor1").id, "duration_minutes": 30,
            "windows": [{"start": f"{tuesday}T09:00", "end": f"{tuesday}T12:00"}]}
    team = m.team("north")
    refused = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week,
                       json={**body, "type": f"{KELVIN}IOSK"})
    assert refused.status_code == 422 and "type" in refused.get_json()["fields"], refused.get_json()
    created = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week,
                       json={**body, "type": "KIOSK"})
    assert created.status_code == 201, created.get_json()
    assert db.session.get(AppointmentRequest, created.get_json()["id"]).type.code == "kiosk"
    assert team_named(f"team {KELVIN}") is None and team_named("TEAM k").name == "Team K"


def test_check_names_lists_a_stored_kelvin_sign(demo_app):
    from caseload.services.stored_names import stored_name_findings
    kind = db.session.scalar(select(AppointmentType).where(AppointmentType.code == "follow-up"))
    kind.code = f"{KELVIN}iosk"  # as an older import could have stored it
    db.session.commit()
    assert [f.line() for f in stored_name_findings() if f.id == kind.id and f.table == "appointment_types"] == [
        f'appointment_types #{kind.id} code "{KELVIN}iosk": contains U+212A KELVIN SIGN, which looks like \'K\' but '
        "is another character; type 'K' instead"]


def test_sign_in_with_a_kelvin_sign_is_refused(app, client, auth):
    from tests.web.test_user_rename import PASSWORD, _stored
    _stored("kate")
    assert by_username(f"{KELVIN}ate") is None and by_username("KATE").username == "kate"
    refused = client.post("/login", data={"username": f"{KELVIN}ate", "password": PASSWORD})
    assert refused.status_code != 302
