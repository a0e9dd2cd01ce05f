"""A form whose security (CSRF) token no longer matches keeps what was typed.

The token lives as long as the session; it stops matching when the session changed under an open page:
signed out and in again in another tab, the session cookie gone with a browser restart, the server's key
changed. The site-wide check (Flask-WTF's CSRFProtect) then answered a bare 400 page, and a note or a
reason being written was lost.

A view marked @keeps_typed_text is run once more for the refused post, marked expired (FLAG): its form
fails validation (caseload.forms.Form.validate adds EXPIRED to the token field), and the view shows the page
again with what was typed, as for any invalid form (400). Nothing is saved: only views whose every change
follows a successful form validation are marked (tests/web/test_form_expiry.py checks each one, and
tests/web/test_security_sessions.py that every form route still refuses a post without a token).
"""
from __future__ import annotations

from flask import current_app, has_request_context, request
from werkzeug.exceptions import HTTPException

KEEPS_ATTR = "_caseload_keeps_typed_text"
EXPIRED = ("This form's security token had expired (the page was open while you signed in again, or your session "
           "ended), so nothing was saved. What you typed is kept below: check it and send it again.")


def keeps_typed_text(view):
    """Mark a view (outside @role_required) as safe to run again for a post whose token had expired."""
    setattr(view, KEEPS_ATTR, True)
    return view


FLAG = "caseload.form_expired"  # in the request's environ: `g` can outlive a request (an app context around several)


def expired() -> bool:
    return has_request_context() and bool(request.environ.get(FLAG))


def rerun_view():
    """The marked view's answer to the refused post (its form invalid: EXPIRED), or None for any other view.

    The request's own checks that ran after the token check would have come first (forget_cached_user,
    deny_by_default, refuse_nul_characters): they run here before the view."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None or not getattr(view, KEEPS_ATTR, False):
        return None
    from caseload import security

    request.environ[FLAG] = True
    try:
        for check in (security.forget_cached_user, security.deny_by_default, security.refuse_nul_characters):
            answer = check()
            if answer is not None:
                return answer
        return current_app.make_response(current_app.ensure_sync(view)(**(request.view_args or {})))
    except HTTPException as err:  # a 404 or 403 from the view: the usual error page
        return current_app.handle_http_exception(err)
