"""Administrators: users, teams, skills, advisors and appointment types.

Weights and the what-if are in weights_views.py, reports in report_views.py, the audit log in audit_views.py.
A refused change re-shows the form with status 400 and the message under the field at fault.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from caseload.form_expiry import keeps_typed_text
from caseload.admin.blueprint import bp
from caseload.admin.forms import (
    NONE, AdvisorForm, AppointmentTypeForm, NewAdvisorForm, NewAppointmentTypeForm, NewSkillForm, NewTeamForm,
    SkillForm, TeamForm, UserCreateForm, UserEditForm,
)
from caseload.auth.access import role_required
from caseload.auth.forms import ConfirmForm
from caseload.extensions import db
from caseload.models import Advisor, AppointmentType, Client, Role, Skill, Team, User
from caseload.page_helpers import form_version, list_query, submit, whole_arg
from caseload.services.people import admin_lists, admin_saves, advisor_admin, code_admin, team_admin, user_admin
from caseload.services.people import api_tokens
from caseload.values import whole_number

ADMIN = Role.ADMIN
ROLES = {r.value for r in Role}


def get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def save_form(form, save, adding: str | None = None):
    """What `save()` saved, or None (already shown) when the form is invalid or refused.

    A refused save may have changed objects already, so those changes are rolled back. `adding`: for a form that
    adds a record, the endpoint of the record's own page (a key of ADDED): its one-time token makes a repeated send
    (a double click, a resend) go to that page saying it was saved once, not "already taken" (caseload.form_once);
    a used form sent with other entries is shown again as typed, NOT saved (409).
    """
    if adding is None:
        return submit(form, save, admin_saves.AdminError, rollback=True)
    id_arg, listed = ADDED[adding]
    return submit(form, save, admin_saves.AdminError, rollback=True, once=url_for(listed),
                  saved_at=lambda saved: url_for(adding, **{id_arg: saved.id}))


# Each page a new record is shown on (save_form's `adding`): its id argument, and the list a repeated send goes
# to should the record's address not have been kept (form_once.point_to).
ADDED = {"admin.edit_user": ("user_id", "admin.users"), "admin.teams": ("team_id", "admin.teams"),
         "admin.skills": ("skill_id", "admin.skills"), "admin.edit_advisor": ("advisor_id", "admin.advisors"),
         "admin.types": ("type_id", "admin.types")}


def render_form(template: str, form, status: int = 200, **context):
    return render_template(template, form=form, **context), status


@bp.get("/")
@role_required(ADMIN)
def home():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "teams": db.session.scalar(select(func.count(Team.id))),
        "advisors": db.session.scalar(select(func.count(Advisor.id))),
        "clients": db.session.scalar(select(func.count(Client.id))),
    }
    return render_template("admin/home.html", counts=counts)


# --- users ----------------------------------------------------------------------------------------

def _advisor_choices(user: User, posted: str | None = None):
    """The advisor records `user` can be linked to: the free ones and their own. `posted` (the id a form sent) is
    offered too when it names one linked to another account since the form was opened, so the save refuses it
    naming that account (user_admin.update_user) and the form shows it again as chosen, not "Not a valid choice"."""
    posted_id = whole_number(posted)
    shown = [a for a in admin_lists.all_advisors() if a.user_id in (None, user.id) or a.id == posted_id]
    return [SelectChoice(NONE, "— none —")] + [SelectChoice(a.id, f"{a.name} ({a.team.name})") for a in shown]


@bp.route("/users", methods=["GET", "POST"])
@keeps_typed_text
@role_required(ADMIN)
def users():
    form = UserCreateForm()
    status = 200
    if request.method == "POST":
        user = save_form(form, lambda: user_admin.add_user(form.username.data, form.display_name.data,
                                                      Role(form.role.data), form.password.data, by=current_user),
                         adding="admin.edit_user")
        if user is not None:
            flash(f"Account {user.username} created.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
        status = 400
    return _users_page(form, status)


REVOKE_CONFIRMED = "revoke"  # the in-page question's own button value: only it revokes


def _users_page(form, status: int = 200, revoking: User | None = None):
    """The users list; `revoking` shows the question before that user's API token is revoked."""
    status_arg = request.args.get("status")
    query = list_query((), role=request.args.get("role") if request.args.get("role") in ROLES else None,
                       status=status_arg if status_arg in ("active", "inactive") else None)
    listing = admin_lists.user_list(query)
    token_issued = api_tokens.issued_at(u.id for u in listing.rows if u.api_token_hash is not None)
    return render_form("admin/users.html", form, status, listing=listing, query=query, roles=list(Role),
                       token_issued=token_issued, confirm=ConfirmForm(), revoking=revoking,
                       confirmed=REVOKE_CONFIRMED)


@bp.post("/users/<int:user_id>/api-token/revoke")
@role_required(ADMIN)
def revoke_user_api_token(user_id):
    """Withdraw anyone's API token (a leaked token, someone leaving); issuing stays with the holder."""
    user = get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != REVOKE_CONFIRMED and user.api_token_hash is not None:
        # Asks first, in the page (it was a script-only dialog); nothing is revoked yet.
        return _users_page(UserCreateForm(formdata=None), revoking=user)
    if api_tokens.revoke_api_token(user, by=current_user):
        flash(f"The API token of {user.username} is revoked.", "success")
    else:
        flash(f"{user.username} had no API token.", "info")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@keeps_typed_text
@role_required(ADMIN)
def edit_user(user_id):
    user = get_or_404(User, user_id)
    form = UserEditForm(obj=user) if request.method == "GET" else UserEditForm()
    form.username.stored = user.username
    form.advisor.choices = _advisor_choices(user, request.form.get("advisor"))
    if request.method == "GET":
        form.role.data = user.role.value
        form.advisor.data = user.advisor.id if user.advisor else NONE
        form.version.data = user.edit_version
        return render_form("admin/user.html", form, user=user, untypeable=user_admin.untypeable_words(user))
    if save_form(form, lambda: _update_user(user, form)) is not None:
        flash(f"{user.username} saved.", "success")
        return redirect(url_for("admin.users"))
    return render_form("admin/user.html", form, _refused_status(form), user=user,
                       untypeable=user_admin.untypeable_words(user))


def _refused_status(form) -> int:
    """A form saved from an old copy, or refused because another save came first (AdminError.conflict: a username
    taken at the same moment), is a conflict (409), anything else bad input (400)."""
    return 409 if form.version.errors or getattr(form, "conflict", False) else 400


def _update_user(user: User, form: UserEditForm) -> User:
    advisor = db.session.get(Advisor, form.advisor.data) if form.advisor.data != NONE else None
    username = form.username.data if form.username.raw_data else None  # not posted: left as it is
    try:
        return user_admin.update_user(user, form.display_name.data, Role(form.role.data), form.active.data, advisor,
                                 by=current_user, expected_version=form_version(form), username=username)
    except admin_saves.AdminError as err:
        form.conflict = err.conflict
        raise


# --- teams ----------------------------------------------------------------------------------------

def _leader_choices():
    leaders = db.session.scalars(select(User).where(User.role == Role.LEADER, User.active.is_(True)).order_by(User.username))
    return [SelectChoice(NONE, "— none —")] + [SelectChoice(u.id, f"{u.display_name} ({u.username})")
                                               for u in leaders]


def _save_team(team: Team | None, form: TeamForm):
    leader = db.session.get(User, form.leader.data) if form.leader.data != NONE else None
    return team_admin.save_team(team, form.name.data, form.timezone.data, leader, by=current_user,
                           expected_version=form_version(form) if team is not None else None)


@bp.route("/teams", methods=["GET", "POST"], defaults={"team_id": None})
@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@keeps_typed_text
@role_required(ADMIN)
def teams(team_id):
    team = get_or_404(Team, team_id) if team_id else None
    kind = TeamForm if team is not None else NewTeamForm
    form = kind(obj=team) if request.method == "GET" else kind()
    form.leader.choices = _leader_choices()
    if request.method == "GET" and team is not None:
        form.leader.data = team.leader_id or NONE
        form.version.data = team.edit_version
    status = 200
    if request.method == "POST":
        saved = save_form(form, lambda: _save_team(team, form), adding=None if team else "admin.teams")
        if saved is not None:
            flash(f"Team {saved.name} saved.", "success")
            return redirect(url_for("admin.teams"))
        status = _refused_status(form)
    return render_form("admin/teams.html", form, status, team=team, teams=admin_lists.all_teams())


# --- skills ---------------------------------------------------------------------------------------

@bp.route("/skills", methods=["GET", "POST"], defaults={"skill_id": None})
@bp.route("/skills/<int:skill_id>", methods=["GET", "POST"])
@keeps_typed_text
@role_required(ADMIN)
def skills(skill_id):
    skill = get_or_404(Skill, skill_id) if skill_id else None
    kind = SkillForm if skill is not None else NewSkillForm
    form = kind(obj=skill) if request.method == "GET" else kind()
    if request.method == "GET" and skill is not None:
        form.version.data = skill.edit_version
    status = 200
    if request.method == "POST":
        saved = save_form(form, lambda: code_admin.save_skill(
            skill, form.code.data, form.name.data, by=current_user,
            expected_version=form_version(form) if skill is not None else None), adding=None if skill else "admin.skills")
        if saved is not None:
            flash(f"Skill {saved.code} saved.", "success")
            return redirect(url_for("admin.skills"))
        status = _refused_status(form)
    return render_form("admin/skills.html", form, status, skill=skill, skills=admin_lists.all_skills())


# --- advisors -------------------------------------------------------------------------------------

def _advisor_form(advisor: Advisor | None) -> AdvisorForm:
    kind = AdvisorForm if advisor is not None else NewAdvisorForm
    form = kind(obj=advisor) if request.method == "GET" else kind()
    form.team.choices = [SelectChoice(t.id, t.name) for t in admin_lists.all_teams()]
    form.skills.choices = [SelectChoice(s.id, f"{s.name} ({s.code})") for s in admin_lists.all_skills()]
    if request.method == "GET" and advisor is not None:
        form.team.data = advisor.team_id
        form.skills.data = [s.id for s in advisor.skills]
        form.work_pattern.data = advisor_admin.work_pattern_text(advisor.work_pattern)
        form.version.data = advisor.version_id
    return form


@bp.get("/advisors")
@role_required(ADMIN)
def advisors():
    teams = admin_lists.all_teams()
    query = list_query((), team=whole_arg("team", {t.id for t in teams}))
    return render_template("admin/advisors.html", listing=admin_lists.advisor_list(query), query=query, teams=teams)


@bp.route("/advisors/new", methods=["GET", "POST"], defaults={"advisor_id": None})
@bp.route("/advisors/<int:advisor_id>", methods=["GET", "POST"])
@keeps_typed_text
@role_required(ADMIN)
def edit_advisor(advisor_id):
    advisor = get_or_404(Advisor, advisor_id) if advisor_id else None
    form = _advisor_form(advisor)
    if request.method == "GET":
        return render_form("admin/advisor.html", form, advisor=advisor)
    saved = save_form(form, lambda: _save_advisor(advisor, form), adding=None if advisor else "admin.edit_advisor")
    if saved is not None:
        flash(f"Advisor {saved.name} saved.", "success")
        return redirect(url_for("admin.advisors"))
    # Shown again as typed; a change saved since the form was opened is a conflict (409), not bad input.
    return render_form("admin/advisor.html", form, 409 if form.version.errors else 400, advisor=advisor)


def _save_advisor(advisor: Advisor | None, form: AdvisorForm) -> Advisor:
    return advisor_admin.save_advisor(
        advisor, name=form.name.data, team=db.session.get(Team, form.team.data),
        skills=[db.session.get(Skill, s) for s in form.skills.data or []],
        does_support=form.does_support.data, does_policing=form.does_policing.data,
        work_pattern=form.work_pattern.data, protected_minutes=form.protected_minutes.data,
        max_appointments_per_day=form.max_appointments_per_day.data, max_caseload=form.max_caseload.data,
        active=form.active.data, by=current_user, expected_version=form_version(form) if advisor is not None else None)


# --- appointment types ----------------------------------------------------------------------------

@bp.route("/types", methods=["GET", "POST"], defaults={"type_id": None})
@bp.route("/types/<int:type_id>", methods=["GET", "POST"])
@keeps_typed_text
@role_required(ADMIN)
def types(type_id):
    kind_type = get_or_404(AppointmentType, type_id) if type_id else None
    kind = AppointmentTypeForm if kind_type is not None else NewAppointmentTypeForm
    form = kind(obj=kind_type) if request.method == "GET" else kind()
    form.skill.choices = [SelectChoice(NONE, "— the client's own need —")] + [SelectChoice(s.id, s.name)
                                                                               for s in admin_lists.all_skills()]
    if request.method == "GET" and kind_type is not None:
        form.skill.data = kind_type.skill_id or NONE
        form.version.data = kind_type.edit_version
    status = 200
    if request.method == "POST":
        saved = save_form(form, lambda: code_admin.save_appointment_type(
            kind_type, code=form.code.data, name=form.name.data, kind=form.kind.data,
            skill=db.session.get(Skill, form.skill.data) if form.skill.data != NONE else None,
            default_minutes=form.default_minutes.data, active=form.active.data, by=current_user,
            expected_version=form_version(form) if kind_type is not None else None),
            adding=None if kind_type else "admin.types")
        if saved is not None:
            flash(f"Appointment type {saved.code} saved.", "success")
            return redirect(url_for("admin.types"))
        status = _refused_status(form)
    return render_form("admin/types.html", form, status, kind_type=kind_type, kinds=admin_lists.all_appointment_types())
