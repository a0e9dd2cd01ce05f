"""A form that adds something is saved once: a double click, the browser's back-and-resend or a retry
after a lost answer finds the first send's answer instead of adding a twin (a second absence, note or
request).

Each such form carries a one-time `submission` token, made when the form is shown (`Once`). The view
claims the token in the same transaction as the write (`claim`): the token is stored with the JSON API's
Idempotency-Keys (services/desk/idempotency.py: unique per user, kept 24 hours), so the guarantee lives in the database and holds
across processes; two sends at the same moment meet at that unique row and only one saves. A claim made by
a save that is then refused is rolled back with it, so the corrected form can still be sent.

A repeated send raises `AlreadySaved`; the app answers it (caseload/errors.py) by redirecting to where the
first send went, with a message that nothing was added again.
"""
from __future__ import annotations

import hashlib
import re
import secrets

from flask import request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField

from caseload.extensions import db
from caseload.services.desk import idempotency

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
PREFIX = "form:"  # keeps form tokens apart from the API's Idempotency-Keys in the same table
MESSAGE = "That form was sent twice: it was saved once, and nothing was added again."


class AlreadySaved(Exception):
    """This form's token was claimed by an earlier send; `location` is where that send went (a URL path)."""

    def __init__(self, location: str):
        super().__init__(MESSAGE)
        self.location = location


class Once:
    """Mixin for a Form that adds something: a hidden one-time `submission` token (render `{{ form.submission }}`)."""

    submission = HiddenField(default=lambda: secrets.token_urlsafe(18))


def claim(form, location: str) -> None:
    """Claim `form`'s token for the current transaction, before the write it guards.

    `location`: where a repeated send is sent back to (the page the first send's answer redirects to).
    Flushes at once, so a send racing this one waits at the unique row and then finds it. A form without
    a usable token (a page cached from before tokens existed) is not guarded. Raises AlreadySaved.
    """
    token = getattr(getattr(form, "submission", None), "data", None) or ""
    if not TOKEN.fullmatch(token):
        return
    path = hashlib.sha256(request.path.encode()).hexdigest()
    # The path is part of the key: a token sent to another form's URL is not that form's repeat.
    key = f"{PREFIX}{token}:{path[:16]}"
    # A token claimed before session 13 was kept as PREFIX + token, its URL's hash the fingerprint (as now): its
    # repeat to that URL is still caught, one sent to another form's URL still saves there.
    if (first := idempotency.stored_either(current_user.id, key, PREFIX + token, path)) is not None:
        raise AlreadySaved(first.body.get("location") or location)
    idempotency.remember(current_user.id, key, path, 303, {"location": location})
    try:
        db.session.flush()
    except IntegrityError:  # the other send committed first; nothing else of ours is in this transaction yet
        db.session.rollback()
        first = idempotency.stored(current_user.id, key)
        raise AlreadySaved(first.body.get("location") if first is not None else location) from None
