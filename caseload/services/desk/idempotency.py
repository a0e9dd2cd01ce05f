"""Idempotency keys of bookings (the API's Idempotency-Key header, the desk's one-time form keys).

The first answer to (user, key) is stored in the booking's own transaction, so a retry gets it back and
never books twice. Answers are kept for KEEP (24 hours): a retry is a matter of seconds or minutes, and
a key older than that is treated as new. Each time a user stores an answer, their expired keys are
deleted in the same transaction, so the table holds at most a day of each user's bookings.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from caseload.extensions import db
from caseload.models import IdempotencyKey, utcnow

KEEP = timedelta(hours=24)


def stored(user_id: int, key: str | None, now: datetime | None = None) -> IdempotencyKey | None:
    """The answer kept for (user, key), or None (none, or older than KEEP)."""
    if key is None:
        return None
    cutoff = (now or utcnow()) - KEEP
    return db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
                                                          IdempotencyKey.created_at >= cutoff))


def remember(user_id: int, key: str, fingerprint: str, status: int, body: dict, now: datetime | None = None) -> None:
    """Add the first answer to (user, key) to the current transaction, dropping the user's expired keys first
    (an expired row with the same key included, so the unique (user, key) holds)."""
    now = now or utcnow()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                    IdempotencyKey.created_at < now - KEEP))
    db.session.add(IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint, status=status, body=body,
                                  created_at=now))
