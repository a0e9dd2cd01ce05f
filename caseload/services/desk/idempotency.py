"""Idempotency keys of bookings (the API's Idempotency-Key header, the desk's one-time form keys).

The first answer to (user, key) is stored in the booking's own transaction, so a retry gets it back and
never books twice. Answers are kept for KEEP (24 hours): a retry is a matter of seconds or minutes, and
a key older than that is treated as new. Each time a user stores an answer, their expired keys are
deleted in the same transaction, so the table holds at most a day of each user's bookings.

Rows written before 1 Dec 2026 (session 13) have an older form: a form's one-time token was kept as
"form:<token>" (now with its URL's hash), the desk's Book nonce as "desk-form:<nonce>" (now with the client),
and POST .../requests fingerprinted the body alone (now with the route's team and week). A retry across that
deploy must still find its row for the row's lifetime (KEEP), or it books or saves twice (a form) or gets a
422 instead of its answer (the API): `stored_either` and `same_request` accept the older form too. Rows written
since never have it. A fingerprint in the older form is accepted only from a row created before DEPLOYED_AT (a
request sent since with the body alone is no retry across the deploy), and an older-form desk nonce only for
the client its answer names (desk/views._stored). The older-form code (`stored_either`'s `older_key`,
`same_request`'s `older_fingerprint` and their callers: api/views._older_fingerprint, desk/views._stored,
form_once) can be deleted once DEPLOYED_AT + KEEP has passed, after 2026-12-02 02:38 UTC.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from caseload.extensions import db
from caseload.models import IdempotencyKey, utcnow

KEEP = timedelta(hours=24)
# Session 13's deploy: the time of the commit that changed the keys and fingerprints (d3963d5); rows created
# before it may hold the older form.
DEPLOYED_AT = datetime(2026, 12, 1, 2, 38, 31, tzinfo=timezone.utc)


def stored(user_id: int, key: str | None, now: datetime | None = None) -> IdempotencyKey | None:
    """The answer kept for (user, key), or None (none, or older than KEEP)."""
    if key is None:
        return None
    cutoff = (now or utcnow()) - KEEP
    return db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
                                                          IdempotencyKey.created_at >= cutoff))


def stored_either(user_id: int, key: str | None, older_key: str | None, older_fingerprint: str | None = None,
                  now: datetime | None = None) -> IdempotencyKey | None:
    """The answer kept for `key`, else the one kept under `older_key` (the same key as written before session 13;
    None: there was no older form), when `older_fingerprint` is None or is that row's fingerprint."""
    found = stored(user_id, key, now)
    if found is None and older_key is not None:
        found = stored(user_id, older_key, now)
        if found is not None and older_fingerprint is not None and found.fingerprint != older_fingerprint:
            return None
    return found


def same_request(row: IdempotencyKey, fingerprint: str, older_fingerprint: str | None = None) -> bool:
    """Whether `row` answers the request with `fingerprint`, or, for a row created before DEPLOYED_AT, with
    `older_fingerprint` (its fingerprint in the older form; the caller checks what that form left out)."""
    return row.fingerprint == fingerprint or (older_fingerprint is not None and row.created_at < DEPLOYED_AT
                                              and row.fingerprint == older_fingerprint)


def remember(user_id: int, key: str, fingerprint: str, status: int, body: dict,
             now: datetime | None = None) -> IdempotencyKey:
    """Add the first answer to (user, key) to the current transaction, dropping the user's expired keys first
    (an expired row with the same key included, so the unique (user, key) holds); returns the added row."""
    now = now or utcnow()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                    IdempotencyKey.created_at < now - KEEP))
    row = IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint, status=status, body=body, created_at=now)
    db.session.add(row)
    return row
