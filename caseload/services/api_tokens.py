"""API bearer tokens: issued once (shown once), stored only as a SHA-256 hash, revocable."""
from __future__ import annotations

import secrets

from caseload.extensions import db
from caseload.models import User
from caseload.security import hash_api_token
from caseload.services import audit


def issue_api_token(user: User, by=None) -> str:
    """A new token for `user`, replacing any earlier one; returns the token (it cannot be read back later)."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = hash_api_token(token)
    audit.record("api_token_issued", user=by, obj=user)
    db.session.commit()
    return token


def revoke_api_token(user: User, by=None) -> None:
    user.api_token_hash = None
    audit.record("api_token_revoked", user=by, obj=user)
    db.session.commit()
