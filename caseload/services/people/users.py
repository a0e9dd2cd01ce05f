"""Creating and changing user accounts."""
from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseload.passwords import hash_password
from caseload.extensions import db
from caseload.models import Role, User
from caseload.services import audit
from caseload.services.clients import name_search
from caseload.values import text_problem


class UserError(ValueError):
    """A user that cannot be created; `field` names what is wrong (username, display_name, password)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


USERNAME = re.compile(r"[A-Za-z0-9._-]{2,64}")


def zone_of(user: User) -> str:
    """The zone a user's own times read in: an advisor's team's, a leader's (first) team's, else UTC."""
    if user.advisor is not None:
        return user.advisor.team.timezone
    return user.led_teams[0].timezone if user.led_teams else "UTC"


def _stored_username(username: str) -> str | None:
    """The stored username that is `username` but for case (and ZWNJ/ZWJ), or None. Sign-in matches usernames
    without case (accounts.authenticate), so `Leader` beside `leader` would be an account nobody can reach."""
    return db.session.scalar(select(User.username).where(name_search.column_equals(User.username, username)).limit(1))


def _taken(username: str, stored: str) -> str:
    same = "" if stored == username else f" (as {stored}; usernames ignore case)"
    return f"{username} is already taken{same}"


def create_user(username: str, display_name: str, role: Role, password: str, by=None) -> User:
    """A new account (the admin page and `flask create-user` both come here); UserError names the field,
    including a username already taken but for case."""
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
    taken = _stored_username(username)
    if taken is not None:
        raise UserError(_taken(username, taken), "username")
    user = User(username=username, display_name=display_name, role=role, password_hash=hash_password(password))
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # created by someone else between the check and here
        db.session.rollback()
        raise UserError(_taken(username, _stored_username(username) or username), "username") from None
    audit.record("user_created", user=by, obj=user, username=user.username, role=role.value)
    db.session.commit()
    return user
