"""Who a form was shown to: a signed stamp rendered beside every form's security token, so a post refused
after the session ended (caseload/auth/kept_text.py) still says whose text it carries.

The stamp is the user's id signed with the app's secret key (itsdangerous, its own salt) and dated: it proves
the form was shown to that user, not by whom it is sent. A post whose stamp is missing, forged, older than
STAMP_MAX_AGE_S or of another user than the one signed in has its text dropped, never shown to someone else.
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

FIELD = "typist"  # the hidden field's name; never carried with the kept text
SALT = "caseload.form-typist"
STAMP_MAX_AGE_S = 12 * 3600  # a page left open for a working day may still keep its text


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def stamp(user_id: int) -> str:
    """The signed, dated stamp naming `user_id` (a URL-safe string of about 40 characters)."""
    return _serializer().dumps(user_id)


def typist(posted) -> int | None:
    """The user id the posted form (a MultiDict) was shown to, or None: no stamp, a forged one or a stale one."""
    raw = posted.get(FIELD, "")
    if not raw or len(raw) > 200:
        return None
    try:
        user_id = _serializer().loads(raw, max_age=STAMP_MAX_AGE_S)
    except BadSignature:  # SignatureExpired derives from it
        return None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None
