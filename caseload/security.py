"""Sessions, default-deny and security headers."""
from __future__ import annotations

import hashlib

from flask import abort, current_app, request
from sqlalchemy import select

from caseload.auth.access import PUBLIC_ATTR, ROLES_ATTR
from caseload.extensions import db, login_manager
from caseload.models import User

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    # A session from before a password change or logout-everywhere carries an old version.
    if user is None or not user.active or user.session_version != version:
        return None
    return user


@login_manager.request_loader
def load_user_from_token(req) -> User | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
        return None
    token = header.removeprefix("Bearer ").strip()
    if not token:
        return None
    user = db.session.scalar(select(User).where(User.api_token_hash == hash_api_token(token)))
    return user if user is not None and user.active else None


def deny_by_default():
    """Refuse any route that does not declare who may use it."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None:
        return None
    if getattr(view, PUBLIC_ATTR, False) or getattr(view, ROLES_ATTR, None):
        return None
    abort(403)


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "basic"
    app.before_request(deny_by_default)
    app.after_request(security_headers)
