"""The refused post's second run, and the typed text kept across a sign-in (caseload/form_expiry.py says why).

rerun_view answers the CSRF error for a view marked @keeps_typed_text. Every form carries a stamp naming the
user it was shown to (caseload/form_typist.py); the text goes back only to that user:

- Someone is signed in: the view runs again with the posted text only when the stamp names them. A form shown
  to someone else (they signed out and another person signed in on this browser), or to nobody (no stamp), gets
  the bare refusal (caseload/errors.py): its text is never shown to whoever is signed in now.
- Nobody is signed in (the session ended): the view cannot run, so the sign-in page is shown instead. The text
  is kept on the server (services/people/kept_texts: bound to the stamp's user and the form's path, for 30
  minutes) and the page carries only a random key (KEPT_KEY), never the text, in no URL and not in the session
  cookie. Signing in from it as that user shows the form's page again, run as an expired post with the kept
  fields (show_kept_form): the text is back, with a fresh token, and nothing is saved until it is sent. Signing
  in as anyone else deletes it unseen; so does signing out (auth.logout), and a post without a valid stamp is
  never kept. Nor is a post to a path the kept_texts.path column cannot hold (keepable_path): that post gets the
  sign-in page all the same, without the text.

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

from caseload import form_typist, security
from caseload.auth.access import PUBLIC_ATTR
from caseload.auth.forms import LoginForm
from caseload.form_expiry import FLAG, KEEPS_ATTR
from caseload.models import KeptText
from caseload.services.people import kept_texts

KEPT_KEY = "kept"  # the sign-in form's hidden field: the key of the text kept on the server
# Never kept: the token (a fresh one is made), the typist's stamp (checked, then made afresh) and passwords (the
# admin's initial password, the password form; a PasswordField is never shown again either).
NEVER_CARRIED = frozenset({"csrf_token", form_typist.FIELD, "password", "current", "new"})
SIGN_IN_FIRST = ("Your session had ended, so nothing was saved. Sign in again: what you typed is kept for 30 "
                 "minutes and shown again on its form, to you only, to check and send.")
SIGN_IN_LOST = "Your session had ended, so nothing was saved. Sign in again to continue."
SIGNED_IN_KEPT = "You are signed in. What you typed before your session ended is below: nothing was saved yet."
PATH_MOST = KeptText.__table__.c.path.type.length  # characters (2000): PostgreSQL refuses a longer one (DataError)


def rerun_view(flag: str = FLAG):
    """The marked view's answer to the refused post (its form invalid: EXPIRED, or form_once.USED_AGAIN with
    `flag` form_once.USED_FLAG), or None for any other view.

    The request's own checks that ran after the token check would have come first (forget_cached_user,
    deny_by_default, refuse_nul_characters): they run here before the view."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None or not getattr(view, KEEPS_ATTR, False):
        return None
    request.environ[flag] = True
    try:
        for check in (security.forget_cached_user, security.deny_by_default, security.refuse_nul_characters):
            answer = check()
            if answer is not None:
                return answer
        if not current_user.is_authenticated and not _public(view):
            return _sign_in_keeping_text()  # the view would send to sign-in and the text would be lost
        if current_user.is_authenticated and not _public(view) and form_typist.typist(request.form) != current_user.id:
            return None  # not a form shown to who is signed in now: the bare refusal, the text never shown
        return current_app.make_response(current_app.ensure_sync(view)(**(request.view_args or {})))
    except HTTPException as err:  # a 404 or 403 from the view: the usual error page
        return current_app.handle_http_exception(err)


def _public(view) -> bool:
    return bool(getattr(view, PUBLIC_ATTR, False))


def _carried(source) -> list[tuple[str, str]]:
    """The fields of `source` (a MultiDict) worth keeping, as (name, value) pairs: all but NEVER_CARRIED."""
    return [(key, value) for key, values in source.lists() if key not in NEVER_CARRIED for value in values]


def _sign_in_keeping_text():
    """The sign-in page (401) for a marked view's post after the session ended, with the key of what was posted,
    kept for the user the form was shown to (nothing is kept without a valid stamp)."""
    typist = form_typist.typist(request.form)
    keep = typist is not None and keepable_path(request.path)
    key = kept_texts.keep(typist, request.path, _carried(request.form)) if keep else None
    flash(SIGN_IN_FIRST if key else SIGN_IN_LOST, "error")
    return current_app.make_response((render_template("auth/login.html", form=LoginForm(formdata=None),
                                                      kept_key=key), 401))


def keepable_path(path: str) -> bool:
    """Whether the text posted to `path` can be kept: at most PATH_MOST characters and no NUL, which PostgreSQL
    cannot store (a 500 otherwise). Every form that keeps typed text has a short path; a longer one is a made-up
    address (an unbounded segment such as a week's), whose text is not worth a refused write."""
    return len(path) <= PATH_MOST and "\x00" not in path


def show_kept_form():
    """Just after sign-in (auth.login): the page of the form whose text the sign-in form's KEPT_KEY names, run as
    an expired post with the kept fields, or None when nothing was kept for this user (none, expired, another
    person's: deleted unseen). Runs inside the sign-in request, with its session, so the page's new token is
    the new session's."""
    found = kept_texts.take(request.form.get(KEPT_KEY, ""), current_user.id)
    if found is None:
        return None
    path, fields = found
    try:
        endpoint, _ = current_app.url_map.bind_to_environ(request.environ).match(path, method="POST")
    except HTTPException:
        return None
    view = current_app.view_functions.get(endpoint)
    if not getattr(view, KEEPS_ATTR, False) or _public(view):
        return None
    # The same address and browser, so Flask-Login's session protection sees the same session.
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in ("content-type", "content-length")]
    data = MultiDict([*fields, (form_typist.FIELD, form_typist.stamp(current_user.id))])
    environ = EnvironBuilder(path, base_url=request.host_url, method="POST", headers=headers, data=data,
                             environ_base={"REMOTE_ADDR": request.remote_addr}).get_environ()
    # The signed-in session itself, so the page's new token is the new session's and the sign-in request saves it.
    inner = RequestContext(current_app._get_current_object(), environ, session=session._get_current_object())
    flash(SIGNED_IN_KEPT, "success")
    with inner:
        return rerun_view()
