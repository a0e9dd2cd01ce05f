"""A signed-in user's own API token: issue it (shown once), see whether they hold one, revoke it.

Every role may use the API (each endpoint scopes its data to the caller), so every role may hold a token.
Administrators revoke other people's tokens from the users page (admin.revoke_user_api_token).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from caseload.auth.blueprint import bp
from caseload.auth.forms import ConfirmForm
from caseload.auth.access import role_required
from caseload.models import Role
from caseload.services.people import api_tokens
from caseload.services.people.users import zone_of

ALL_ROLES = tuple(Role)
CONFIRMED = "revoke"  # the in-page question's own button value: only it revokes


def _page(new_token: str | None = None, revoking: bool = False):
    """The token page; `revoking` shows the question before the token is revoked."""
    has_token = current_user.api_token_hash is not None
    issued = api_tokens.issued_at([current_user.id]).get(current_user.id) if has_token else None
    return render_template("auth/api_token.html", form=ConfirmForm(), has_token=has_token, issued=issued,
                           zone=zone_of(current_user), new_token=new_token, revoking=revoking, confirmed=CONFIRMED)


@bp.get("/account/api-token")
@role_required(*ALL_ROLES)
def api_token():
    return _page()


@bp.post("/account/api-token")
@role_required(*ALL_ROLES)
def issue_api_token():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = api_tokens.issue_api_token(current_user, by=current_user)
    # Rendered into this response only (never flashed: the session cookie is not the place for it), so
    # reloading the page shows that a token exists but not the token.
    return _page(new_token=token)


@bp.post("/account/api-token/revoke")
@role_required(*ALL_ROLES)
def revoke_api_token():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != CONFIRMED and current_user.api_token_hash is not None:
        return _page(revoking=True)  # asks first, in the page (it was a script-only dialog); nothing revoked yet
    if api_tokens.revoke_api_token(current_user, by=current_user):
        flash("Your API token is revoked; programs using it are refused from now on.", "success")
    else:
        flash("You had no API token.", "info")
    return redirect(url_for("auth.api_token"))
