"""API bearer tokens: issued once (shown once), stored only as a SHA-256 hash, revocable.

The command line (`flask api-token`), a user's own token page and the administrators' users page all
issue and revoke through these functions, so every change is audited the same way.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AuditEvent, User
from caseload.services import audit

ISSUED = "api_token_issued"
REVOKED = "api_token_revoked"


def hash_api_token(token: str) -> str:
    """What is stored and looked up (security.load_user_from_token); the token itself is never kept."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, by=None) -> str:
    """A new token for `user`, replacing any earlier one; returns the token (it cannot be read back later)."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = hash_api_token(token)
    audit.record(ISSUED, user=by, obj=user)
    db.session.commit()
    return token


def revoke_api_token(user: User, by=None) -> bool:
    """Remove `user`'s token; False (and nothing audited) when they had none."""
    if user.api_token_hash is None:
        return False
    user.api_token_hash = None
    audit.record(REVOKED, user=by, obj=user)
    db.session.commit()
    return True


def issued_at(user_ids) -> dict[int, datetime]:
    """When each user's current token was issued, from the audit log (the users table keeps only the hash).

    Only users who hold a token should be asked about; one set outside this module has no entry.
    """
    ids = list(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(AuditEvent.object_id, func.max(AuditEvent.at))
        .where(AuditEvent.action == ISSUED, AuditEvent.object_type == "User", AuditEvent.object_id.in_(ids))
        .group_by(AuditEvent.object_id))
    return {user_id: at for user_id, at in rows}
