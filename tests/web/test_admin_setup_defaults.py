"""Admin set-up as a new user met it (walkthrough C): the CSV import help listed a fixed set of appointment types
(a new type was missing), a new empty team (first by name) became the default of the weights what-if and of the
"Continuity by advisor" report ("Nothing to show"), and users were listed advisor1, advisor10, advisor11, …"""
from __future__ import annotations

import html
import re

from caseload.extensions import db
from caseload.models import AppointmentType, Role, Skill, Team
from caseload.services.people.users import create_user
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_import_help_lists_the_types_and_needs_in_the_database(demo_client, demo_auth):
    db.session.add_all([AppointmentType(code="money-clinic", name="Money clinic", kind="support", default_minutes=45),
                        Skill(code="pensions", name="Pensions")])
    db.session.commit()
    demo_auth.login("leader")
    north = m.team("north").id
    requests = _text(demo_client.get(f"/rota/t/{north}/{d.week().isoformat()}/import/requests"))
    assert re.search(r"an appointment type code \([^)]*money-clinic", requests)
    clients = _text(demo_client.get(f"/rota/t/{north}/import/clients"))
    assert re.search(r"a skill code \([^)]*pensions", clients)


def test_a_new_empty_team_is_not_the_default_choice(demo_client, demo_auth):
    db.session.add(Team(name="aardvark", timezone="Europe/London"))  # sorts first, no advisors yet
    db.session.commit()
    demo_auth.login("admin")
    weights = _text(demo_client.get("/admin/weights"))
    selected = re.search(r'<select[^>]*name="team".*?</select>', weights, re.S).group(0)
    assert re.search(r'<option selected value="\d+">north</option>|<option value="\d+" selected>north</option>',
                     selected), selected
    reports = _text(demo_client.get("/admin/reports"))
    chosen = re.search(r'<select id="team" name="team">.*?</select>', reports, re.S).group(0)
    assert re.search(r'value="\d+" selected>north<', chosen), chosen
    assert f'/admin/reports/continuity-advisor.json?team={m.team("north").id}' in reports


def test_users_are_listed_in_natural_order(demo_client, demo_auth):
    for name in ("advisor10", "advisor11", "advisor2"):  # the demo office has some of them already
        if m.user(name) is None:
            create_user(name, name, Role.ADVISOR, "a long password 123")
    db.session.commit()
    demo_auth.login("admin")
    page = _text(demo_client.get("/admin/users", query_string={"q": "advisor"}))
    order = re.findall(r">(advisor\d+)<", page)
    assert order.index("advisor2") < order.index("advisor10") < order.index("advisor11"), order
