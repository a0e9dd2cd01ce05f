"""Sessions, default-deny and security headers."""
from __future__ import annotations

from flask import abort, current_app, g, request
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from caseload.auth.access import PUBLIC_ATTR, ROLES_ATTR
from caseload.extensions import db, login_manager
from caseload.models import User
from caseload.services.people.api_tokens import hash_api_token
from caseload.values import MAX_INT

MAX_ID = MAX_INT  # the largest value of an INTEGER column (ids, versions)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def _is_api(req) -> bool:
    return req.path.startswith("/api/")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    # The API takes bearer tokens only: a browser's session cookie there would let another
    # site's form post on the user's behalf (the API has no CSRF token).
    if _is_api(request):
        return None
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
    if not header.startswith("Bearer ") or not _is_api(req):
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
    if response.status_code == 401 and _is_api(request):
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="caseload"')
    return response


def forget_cached_user():
    """Load the user afresh for every request.

    Flask-Login caches the user in `g`, which lives as long as the app context. A request normally
    gets its own context, but one pushed around several requests (tests, scripts) would otherwise
    carry a signed-out or token user into the next request, and the form token made for another session.
    """
    g.pop("_login_user", None)
    g.pop("csrf_token", None)  # Flask-WTF's token of this request's session, made on first use


def digits_up_to(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit (leading zeros allowed), e.g. 0..2**31-1."""
    text = str(limit)
    parts = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        rest = len(text) - i - 1
        if rest == 0:
            parts.append(f"{text[:i]}[0-{digit}]")
        elif digit != "0":
            parts.append(f"{text[:i]}[0-{int(digit) - 1}]" + (rf"\d{{{rest}}}"))
    return "(?:" + "|".join(parts) + ")"


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in routes: ids beyond what the database's integer columns hold are simply "not found"
    (PostgreSQL would otherwise fail the query with an out-of-range error, a 500).

    The bound is in the pattern, not only in to_python: Werkzeug's router counts a rule whose pattern
    matched but whose method did not as "method not allowed" before it converts, so `PATCH /clients/<2**64>`
    answered 405 (allowing GET) while `GET` of the same URL answered 404."""

    regex = digits_up_to(MAX_ID)

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        self.regex = digits_up_to(max if max is not None else MAX_ID)


# Fields whose NUL is kept for the form to refuse, not taken out: credentials. Taking it out of "ad\0min" signed
# in as admin (and created the account "newuser" from "new\0user") without a word; a username with a control
# character is refused naming the field (forms.PlainText, users.create_user), a password with one never matches.
KEEP_NUL = frozenset({"username", "password", "current", "new"})
# Posted fields (not query parameters) that name a client by its reference: taken out, "N0001\0" found and saved
# for N0001 without a word (the leader's request form), or a new client saved as N0001. Their forms refuse a control
# character naming the field (forms.PlainText), the typed text shown again. A query parameter `client` (the review
# page's filter) still loses its NUL: it is searched, never saved.
KEEP_NUL_POSTED = KEEP_NUL | {"client", "reference"}


def _without_nul(source, keep: frozenset = KEEP_NUL):
    """`source` (a MultiDict) with NUL characters taken out of every value (but those of the fields `keep`), or
    None when there are none to take out."""
    if not any("\x00" in key or (key not in keep and any("\x00" in value for value in values))
               for key, values in source.lists()):
        return None
    return ImmutableMultiDict([(key.replace("\x00", ""), value if key in keep else value.replace("\x00", ""))
                               for key, values in source.lists() for value in values])


def refuse_nul_characters():
    """Text with a NUL character cannot be stored in PostgreSQL (and is never typed on purpose).

    Pages and their forms: the NUL characters are taken out of the query string and the posted fields before
    any view reads them, so what a person typed (a note, a reason) is kept and saved without them; aborting
    here lost it. Credentials (KEEP_NUL) keep theirs, and so do posted client references (KEEP_NUL_POSTED):
    their forms refuse them by name. The JSON API: a 400 naming each query parameter at fault (its JSON bodies are checked by
    api.schemas.body, a 422 naming the field)."""
    form = request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data")
    if _is_api(request):
        sources = [request.args] + ([request.form] if form else [])
        fields = {key.replace("\x00", "\\0"): ["contains a NUL character (\\0), which cannot be stored"]
                  for source in sources for key, values in source.lists() if any("\x00" in v for v in [key, *values])}
        if fields:
            return {"error": "Bad Request", "message": "A NUL character (\\0) cannot be stored: "
                    + ", ".join(fields) + ".", "fields": fields}, 400
        return None
    if (args := _without_nul(request.args)) is not None:
        request.args = args
    if form and (posted := _without_nul(request.form, KEEP_NUL_POSTED)) is not None:
        request.form = posted
    return None


def init_app(app) -> None:
    # Before any blueprint is registered, so every `<int:...>` route is bounded.
    app.url_map.converters["int"] = BoundedIntConverter
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "basic"
    login_manager.blueprint_login_views = {"api": None}  # the API answers 401, not a login redirect
    app.before_request(forget_cached_user)
    app.before_request(deny_by_default)
    app.before_request(refuse_nul_characters)
    app.after_request(security_headers)
