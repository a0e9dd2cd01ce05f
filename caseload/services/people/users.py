"""Creating and changing user accounts."""
from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from caseload.passwords import hash_password
from caseload.extensions import db
from caseload.models import Role, User
from caseload.services import audit, name_lookup
from caseload.services.clients import name_search
from caseload.values import name_key, stored_as, text_problem


class UserError(ValueError):
    """A user that cannot be created; `field` names what is wrong (username, display_name, password)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class UsernameTaken(UserError):
    """The username, or one differing only by case or ZWNJ/ZWJ, belongs to another account; field "username"."""

    def __init__(self, message: str):
        super().__init__(message, "username")


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


def stored_username(username: str) -> str | None:
    """The stored username that looks like `username` (one name_key: equal but for case and ZWNJ/ZWJ), or None.
    By the stored key, and among look-alikes stored before migration 0022 (key NULL) by the same comparison in
    SQL, so none of them is taken again either."""
    return db.session.scalar(
        select(User.username).where(or_(User.username_key == name_key(username),
                                        and_(User.username_key.is_(None),
                                             name_search.column_equals(User.username, username))))
        .order_by(User.id).limit(1))


def taken_words(username: str, stored: str) -> str:
    """'Leader is already taken (stored as leader: they differ only by case)', or without the brackets when
    `stored` is `username`."""
    return f"{username} is already taken{stored_as(stored, username)}"


def create_user(username: str, display_name: str, role: Role, password: str, by=None) -> User:
    """A new account (the admin page and `flask create-user` both come here); UserError names the field,
    including a username already taken but for case or ZWNJ/ZWJ, also when another created it since the check
    (users.username_key is unique)."""
    username = username.strip()
    if text_problem(username):  # NUL, escape, line break…: said as such (the pages, the CLI)
        raise UserError(text_problem(username).rstrip(".") + ": use 2-64 letters, digits, dots, dashes or "
                        "underscores", "username")
    if not USERNAME.fullmatch(username):
        raise UserError("use 2-64 letters, digits, dots, dashes or underscores", "username")
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
    except IntegrityError:  # the same or a look-alike username, created by another since the check
        db.session.rollback()
        raise UsernameTaken(taken_words(username, stored_username(username) or username)) from None
    audit.record("user_created", user=by, obj=user, username=user.username, role=role.value)
    db.session.commit()
    return user
