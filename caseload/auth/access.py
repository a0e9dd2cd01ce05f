"""Who may do what. Every view names the roles it allows; anything else is denied."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from caseload.extensions import login_manager
from caseload.models import Role, Team

# Views without @role_required (or an explicit @public) are refused by security.deny_by_default.
PUBLIC_ATTR = "_caseload_public"
ROLES_ATTR = "_caseload_roles"


def public(view):
    setattr(view, PUBLIC_ATTR, True)
    return view


def role_required(*roles: Role):
    """Allow only signed-in users with one of `roles`: 401 (login) for strangers, 403 for others."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ROLES_ATTR, roles)
        return wrapped

    return decorator


def can_manage_team(user, team: Team) -> bool:
    """Team leaders manage the teams they lead; administrators manage every team."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.LEADER and team.leader_id == user.id


def home_endpoint(user) -> str:
    return {Role.ADMIN: "admin.home", Role.LEADER: "rota.home", Role.ADVISOR: "me.home"}[user.role]
