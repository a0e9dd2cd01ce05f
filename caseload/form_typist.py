"""Who a form was shown to: a signed stamp rendered beside every form's security token, so a post refused
after the session ended (caseload/auth/kept_text.py) still says whose text it carries.

The stamp is the user's id signed with the app's secret key (itsdangerous, its own salt) and dated: it proves
the form was shown to that user, not by whom it is sent. A post whose stamp is missing, forged, older than
STAMP_MAX_AGE_S or of another user than the one signed in has its text dropped, never shown to someone else.
"""
from __future__ import annotations

from flask import current_app
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup, escape

FIELD = "typist"  # the hidden field's name; never carried with the kept text
SALT = "caseload.form-typist"
STAMP_MAX_AGE_S = 12 * 3600  # a page left open for a working day may still keep its text


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def stamp(user_id: int) -> str:
    """The signed, dated stamp naming `user_id` (a URL-safe string of about 40 characters)."""
    return _serializer().dumps(user_id)


def stamp_field() -> Markup:
    """The hidden input carrying the stamp of who is signed in ('' for nobody): rendered beside every form's
    security token, by Flask-WTF forms (caseload/forms.py) and by hand-written ones through the template global
    `typist_field` (templates/macros.html, csrf_fields)."""
    if not (current_user and current_user.is_authenticated):
        return Markup("")
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(stamp(current_user.id))}">')


def init_app(app) -> None:
    """Give templates `typist_field()` (stamp_field), for forms written by hand with `csrf_token()`."""
    app.add_template_global(stamp_field, "typist_field")


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
