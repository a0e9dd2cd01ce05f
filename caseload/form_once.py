"""A form that adds something is saved once: a double click, the browser's back-and-resend or a retry
after a lost answer finds the first send's answer instead of adding a twin (a second absence, note or
request).

Each such form carries a one-time `submission` token, made when the form is shown (`Once`). The view
claims the token in the same transaction as the write (`claim`): the token is stored with the JSON API's
Idempotency-Keys (services/desk/idempotency.py: unique per user, kept 24 hours), so the guarantee lives in the database and holds
across processes; two sends at the same moment meet at that unique row and only one saves. A claim made by
a save that is then refused is rolled back with it, so the corrected form can still be sent.

A repeated send raises `AlreadySaved`; the app answers it (caseload/errors.py) by redirecting to where the
first send went, with a message that nothing was added again. The claim keeps a fingerprint of what was sent
(`entries`: the form's fields but its tokens): a send of the same token with other entries (Back to the form,
another client and windows, Send) is no repeat but a new entry on a used form, `UsedAgain`; the app shows the
form again with what was typed, a fresh token and words saying it was NOT saved (caseload/errors.py), so it can
be sent as the new entry it is, never dropped without a word.
"""
from __future__ import annotations

import hashlib
import re
import secrets

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from wtforms import HiddenField

from caseload.extensions import db
from caseload.models import IdempotencyKey
from caseload.services.desk import idempotency

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
PREFIX = "form:"  # keeps form tokens apart from the API's Idempotency-Keys in the same table
MESSAGE = "That form was sent twice: it was saved once, and nothing was added again."


class AlreadySaved(Exception):
    """This form's token was claimed by an earlier send; `location` is where that send went (a URL path)."""

    def __init__(self, location: str):
        super().__init__(MESSAGE)
        self.location = location


USED_AGAIN = ("This form had already been used to save an earlier entry (you went Back to it and changed it), so "
              "the entries below were NOT saved. They are kept as you typed them: check them and send the form "
              "again to save them as a new entry.")
USED_FLAG = "caseload.form_used_again"  # in the request's environ, as form_expiry.FLAG


class UsedAgain(Exception):
    """This form's token was claimed by an earlier send with other entries: this send saved nothing."""

    def __init__(self):
        super().__init__(USED_AGAIN)


def used_again() -> bool:
    """Whether this request is the view run again for a UsedAgain send (its form then fails validation)."""
    return has_request_context() and bool(request.environ.get(USED_FLAG))


class Once:
    """Mixin for a Form that adds something: a hidden one-time `submission` token (render `{{ form.submission }}`)."""

    submission = HiddenField(default=lambda: secrets.token_urlsafe(18))


def claim(form, location: str) -> IdempotencyKey | None:
    """Claim `form`'s token for the current transaction, before the write it guards; returns the claim (for
    `point_to`), None for a form without a usable token (a page cached from before tokens existed): not guarded.

    `location`: where a repeated send is sent back to (the page the first send's answer redirects to).
    Flushes at once, so a send racing this one waits at the unique row and then finds it. Raises AlreadySaved,
    UsedAgain.
    """
    token = getattr(getattr(form, "submission", None), "data", None) or ""
    if not TOKEN.fullmatch(token):
        return None
    path = hashlib.sha256(request.path.encode()).hexdigest()
    # The path is part of the key: a token sent to another form's URL is not that form's repeat.
    key = f"{PREFIX}{token}:{path[:16]}"
    # A token claimed before session 13 was kept as PREFIX + token, its URL's hash the fingerprint (as now): its
    # repeat to that URL is still caught, one sent to another form's URL still saves there.
    sent = entries(form, path)
    if (first := idempotency.stored_either(current_user.id, key, PREFIX + token, path)) is not None:
        _repeat(first, sent, path, location)
    claimed = idempotency.remember(current_user.id, key, sent, 303, {"location": location})
    try:
        db.session.flush()
    except IntegrityError:  # the other send committed first; nothing else of ours is in this transaction yet
        db.session.rollback()
        first = idempotency.stored(current_user.id, key)
        if first is None:
            raise AlreadySaved(location) from None
        _repeat(first, sent, path, location)
    return claimed


def point_to(claimed: IdempotencyKey, location: str) -> None:
    """After a save that committed (with its claim, `claimed`): a repeated send goes to `location`, the record it
    saved, whose address was not known when the token was claimed (an administrator's new user, team, skill,
    advisor or appointment type). Committed on its own; should it fail, a repeat goes to the claim's location."""
    try:
        claimed.body = {"location": location}
        db.session.commit()
    except SQLAlchemyError:  # the record is saved: a lost pointer only sends a repeat to the claim's location
        db.session.rollback()


def _repeat(first, sent: str, path: str, location: str):
    """AlreadySaved when the `first` claim of this token was sent with the same entries (`sent`: entries()), or by
    a claim that kept only its URL's hash `path` (made before entries were fingerprinted: taken as the same);
    else UsedAgain."""
    if first.fingerprint not in (sent, path):
        raise UsedAgain()
    raise AlreadySaved(first.body.get("location") or location)


def entries(form, path: str) -> str:
    """SHA-256 (hex) of the URL's hash and what `form` was sent with: each field's raw values but the CSRF and
    one-time tokens (a file's content, read and rewound), in field order."""
    digest = hashlib.sha256(path.encode())
    for field in form:
        if field.name in ("csrf_token", "submission"):
            continue
        digest.update(b"\x00" + field.name.encode())
        for value in field.raw_data or []:
            if isinstance(value, str):
                digest.update(b"\x01" + value.encode("utf-8", "surrogatepass"))
            elif hasattr(value, "stream"):  # an uploaded file
                digest.update(b"\x02" + value.stream.read())
                value.stream.seek(0)
    return digest.hexdigest()
