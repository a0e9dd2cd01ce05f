"""Text typed on a form whose session had ended, kept on the server for the person it was shown to.

keep() stores the fields of the refused post for (user, form path) and gives back a random key, which the
sign-in page carries (only its SHA-256 is stored, so the table alone cannot show a text). take() gives them
back once, to that user only: a key taken by anyone else, or older than KEEP (30 minutes), is deleted and
gives nothing. forget() deletes a user's kept texts (on sign-out). Each keep() first deletes every expired row.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from caseload.extensions import db
from caseload.models import KeptText, utcnow

KEEP = timedelta(minutes=30)
MOST_PER_USER = 10  # a few tabs' worth; the oldest go first


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def keep(user_id: int, path: str, fields: list[tuple[str, str]], now: datetime | None = None) -> str:
    """Store `fields` ([(name, value)]) posted to `path` by the form shown to `user_id`; the key to take them."""
    now = now or utcnow()
    db.session.execute(delete(KeptText).where(KeptText.created_at < now - KEEP))
    older = db.session.scalars(select(KeptText.id).where(KeptText.user_id == user_id)
                               .order_by(KeptText.created_at.desc(), KeptText.id.desc())
                               .offset(MOST_PER_USER - 1)).all()
    if older:
        db.session.execute(delete(KeptText).where(KeptText.id.in_(older)))
    key = secrets.token_urlsafe(32)
    db.session.add(KeptText(key_hash=_hash(key), user_id=user_id, path=path,
                            fields=[[name, value] for name, value in fields], created_at=now))
    db.session.commit()
    return key


def take(key: str, user_id: int, now: datetime | None = None) -> tuple[str, list[tuple[str, str]]] | None:
    """(path, fields) kept under `key` for `user_id`, deleted as it is given; None when there is none, it is
    older than KEEP, or it was kept for someone else (then it is deleted all the same: it is never shown)."""
    if not key or len(key) > 100:
        return None
    row = db.session.scalar(select(KeptText).where(KeptText.key_hash == _hash(key)))
    if row is None:
        return None
    fresh = row.created_at >= (now or utcnow()) - KEEP
    found = (row.path, [(name, value) for name, value in row.fields]) if row.user_id == user_id and fresh else None
    db.session.delete(row)
    db.session.commit()
    return found


def forget(user_id: int) -> None:
    """Delete every text kept for `user_id` (they signed out: the next person at the browser may be anyone)."""
    db.session.execute(delete(KeptText).where(KeptText.user_id == user_id))
    db.session.commit()
