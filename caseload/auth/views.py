from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from caseload import form_expiry
from caseload.form_expiry import keeps_typed_text
from caseload.auth.blueprint import bp
from caseload.auth import kept_text
from caseload.auth.access import home_endpoint, public, role_required
from caseload.auth.forms import LoginForm, PasswordForm
from caseload.extensions import limiter
from caseload.models import Role
from caseload.services.people import accounts, kept_texts

ALL_ROLES = tuple(Role)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _password_limit() -> str:
    return current_app.config["PASSWORD_RATE_LIMIT"]


def _signed_in_user() -> str:
    # Per account, not per address: whoever holds a stolen session gets the same few guesses from anywhere.
    return f"user:{current_user.id}"


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@keeps_typed_text
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is None:
            flash("Wrong username or password.", "error")
            return render_template("auth/login.html", form=form, **_still_kept()), 401
        session.clear()  # a fresh session on login (no fixation)
        login_user(user)
        kept = kept_text.show_kept_form()  # a form's text carried across the sign-in, shown again
        return kept if kept is not None else redirect(url_for(home_endpoint(user)))
    status = 400 if request.method == "POST" else 200
    if form_expiry.expired():
        flash(form_expiry.EXPIRED, "error")
    return render_template("auth/login.html", form=form, **_still_kept()), status


def _still_kept() -> dict:
    """A refused sign-in keeps carrying the key of the text kept from the form that expired (kept_text)."""
    key = request.form.get(kept_text.KEPT_KEY, "") if request.method == "POST" else ""
    return {"kept_key": key} if key and len(key) <= 100 else {}


@bp.post("/logout")
@role_required(*ALL_ROLES)
def logout():
    accounts.end_all_sessions(current_user)
    kept_texts.forget(current_user.id)  # the next person at this browser may be anyone
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@keeps_typed_text
@role_required(*ALL_ROLES)
@login_required
@limiter.limit(_password_limit, methods=["POST"], key_func=_signed_in_user)
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            token_ended = accounts.change_password(current_user, form.current.data, form.new.data)
        except accounts.PasswordRejected as err:
            flash(str(err), "error")
            return render_template("auth/password.html", form=form, has_token=current_user.api_token_hash is not None), 400
        login_user(current_user._get_current_object())  # keep this session, with the new version
        flash("Password changed. Other sessions have been signed out"
              + ("; your API token has ended: issue a new one on the API token page." if token_ended else "."), "info")
        return redirect(url_for(home_endpoint(current_user)))
    if form_expiry.expired():
        flash(form_expiry.EXPIRED, "error")
        return render_template("auth/password.html", form=form, has_token=current_user.api_token_hash is not None), 400
    return render_template("auth/password.html", form=form, has_token=current_user.api_token_hash is not None)
