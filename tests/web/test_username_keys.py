"""Usernames are found and kept unique by users.username_key (values.name_key: stripped, without ZWNJ/ZWJ, folded
over all of Unicode by Python's str.lower(), so "ÉLISE" is "Élise" and the Kelvin sign "K" is "k", while "STRASSE"
is not "straße": name_key lowers, it does not casefold).

Every path that finds an account by a typed username goes through users.by_username: sign-in, `flask api-token`,
the administrator's user search (its exact match) and the demo loader. Before, they compared lower(username),
which SQLite (and a C-locale PostgreSQL) folds for A-Z only, and a ZWNJ/ZWJ counted. Every write path fills the
key (create_user behind the admin form and `flask create-user`, the demo loader's ORM insert), and two creates
at the same moment of usernames differing only by case cannot both succeed: the unique key refuses the second,
said as the field's error, never a 500.

New usernames are ASCII (users.USERNAME), so the non-ASCII spellings here are accounts stored before that rule,
written straight to the table (`_stored`); their key is filled there by the column's default as on any insert.
"""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from caseload import passwords
from caseload.extensions import db
from caseload.models import Role, User
from caseload.passwords import hash_password
from caseload.services.people import admin_lists
from caseload.services.people.users import UserError, by_username, create_user
from tests.web.test_look_alike_races import committed_when_writing

PASSWORD = "longenoughpassword1"
OTHER_PASSWORD = "anotherpassword22"
KEYED = object()  # _stored: let the column's default fill the key


def _stored(username: str, *, key=KEYED, password: str = PASSWORD, role: Role = Role.ADVISOR) -> User:
    """An account written straight to the table, as stored before today's rules (a non-ASCII username create_user
    now refuses; with key=None a look-alike as migration 0022 leaves it, its key unset)."""
    values = dict(username=username, display_name=f"Stored {username}", role=role,
                  password_hash=hash_password(password))
    if key is not KEYED:
        values["username_key"] = key
    user_id = db.session.execute(insert(User).values(**values).returning(User.id)).scalar_one()
    db.session.commit()
    return db.session.get(User, user_id)


def _signed_in_as(client) -> int | None:
    """The id of the account the test client's session is signed in as (Flask-Login's "id:version"), or None."""
    with client.session_transaction() as session:
        user_id = session.get("_user_id")
    return int(user_id.split(":")[0]) if user_id else None


def _keyed(key: str) -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.username_key == key))


# --- the key is filled and enforced --------------------------------------------------------------------------------

def test_every_insert_fills_the_key_and_the_database_refuses_a_look_alike(app):
    made = create_user("Kate.M", "Kate", Role.ADVISOR, PASSWORD)
    assert made.username_key == "kate.m"
    assert _stored("Élise").username_key == "élise"  # a Core insert: the column's default
    assert _stored("ka\u200cte").username_key == "kate"  # the joiner is not part of the key
    db.session.add(User(username="ÉLISE", display_name="Twin", role=Role.ADVISOR, password_hash="x"))
    with pytest.raises(IntegrityError, match="username_key"):
        db.session.commit()
    db.session.rollback()


# --- sign-in ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("stored", "typed"), [
    ("kate", "KATE"), ("kate", " Kate "),  # case (A-Z)
    # The Kelvin sign lowers to k, but a typed compatibility character matches by key no more:
    # tests/web/test_compatibility_characters.py.
    ("علی\u200cرضا", "علیرضا"), ("علیرضا", "علی\u200cرضا"),  # with or without the ZWNJ
    ("Élise", "ÉLISE"), ("Élise", "élise"), ("Åsa.Öberg", "åsa.öberg"),  # case beyond A-Z
])
def test_sign_in_finds_the_account_whatever_the_case_or_joiners_typed(app, client, auth, stored, typed):
    user = _stored(stored)
    response = auth.login(typed, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    assert _signed_in_as(client) == user.id


def test_name_key_lowers_and_does_not_casefold_so_strasse_is_not_strasse(app, auth):
    """name_key is str.lower(): "STRASSE" lowers to "strasse", "straße" stays; they are two names, as they are
    for client references and team names."""
    _stored("straße")
    assert auth.login("STRASSE", PASSWORD).status_code == 401
    assert auth.login("STRAßE", PASSWORD).status_code == 302


class CountingHasher(PasswordHasher):
    """argon2's own hasher, counting its verify calls (the real verify runs)."""
    calls = 0

    def verify(self, hash, password):  # noqa: A002 (argon2's own parameter name)
        CountingHasher.calls += 1
        return super().verify(hash, password)


def test_an_unknown_username_costs_a_verify_and_reads_as_a_wrong_password(app, auth, monkeypatch):
    """Nothing tells an unknown account from a known one: the same 401 and words, and argon2 verifies (a dummy hash)
    for the unknown one too, so the time taken is alike."""
    _stored("kate")
    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    CountingHasher.calls = 0
    unknown = auth.login("KATIE", PASSWORD)
    assert CountingHasher.calls == 1
    wrong = auth.login("KATE", OTHER_PASSWORD)
    assert CountingHasher.calls == 2
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong username or password." in unknown.get_data(as_text=True)
    assert "Wrong username or password." in wrong.get_data(as_text=True)


def test_a_look_alike_stored_before_keeps_its_exact_spelling_and_is_listed(app, client, auth):
    """Migration 0022 leaves a look-alike's key unset: sign-in reaches it by its exact spelling (ahead of its keyed
    twin), any other spelling reaches the keyed one, nobody can take the name again, and check-names lists it."""
    first = _stored("alice")
    later = _stored("Alice", key=None, password=OTHER_PASSWORD)
    assert auth.login("Alice", OTHER_PASSWORD).status_code == 302 and _signed_in_as(client) == later.id
    auth.logout()
    assert auth.login("ALICE", PASSWORD).status_code == 302 and _signed_in_as(client) == first.id
    alone = _stored("Bob", key=None)  # its keyed twin since removed: still refused as a new name
    with pytest.raises(UserError, match=r"bob is already taken \(stored as Bob: they differ only by case\)"):
        create_user("bob", "Another Bob", Role.ADVISOR, PASSWORD)
    assert by_username("Bob") == alone
    found = app.test_cli_runner().invoke(args=["check-names"])
    assert found.exit_code == 1, found.output
    lines = found.output.splitlines()
    assert (f'users #{later.id} username "Alice": looks the same as "alice" (#{first.id}): they differ only by case '
            'or ZWNJ/ZWJ; its key is unset (NULL), so its uniqueness is not enforced') in lines, lines
    assert (f'users #{alone.id} username "Bob": its key is unset (NULL), so its uniqueness is not enforced until the '
            'name is changed') in lines, lines


# --- the command line, the administrator's search, the demo loader ------------------------------------------------

@pytest.mark.parametrize(("stored", "typed"), [("kate", "KATE"), ("Élise", "ÉLISE")])  # not the Kelvin sign: test_compatibility_characters
def test_api_token_finds_the_account_whatever_the_case_typed(app, stored, typed):
    user = _stored(stored)
    out = app.test_cli_runner().invoke(args=["api-token", typed])
    assert out.exit_code == 0, out.output
    db.session.expire_all()
    assert db.session.get(User, user.id).api_token_hash is not None


@pytest.mark.parametrize(("stored", "typed"), [("kate", "KATE"), ("علی\u200cرضا", "علیرضا"), ("Élise", "ÉLISE")])
def test_the_administrators_user_search_takes_the_exact_account(app, stored, typed):
    """One account named by its username (any case, joiners ignored), though others contain the text."""
    user = _stored(stored)
    _stored(stored + "2")
    assert admin_lists.users_matching(typed) == [user]


def test_seed_demo_takes_an_account_differing_by_a_joiner_as_its_own(app):
    """An `ad\\u200cmin` stored before, then seed-demo: it is the demo's admin (one key), not an IntegrityError
    nor a second account sign-in cannot tell apart."""
    kept = _stored("ad\u200cmin", role=Role.ADMIN)
    seeded = app.test_cli_runner().invoke(args=["seed-demo", "--clients", "6", "--requests", "4", "--no-past",
                                                "--no-holidays"])
    assert seeded.exit_code == 0, (seeded.output, seeded.exception)
    assert _keyed("admin") == 1
    assert by_username("admin").id == kept.id


# --- creating an account ---------------------------------------------------------------------------------------------

def _admin(auth, make_user):
    make_user("administrator", "root", password=PASSWORD)
    assert auth.login("root", PASSWORD).status_code == 302


def test_the_admin_form_refuses_a_username_taken_but_for_case(app, client, auth, make_user):
    _admin(auth, make_user)
    make_user("advisor", "kate", password=PASSWORD)
    response = client.post("/admin/users", data={"username": "KATE", "display_name": "Kept Typed Name",
                                                 "role": "advisor", "password": PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[-1500:]
    assert "The username KATE is already taken (stored as kate: they differ only by case)." in page
    assert "Kept Typed Name" in page
    assert _keyed("kate") == 1


def _kept() -> bool:
    """Whether the racing account outlives the refused request (test_look_alike_races: committed apart on
    PostgreSQL, written in the request's own transaction on SQLite)."""
    return db.engine.dialect.name != "sqlite"


RACER = dict(username="Racer", display_name="Saved first", role=Role.ADVISOR, password_hash="x")


def test_a_racing_look_alike_username_on_the_admin_form_is_a_field_error(app, client, auth, make_user):
    """The check before writing passes (no `racer` yet); another creates `Racer` at the moment this one writes:
    the unique key refuses this one, said on the username field with the typed text kept."""
    _admin(auth, make_user)
    with committed_when_writing(User, **RACER) as twin:
        response = client.post("/admin/users", data={"username": "racer", "display_name": "Kept Typed Name",
                                                     "role": "advisor", "password": PASSWORD})
    page = response.get_data(as_text=True)
    assert twin, "the twin was not written: the race did not happen"
    assert response.status_code == 400, page[-1500:]
    assert "The username racer is already taken" in page
    if _kept():  # the refusal names the stored twin when it stays
        assert "racer is already taken (stored as Racer: they differ only by case)." in page
    assert 'value="racer"' in page and "Kept Typed Name" in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id)).where(User.display_name == "Kept Typed Name")) == 0
    assert _keyed("racer") == int(_kept())


def test_a_racing_look_alike_username_on_the_command_line_is_one_sentence(app):
    with committed_when_writing(User, **RACER) as twin:
        out = app.test_cli_runner().invoke(args=["create-user", "RACER", "--role", "advisor",
                                                 "--password", PASSWORD])
    assert twin, "the twin was not written: the race did not happen"
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), (out.output, out.exception)
    assert "Traceback" not in out.output and "IntegrityError" not in out.output
    assert "username: RACER is already taken" in out.output
    db.session.expire_all()
    assert _keyed("racer") == int(_kept())
