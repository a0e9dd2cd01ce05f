"""A form whose security (CSRF) token no longer matches keeps what was typed.

The token lives as long as the session; it stops matching when the session changed under an open page:
signed out and in again in another tab, the session cookie gone with a browser restart, the server's key
changed. The site-wide check (Flask-WTF's CSRFProtect) then answered a bare 400 page, and a note or a
reason being written was lost.

A view marked @keeps_typed_text is run once more for the refused post (caseload.auth.kept_text.rerun_view,
called by the CSRF error handler), marked expired (FLAG): its form fails validation
(caseload.forms.Form.validate adds EXPIRED to the token field), and the view shows the page again with what
was typed, as for any invalid form (400). Nothing is saved: only views whose every change follows a
successful form validation are marked (tests/web/test_form_expiry.py checks each one, and
tests/web/test_security_sessions.py that every form route still refuses a post without a token).

When the session has ended (nobody is signed in), the view cannot run: the sign-in page is shown instead,
carrying what was typed to the form's page after sign-in (caseload/auth/kept_text.py). This module holds only
the marking and the flag, so the forms (caseload.forms) can read it without importing the sign-in's parts.
"""
from __future__ import annotations

from flask import has_request_context, request

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
