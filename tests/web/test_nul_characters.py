"""A NUL character in typed text (a note, a reason, the desk's purpose) never loses what was typed.

The site-wide guard used to answer any page or form with a NUL in it with a bare 400 page, so a note being
written was gone. Pages and forms now take the NUL out and carry on with the rest of the text; the JSON API
names the field (a query parameter: 400 with `fields`; a body field: 422); a CSV file names the line."""
from __future__ import annotations

import io

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import ClientNote
from tests.web import access_matrix as m
from tests.web import desk_support as d


def test_a_note_with_a_nul_character_is_saved_without_it(demo_client, demo_auth):
    mine = m.client_of("advisor1")
    demo_auth.login("advisor1")
    response = demo_client.post(f"/me/clients/{mine.id}/notes", data={"body": "Rent arrears\x00 discussed"})
    assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:1500]
    db.session.expire_all()
    bodies = list(db.session.scalars(select(ClientNote.body).where(ClientNote.client_id == mine.id)))
    assert "Rent arrears discussed" in bodies
    # A NUL in a link's query string is taken out too: the page opens.
    assert demo_client.get(f"/me/clients/{mine.id}", query_string={"x": "\x00"}).status_code == 200


def test_the_desk_offers_form_keeps_its_text_without_the_nul(demo_client, demo_auth):
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    page = demo_client.get(f"/desk/clients/{client.id}/offers",
                           query_string=d.form(week_start=d.next_week(), purpose="housing\x00 benefit"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[:2000]
    assert 'value="housing benefit"' in text


def test_the_api_names_a_query_parameter_with_a_nul(demo_client):
    headers = m.issue_token("leader")
    answer = demo_client.get(f"/api/v1/teams/{m.team('north').id}/clients", query_string={"q": "N0\x00"},
                             headers=headers)
    assert answer.status_code == 400
    body = answer.get_json()
    assert list(body["fields"]) == ["q"] and "NUL" in body["fields"]["q"][0]


def test_a_csv_file_with_one_stray_nul_names_its_line(demo_client, demo_auth):
    demo_auth.login("leader")
    data = b"reference,name,named_advisor,need,complexity\nZ1,Zoe,,debt,1\nZ2,Zo\x00e,,debt,1\n"
    response = demo_client.post(f"/rota/t/{m.team('north').id}/import/clients",
                                data={"file": (io.BytesIO(data), "a.csv")}, content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 3 contains a NUL character" in text, text[:3000]


def test_a_username_with_a_control_character_is_refused_not_cleaned(demo_client, demo_auth, demo_app):
    """'ad\\0min' signed in as admin, and 'new\\0user' created the account newuser, without a word: the NUL was
    taken out before the forms saw it. A username names an account, so it is refused naming the field."""
    from caseload.models import User

    signed_in = demo_client.post("/login", data={"username": "ad\x00min", "password": "demo"})
    text = signed_in.get_data(as_text=True)
    assert signed_in.status_code == 400 and "Username" in text and "NUL character" in text
    assert demo_client.get("/admin/").status_code == 302  # not signed in
    bad_password = demo_client.post("/login", data={"username": "admin", "password": "de\x00mo"})
    assert bad_password.status_code == 401  # "demo" is not what was typed
    demo_auth.login("admin")
    for name, words in (("new\x00user", "NUL character"), ("new\x1buser", "control character (U+001B)")):
        made = demo_client.post("/admin/users", data={"username": name, "display_name": "New User",
                                                      "role": "advisor", "password": "long-enough-1"})
        text = made.get_data(as_text=True)
        assert made.status_code == 400 and words in text and "Username" in text, name
    nul_password = demo_client.post("/admin/users", data={"username": "newuser", "display_name": "New User",
                                                           "role": "advisor", "password": "long-\x00enough-1"})
    assert nul_password.status_code == 400 and "NUL character" in nul_password.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "newuser")) is None
    changed = demo_client.post("/account/password", data={"current": "demo", "new": "long-\x00enough-1"})
    assert changed.status_code == 400 and "NUL character" in changed.get_data(as_text=True)
    cli = demo_app.test_cli_runner().invoke(args=["create-user", "new\x1buser", "--role", "advisor",
                                                  "--password", "long-enough-1"])
    assert cli.exit_code != 0 and "control character" in cli.output
