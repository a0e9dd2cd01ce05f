"""Creating and changing user accounts."""
from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseload.passwords import hash_password
from caseload.extensions import db
from caseload.models import Role, User
from caseload.services import audit, name_lookup
from caseload.services.clients import name_search
from caseload.services.unique_keys import unique_clash
from caseload.values import key_problem, name_key, stored_as, text_box_sends, text_problem


class UserError(ValueError):
    """A user that cannot be created; `field` names what is wrong (username, display_name, password)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class UsernameTaken(UserError):
    """The username, or one differing only by case or ZWNJ/ZWJ, belongs to another account; field "username".
    `raced`: found by the unique key at the write, another save having taken it since the check (a conflict: 409
    where a status is given)."""

    def __init__(self, message: str, raced: bool = False):
        super().__init__(message, "username")
        self.raced = raced


USERNAME = re.compile(r"[A-Za-z0-9._-]{2,64}")


def zone_of(user: User) -> str:
    """The zone a user's own times read in: an advisor's team's, a leader's (first) team's, else UTC."""
    if user.advisor is not None:
        return user.advisor.team.timezone
    return user.led_teams[0].timezone if user.led_teams else "UTC"


def by_username(typed: str) -> User | None:
    """The account `typed` names, active or not, or None: the one whose username is `typed` but for case (over all
    of Unicode) and ZWNJ/ZWJ, as names are compared everywhere (services.name_lookup.find_by_key on the unique
    username_key). A look-alike stored before migration 0022 keeps a NULL key (`flask check-names` lists it): it is
    reached by its exact spelling, and any other spelling reaches its keyed twin: find_by_key's prefer_keyed, on
    purpose, where a team or client reference would be refused as ambiguous, since refusing here would lock both
    accounts out of signing in. Only when no look-alike is keyed and none is spelt exactly is it None (never a
    guess: sign-in says the username or password is wrong). Every path that finds a user by a typed username comes
    here: sign-in, `flask api-token`, the administrator's user search, the demo loader."""
    try:
        return name_lookup.find_by_key(User, User.username, User.username_key, typed, prefer_keyed=True)
    except name_lookup.AmbiguousName:
        return None


def account_to_rename(typed: str) -> User:
    """The account `typed` names for a rename (`flask rename-user`): the one stored exactly as typed (spaces kept:
    a look-alike stored before migration 0022, as `flask check-names` quotes it), else "#12" for account 12 (a
    username nobody can type), else the one whose username is `typed` but for case and ZWNJ/ZWJ. Never a guess:
    UserError("username") when none matches, or several look-alikes do and none is spelt as typed (by_username's
    preference for the keyed one is for sign-in, not for choosing an account to change)."""
    exact = db.session.scalar(select(User).where(User.username == typed))
    if exact is not None:
        return exact
    if re.fullmatch(r"#[0-9]{1,9}", typed.strip()):
        found = db.session.get(User, int(typed.strip()[1:]))
        if found is not None:
            return found
    try:
        found = name_lookup.find_by_key(User, User.username, User.username_key, typed)
    except name_lookup.AmbiguousName as err:
        raise UserError(f"{err}, or give the account's number as `flask check-names` lists it (#12)",
                        "username") from None
    if found is None:
        raise UserError(f"there is no account called {typed!r}", "username")
    return found


def stored_username(username: str, other_than: int | None = None) -> str | None:
    """The stored username that looks like `username` (one name_key: equal but for case and ZWNJ/ZWJ), or None;
    `other_than`: a user id left out (the account being renamed). By the stored key, and among look-alikes stored
    before migration 0022 (key NULL) by the same comparison in SQL, so none of them is taken again either."""
    query = select(User.username).where(name_search.key_equals(User.username, User.username_key, username))
    if other_than is not None:
        query = query.where(User.id != other_than)
    return db.session.scalar(query.order_by(User.id).limit(1))


def taken_words(username: str, stored: str) -> str:
    """'Leader is already taken (stored as leader: they differ only by case)', or without the brackets when
    `stored` is `username`."""
    return f"{username} is already taken{stored_as(stored, username)}"


def checked_username(username: str) -> str:
    """`username` stripped, or UserError("username"): empty, a control or invisible character, or not 2-64 ASCII
    letters, digits, dots, dashes or underscores (USERNAME)."""
    username = username.strip()
    if not username:
        raise UserError("give a username: 2-64 letters, digits, dots, dashes or underscores", "username")
    if text_problem(username):  # NUL, escape, line break…: said as such (the pages, the CLI)
        raise UserError(text_problem(username).rstrip(".") + ": use 2-64 letters, digits, dots, dashes or "
                        "underscores", "username")
    if problem := key_problem(username):  # the Kelvin sign: not an ASCII letter, said so
        raise UserError(problem.rstrip(".") + ": use 2-64 letters, digits, dots, dashes or "
                        "underscores", "username")
    if not USERNAME.fullmatch(username):
        raise UserError("use 2-64 letters, digits, dots, dashes or underscores", "username")
    return username


def untypeable_words(user: User) -> str | None:
    """For the account's edit page: "The stored username 'ann\\nlee' holds a line break, which cannot be typed…",
    naming how to fix it (the Username field, `flask rename-user`), or None when its username holds nothing the
    checks refuse (values.text_problem: control, invisible or broken characters, kept from before the checks)."""
    problem = text_problem(user.username)
    if problem is None:
        return None
    what = problem.split(";")[0].removeprefix("contains ").rstrip(".")
    shown = text_box_sends(user.username)
    return (f"The stored username {user.username!r} holds {what}, which cannot be typed: the Username box shows "
            f"it as {shown!r}, and saving with that box unchanged keeps the stored username. To fix it, type a "
            f"new username in the Username field, or run: flask rename-user '#{user.id}' NEW-USERNAME "
            f"(NEW-USERNAME may be {shown.strip()!r} itself, if it is free and allowed).")


def rename_user(user: User, new_username: str, by=None, *, commit: bool = True) -> dict:
    """Give `user` the username `new_username` (stripped) and its stored key (values.name_key), keeping the account
    itself: its id, password, role, advisor record, audit history and sessions (Flask-Login's session names the
    account by id and session_version, neither changed, so a signed-in user stays signed in; they sign in with the
    new name from then on). A look-alike whose key migration 0022 left NULL gets its key, even when renamed to its
    own spelling, so `flask check-names` no longer lists it.

    Returns the change, {"username": [old, new]} and/or {"username_key": [None, key]} ({} when there is none),
    audited as user_renamed by `by` (None: the command line) in the same transaction; commits unless `commit` is
    False (the administrator's edit form saves it with its other changes and commits itself).
    UserError("username") for an empty or malformed name (checked_username); UsernameTaken when another account's
    username looks the same (case, ZWNJ/ZWJ: taken_words names the stored one), with `raced` when another took
    it since the check (the unique key refused the write; the session is rolled back, nothing saved)."""
    username = checked_username(new_username)
    taken = stored_username(username, other_than=user.id)
    if taken is not None:
        raise UsernameTaken(taken_words(username, taken))
    old, key = user.username, name_key(username)
    changed = {}
    if old != username:
        changed["username"] = [old, username]
    if user.username_key is None:  # left unset by migration 0022: now stored (a keyed row's key goes unsaid)
        changed["username_key"] = [None, key]
    if not changed:
        return changed
    user.username, user.username_key = username, key
    try:
        db.session.flush()
    except IntegrityError as err:  # the same or a look-alike username, saved by another since the check
        db.session.rollback()
        if not unique_clash(err):  # another rule (a NOT NULL): not a taken name, the 409 safety net's
            raise
        raise UsernameTaken(taken_words(username, stored_username(username, other_than=user.id) or username),
                            raced=True) from None
    audit.record("user_renamed", user=by, obj=user, changes=changed)
    if commit:
        db.session.commit()
    return changed


def create_user(username: str, display_name: str, role: Role, password: str, by=None) -> User:
    """A new account (the admin page and `flask create-user` both come here); UserError names the field,
    including a username already taken but for case or ZWNJ/ZWJ, also when another created it since the check
    (users.username_key is unique: unique_keys.unique_clash; any other IntegrityError is raised as it is)."""
    username = checked_username(username)
    problem = text_problem(display_name) or ("is longer than 120 characters." if len(display_name) > 120 else None)
    if problem:
        raise UserError(problem.rstrip("."), "display_name")
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise UserError(f"must be at least {minimum} characters", "password")
    if "\x00" in password:
        raise UserError("contains a NUL character (\\0), which nobody can type at sign-in", "password")
    taken = stored_username(username)
    if taken is not None:
        raise UsernameTaken(taken_words(username, taken))
    # username_key: the column's default (models.name_keys), under a unique index.
    user = User(username=username, display_name=display_name, role=role, password_hash=hash_password(password))
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as err:  # the same or a look-alike username, created by another since the check
        db.session.rollback()
        if not unique_clash(err):  # another rule (a NOT NULL): not a taken name, raised as it is
            raise
        raise UsernameTaken(taken_words(username, stored_username(username) or username)) from None
    audit.record("user_created", user=by, obj=user, username=user.username, role=role.value)
    db.session.commit()
    return user
