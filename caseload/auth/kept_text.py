"""The refused post's second run, and the typed text kept across a sign-in (caseload/form_expiry.py says why).

rerun_view answers the CSRF error for a view marked @keeps_typed_text. When the session has ended (nobody is
signed in), the view cannot run: the sign-in page is shown instead, carrying the posted fields as hidden fields
(KEPT_PREFIX, and the form's path in KEPT_PATH) in the page only, never in a URL or the session cookie. Signing
in from it shows the form's page again, run as an expired post with the carried fields (show_kept_form): the
text is back, with a fresh token, and nothing is saved until it is sent.

Here, in caseload.auth, rather than in caseload.form_expiry: it needs the sign-in form (caseload.auth.forms),
which is built on caseload.forms, which reads caseload.form_expiry.
"""
from __future__ import annotations

from flask import current_app, flash, render_template, request, session
from flask.ctx import RequestContext
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.test import EnvironBuilder

from caseload import security
from caseload.auth.access import PUBLIC_ATTR
from caseload.auth.forms import LoginForm
from caseload.form_expiry import FLAG, KEEPS_ATTR

KEPT_PATH = "kept_path"  # the sign-in form's hidden field: the path of the form whose text it carries
KEPT_PREFIX = "kept-"  # before each carried field's name, so a form's "username" is not the sign-in's
# Never carried into a page: the token (a fresh one is made) and passwords (the admin's initial password, the
# password form; a PasswordField is never shown again either).
NEVER_CARRIED = frozenset({"csrf_token", "password", "current", "new"})
SIGN_IN_FIRST = ("Your session had ended, so nothing was saved. Sign in again: what you typed is kept and shown "
                 "again on its form, to check and send.")
SIGNED_IN_KEPT = "You are signed in. What you typed before your session ended is below: nothing was saved yet."


def rerun_view():
    """The marked view's answer to the refused post (its form invalid: EXPIRED), or None for any other view.

    The request's own checks that ran after the token check would have come first (forget_cached_user,
    deny_by_default, refuse_nul_characters): they run here before the view."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None or not getattr(view, KEEPS_ATTR, False):
        return None
    request.environ[FLAG] = True
    try:
        for check in (security.forget_cached_user, security.deny_by_default, security.refuse_nul_characters):
            answer = check()
            if answer is not None:
                return answer
        if not current_user.is_authenticated and not _public(view):
            return _sign_in_keeping_text()  # the view would send to sign-in and the text would be lost
        return current_app.make_response(current_app.ensure_sync(view)(**(request.view_args or {})))
    except HTTPException as err:  # a 404 or 403 from the view: the usual error page
        return current_app.handle_http_exception(err)


def _public(view) -> bool:
    return bool(getattr(view, PUBLIC_ATTR, False))


def _carried(source, prefix: str = "") -> MultiDict:
    """The fields of `source` (a MultiDict) named with `prefix`, without it, but NEVER_CARRIED ones."""
    return MultiDict([(key[len(prefix):], value) for key, values in source.lists() if key.startswith(prefix)
                      and key[len(prefix):] not in NEVER_CARRIED for value in values])


def _sign_in_keeping_text():
    """The sign-in page (401) for a marked view's post after the session ended, carrying what was posted."""
    flash(SIGN_IN_FIRST, "error")
    kept = [(KEPT_PREFIX + key, value) for key, values in _carried(request.form).lists() for value in values]
    return current_app.make_response((render_template("auth/login.html", form=LoginForm(formdata=None),
                                                      kept_path=request.path, kept=kept), 401))


def show_kept_form():
    """Just after sign-in (auth.login): the page of the form whose text the sign-in form carried (KEPT_PATH, a
    marked view's path), run as an expired post with the carried fields, or None when nothing (valid) was
    carried. Runs inside the sign-in request, with its session, so the page's new token is the new session's."""
    path = request.form.get(KEPT_PATH, "")
    if not path.startswith("/") or path.startswith("//"):
        return None
    try:
        endpoint, _ = current_app.url_map.bind_to_environ(request.environ).match(path, method="POST")
    except HTTPException:
        return None
    view = current_app.view_functions.get(endpoint)
    if not getattr(view, KEEPS_ATTR, False) or _public(view):
        return None
    # The same address and browser, so Flask-Login's session protection sees the same session.
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in ("content-type", "content-length")]
    environ = EnvironBuilder(path, base_url=request.host_url, method="POST", headers=headers,
                             data=_carried(request.form, KEPT_PREFIX),
                             environ_base={"REMOTE_ADDR": request.remote_addr}).get_environ()
    # The signed-in session itself, so the page's new token is the new session's and the sign-in request saves it.
    inner = RequestContext(current_app._get_current_object(), environ, session=session._get_current_object())
    flash(SIGNED_IN_KEPT, "success")
    with inner:
        return rerun_view()
