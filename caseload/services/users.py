"""Creating and changing user accounts."""
from __future__ import annotations

from flask import current_app

from caseload.passwords import hash_password
from caseload.extensions import db
from caseload.models import Role, User
from caseload.services import audit


class UserError(ValueError):
    pass


def zone_of(user: User) -> str:
    """The zone a user's own times read in: an advisor's team's, a leader's (first) team's, else UTC."""
    if user.advisor is not None:
        return user.advisor.team.timezone
    return user.led_teams[0].timezone if user.led_teams else "UTC"


def create_user(username: str, display_name: str, role: Role, password: str, by=None) -> User:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise UserError(f"password: must be at least {minimum} characters")
    user = User(username=username.strip(), display_name=display_name, role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", user=by, obj=user, username=user.username, role=role.value)
    db.session.commit()
    return user
