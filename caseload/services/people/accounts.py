"""Signing in, out, and changing passwords."""
from __future__ import annotations

from flask import current_app

from caseload.passwords import hash_password, needs_rehash, verify_password
from caseload.extensions import db
from caseload.models import User
from caseload.services.people import api_tokens
from caseload.services.people.users import by_username
from caseload.services import audit


class PasswordRejected(ValueError):
    pass


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Failed attempts are audited. The account is found by
    users.by_username (its stored key: case over all of Unicode and ZWNJ/ZWJ ignored). An unknown username still
    costs one argon2 verify (of a dummy hash), so the time taken does not tell whether the account exists."""
    user = by_username(username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        audit.record("login_failed", user=user, username=username[:64])
        db.session.commit()
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record("login", user=user)
    db.session.commit()
    return user


def check_password_rules(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise PasswordRejected(f"The new password must be at least {minimum} characters long.")
    if "\x00" in password:
        raise PasswordRejected("The new password contains a NUL character (\\0), which nobody can type at sign-in.")


def change_password(user: User, current: str, new: str) -> bool:
    """Set a new password; every other session and the user's API token end with the old one (a token taken
    by whoever knew the old password must not outlive it). True when an API token was ended."""
    if not verify_password(user.password_hash, current):
        raise PasswordRejected("Your current password is not right.")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    user.session_version += 1  # every other session of this user stops working
    token_ended = user.api_token_hash is not None
    user.api_token_hash = None
    audit.record("password_changed", user=user, obj=user)
    if token_ended:
        audit.record(api_tokens.REVOKED, user=user, obj=user, reason="password changed")
    db.session.commit()
    return token_ended


def end_all_sessions(user: User) -> None:
    user.session_version += 1
    audit.record("logout", user=user, obj=user)
    db.session.commit()
