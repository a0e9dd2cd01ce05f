"""Renaming an account (users.rename_user): the administrator's edit form and `flask rename-user OLD NEW`.

The username and its stored key (users.username_key, unique) change together; the account keeps its id, password,
advisor record and sessions (Flask-Login names it by "id:session_version"), so a signed-in user stays signed in. A
name that looks like another account's (case, ZWNJ/ZWJ) is refused naming the stored one, also when another takes
it at the moment of the write (the unique key: a field error with 409, never a 500). A look-alike left with a NULL
key by migration 0022, renamed to a free name, gets its key, and `flask check-names` no longer lists it.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, insert, select

from caseload.extensions import db
from caseload.models import AuditEvent, Role, User
from caseload.passwords import hash_password
from caseload.services.people.users import by_username
from tests.web.test_look_alike_races import committed_when_writing

PASSWORD = "longenoughpassword1"


def _stored(username: str, *, key_unset: bool = False, role: Role = Role.ADVISOR) -> User:
    """An account written straight to the table; key_unset: a look-alike as migration 0022 leaves it (key NULL)."""
    values = dict(username=username, display_name=f"Stored {username}", role=role,
                  password_hash=hash_password(PASSWORD))
    if key_unset:
        values["username_key"] = None
    user_id = db.session.execute(insert(User).values(**values).returning(User.id)).scalar_one()
    db.session.commit()
    return db.session.get(User, user_id)


def _fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _renames(user: User) -> list[dict]:
    db.session.expire_all()
    return [e.detail for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user_renamed", AuditEvent.object_id == user.id))]


@pytest.fixture
def admin_client(app, client, auth):
    _stored("root", role=Role.ADMIN)
    assert auth.login("root", PASSWORD).status_code == 302
    return client


def _post(client, user: User, username: str | None, **over):
    data = {"display_name": user.display_name, "role": user.role.value, "active": "y", "advisor": 0,
            "version": user.edit_version, **over}
    if username is not None:
        data["username"] = username
    return client.post(f"/admin/users/{user.id}", data=data)


def _text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


# --- the administrator's form ------------------------------------------------------------------------------------

def test_the_edit_form_renames_the_account_keeping_it_and_its_session(app, admin_client, auth):
    kate = _stored("kate")
    assert "value=\"kate\"" in admin_client.get(f"/admin/users/{kate.id}").get_data(as_text=True)
    signed_in = app.test_client()  # kate signed in elsewhere
    assert signed_in.post("/login", data={"username": "kate", "password": PASSWORD}).status_code == 302
    response = _post(admin_client, kate, "kate.m", display_name="Kate M")
    assert response.status_code == 302, _text(response)[-1500:]
    kate = _fresh(kate)
    assert (kate.username, kate.username_key, kate.display_name) == ("kate.m", "kate.m", "Kate M")
    assert _renames(kate) == [{"changes": {"username": ["kate", "kate.m"]}}]
    assert by_username("kate") is None and by_username("KATE.M").id == kate.id
    assert signed_in.get("/account/password").status_code == 200  # still signed in, by id
    other = app.test_client()
    assert other.post("/login", data={"username": "kate.m", "password": PASSWORD}).status_code == 302


def test_the_edit_form_refuses_a_look_alike_of_another_account_naming_it(admin_client):
    _stored("Anna")
    anna = _stored("anna.b")
    response = _post(admin_client, anna, "ANNA")
    page = _text(response)
    assert response.status_code == 400, page[-1500:]
    assert "Username: The username ANNA is already taken (stored as Anna: they differ only by case)." in page
    assert _fresh(anna).username == "anna.b" and _renames(anna) == []


@pytest.mark.parametrize("typed", ["", "   "])
def test_the_edit_form_refuses_an_empty_username(admin_client, typed):
    kate = _stored("kate")
    response = _post(admin_client, kate, typed, display_name="Changed Too")
    page = _text(response)
    assert response.status_code == 400, page[-1500:]
    assert "Username: Give a username: 2-64 letters, digits, dots, dashes or underscores." in page
    kate = _fresh(kate)
    assert (kate.username, kate.display_name) == ("kate", "Stored kate")  # all or nothing


def test_the_edit_form_without_a_username_leaves_it_alone(admin_client):
    kate = _stored("kate")
    assert _post(admin_client, kate, None, display_name="Kate M").status_code == 302
    kate = _fresh(kate)
    assert (kate.username, kate.display_name) == ("kate", "Kate M") and _renames(kate) == []


def test_a_case_only_rename_of_ones_own_key_is_allowed(admin_client):
    kate = _stored("kate")
    assert _post(admin_client, kate, "Kate").status_code == 302
    assert (_fresh(kate).username, _fresh(kate).username_key) == ("Kate", "kate")


def test_a_racing_look_alike_username_on_the_edit_form_is_a_409_field_error(admin_client):
    kate = _stored("kate")
    with committed_when_writing(User, username="Racer", display_name="Saved first", role=Role.ADVISOR,
                                password_hash="x") as twin:
        response = _post(admin_client, kate, "racer")
    page = _text(response)
    assert twin, "the twin was not written: the race did not happen"
    assert response.status_code == 409, page[-1500:]
    assert "Username: The username racer is already taken" in page
    assert _fresh(kate).username == "kate" and _renames(kate) == []


@pytest.mark.parametrize("username", ["leader", "advisor1"])
def test_only_administrators_may_rename(demo_client, demo_auth, username):
    demo_auth.login(username)
    target = db.session.scalar(select(User).where(User.username == "advisor2"))
    response = _post(demo_client, target, "renamed")
    assert response.status_code == 403
    assert _fresh(target).username == "advisor2"


def test_a_rename_without_the_form_token_is_refused(app, admin_client):
    kate = _stored("kate")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = _post(admin_client, kate, "kate.m")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert _fresh(kate).username == "kate" and _renames(kate) == []


# --- a look-alike left by migration 0022 -------------------------------------------------------------------------

def _check_names(app):
    return app.test_cli_runner().invoke(args=["check-names"])


def test_renaming_a_look_alike_with_its_key_unset_fills_it_and_check_names_passes(app, admin_client):
    first = _stored("alice")
    twin = _stored("Alice", key_unset=True)
    listed = _check_names(app)
    assert listed.exit_code == 1 and f"users #{twin.id} username" in listed.output
    response = _post(admin_client, twin, "ALICE")  # still alice's key: refused
    assert response.status_code == 400 and "stored as alice" in _text(response)
    assert _post(admin_client, twin, "alice.b").status_code == 302
    twin = _fresh(twin)
    assert (twin.username, twin.username_key) == ("alice.b", "alice.b")
    assert _renames(twin) == [{"changes": {"username": ["Alice", "alice.b"], "username_key": [None, "alice.b"]}}]
    clean = _check_names(app)
    assert clean.exit_code == 0, clean.output
    assert by_username("alice").id == first.id


def test_a_look_alike_alone_kept_under_its_own_name_gets_its_key(app):
    """Its keyed twin renamed away, the NULL-key row is renamed to its own spelling: the key is filled."""
    bob = _stored("Bob", key_unset=True)
    out = app.test_cli_runner().invoke(args=["rename-user", "Bob", "Bob"])
    assert out.exit_code == 0, out.output
    assert "its key is now stored" in out.output
    assert _fresh(bob).username_key == "bob"
    assert _check_names(app).exit_code == 0


# --- the command line ----------------------------------------------------------------------------------------------

def _rename(app, *args):
    return app.test_cli_runner().invoke(args=["rename-user", *args])


def test_the_command_line_renames_and_audits(app):
    kate = _stored("kate")
    out = _rename(app, "KATE", "kate.m")
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "Renamed kate to kate.m."
    assert _fresh(kate).username_key == "kate.m"
    assert _renames(kate) == [{"changes": {"username": ["kate", "kate.m"]}}]


def test_the_command_line_reaches_a_look_alike_by_its_exact_spelling_or_number(app):
    keyed = _stored("alice")
    twin = _stored("Alice", key_unset=True)
    assert _rename(app, "Alice", "alice.b").exit_code == 0
    assert _fresh(twin).username == "alice.b" and _fresh(keyed).username == "alice"
    other = _stored("Élise", key_unset=True)
    assert _rename(app, f"#{other.id}", "elise").exit_code == 0
    assert _fresh(other).username == "elise"


def test_the_command_line_refuses_an_ambiguous_old_name(app):
    _stored("alice")
    _stored("Alice", key_unset=True)
    out = _rename(app, "ALICE", "someone")
    assert out.exit_code == 1, out.output
    assert '"ALICE" is ambiguous: Alice, alice differ from it only by case' in out.output


@pytest.mark.parametrize(("args", "sentence"), [
    (("nobody", "x.y"), "Error: There is no account called 'nobody'."),
    (("kate", ""), "Error: Give a username: 2-64 letters, digits, dots, dashes or underscores."),
    (("kate", "bad name"), "Error: Use 2-64 letters, digits, dots, dashes or underscores."),
    (("kate", "ANNA"), "Error: The username ANNA is already taken (stored as Anna: they differ only by case)."),
])
def test_the_command_line_refuses_in_one_sentence(app, args, sentence):
    _stored("kate")
    _stored("Anna")
    out = _rename(app, *args)
    assert out.exit_code == 1, out.output
    assert out.output.strip() == sentence
    assert "Traceback" not in out.output
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "user_renamed")) == 0


def test_a_racing_look_alike_on_the_command_line_is_one_sentence(app):
    _stored("kate")
    with committed_when_writing(User, username="Racer", display_name="Saved first", role=Role.ADVISOR,
                                password_hash="x") as twin:
        out = _rename(app, "kate", "RACER")
    assert twin, "the twin was not written: the race did not happen"
    assert out.exit_code == 1, out.output
    assert re.fullmatch(r"Error: The username RACER is already taken[^\n]*\.", out.output.strip()), out.output
    assert by_username("kate") is not None


def test_an_unrelated_edit_of_a_look_alike_with_its_key_unset_is_not_refused(app, admin_client):
    """The form posts the username as stored: no rename, so the twin's other changes are saved (its key stays
    unset while alice holds it); a lone look-alike saved the same way gets its key."""
    _stored("alice")
    twin = _stored("Alice", key_unset=True)
    assert _post(admin_client, twin, "Alice", display_name="Alice B").status_code == 302
    twin = _fresh(twin)
    assert (twin.display_name, twin.username_key) == ("Alice B", None) and _renames(twin) == []
    bob = _stored("Bob", key_unset=True)
    assert _post(admin_client, bob, "Bob").status_code == 302
    assert _fresh(bob).username_key == "bob"
    assert _renames(bob) == [{"changes": {"username_key": [None, "bob"]}}]
