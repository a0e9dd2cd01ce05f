"""Team leaders plan their team's week: the rota, absences, protected time, clients and requests.

Planning, review, adjusting and publishing live in plan_views.py; CSV import in import_views.py.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from caseload.auth.access import can_manage_team, role_required
from caseload.extensions import db
from caseload.localtime import this_week_start, to_local, to_utc, week_days, week_start_of
from caseload.models import Absence, Advisor, AppointmentRequest, AppointmentType, Client, Role, Skill, Team
from caseload.rota import bp
from caseload.rota.forms import (
    COMPLEXITY, NONE, AbsenceForm, ClientForm, ConfirmForm, NewClientForm, PlanForm, ProtectedForm, RequestForm,
)
from caseload.services import planning, plans, rota
from caseload.services.problem import team_advisors, week_requests

LEADERS = (Role.LEADER, Role.ADMIN)


# --- scoping: a leader sees only the teams they lead; anything else is "not found" ------------------

def team_or_404(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None or not can_manage_team(current_user, team):
        abort(404)
    return team


def week_or_404(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        abort(404)
    if day.weekday() != 0:
        abort(404)
    return day


def advisor_in_team(team: Team, advisor_id: int) -> Advisor:
    advisor = db.session.get(Advisor, advisor_id)
    if advisor is None or advisor.team_id != team.id:
        abort(404)
    return advisor


def _advisor_choices(team: Team, none_label: str | None = None):
    choices = [(a.id, a.name) for a in team_advisors(team)]
    return ([(NONE, none_label)] if none_label else []) + choices


def _field_error(form, err: rota.RotaError) -> None:
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(err)]
    flash(str(err), "error")


@bp.get("/")
@role_required(*LEADERS)
def home():
    teams = rota.teams_for(current_user)
    return render_template("rota/home.html", teams=teams,
                           weeks={t.id: this_week_start(t.timezone) for t in teams})


@bp.get("/t/<int:team_id>/")
@role_required(*LEADERS)
def this_week(team_id):
    team = team_or_404(team_id)
    return redirect(url_for("rota.week", team_id=team.id, week=this_week_start(team.timezone).isoformat()))


@bp.get("/t/<int:team_id>/<week>/")
@role_required(*LEADERS)
def week(team_id, week):
    team, week_start = team_or_404(team_id), week_or_404(week)
    form = AbsenceForm()
    form.advisor.choices = _advisor_choices(team)
    return render_template(
        "rota/week.html", team=team, week=week_start, days=week_days(week_start),
        rows=rota.week_rows(team, week_start), absence_form=form, protected_form=ProtectedForm(),
        plan_form=PlanForm(), confirm=ConfirmForm(), requests_count=len(week_requests(team, week_start)),
        plans=plans.week_plans(team, week_start), published=plans.published_plan(team, week_start),
        job=planning.latest_job(team, week_start), prev_week=week_start - timedelta(days=7),
        next_week=week_start + timedelta(days=7))


# --- absences ---------------------------------------------------------------------------------------

def _absence_times(team: Team, form: AbsenceForm):
    first, last = form.start_day.data, form.end_day.data or form.start_day.data
    if form.start_time.data is None:  # whole days: midnight to midnight, local time
        return to_utc(first, "00:00", team.timezone), to_utc(last + timedelta(days=1), "00:00", team.timezone)
    return to_utc(first, form.start_time.data, team.timezone), to_utc(last, form.end_time.data, team.timezone)


@bp.post("/t/<int:team_id>/<week>/absences")
@role_required(*LEADERS)
def add_absence(team_id, week):
    team, week_start = team_or_404(team_id), week_or_404(week)
    form = AbsenceForm()
    form.advisor.choices = _advisor_choices(team)
    if form.validate_on_submit():
        starts_at, ends_at = _absence_times(team, form)
        try:
            rota.add_absence(team, week_start, db.session.get(Advisor, form.advisor.data), starts_at, ends_at,
                             form.reason.data, form.note.data, current_user)
            flash("Absence added. Re-plan the week to take it into account.", "success")
            return redirect(url_for("rota.week", team_id=team.id, week=week))
        except rota.RotaError as err:
            _field_error(form, err)
    else:
        flash("The absence was not added: " + "; ".join(e for errs in form.errors.values() for e in errs), "error")
    return render_template("rota/absence.html", team=team, week=week_start, form=form, absence=None), 400


def _absence_or_404(team: Team, absence_id: int) -> Absence:
    absence = db.session.get(Absence, absence_id)
    if absence is None or absence.advisor.team_id != team.id:
        abort(404)
    return absence


@bp.route("/t/<int:team_id>/absences/<int:absence_id>", methods=["GET", "POST"])
@role_required(*LEADERS)
def edit_absence(team_id, absence_id):
    team = team_or_404(team_id)
    absence = _absence_or_404(team, absence_id)
    start, end = to_local(absence.starts_at, team.timezone), to_local(absence.ends_at, team.timezone)
    week_start = week_start_of(start.date())
    whole = start.time().isoformat() == end.time().isoformat() == "00:00:00"
    form = AbsenceForm(data=None if request.method == "POST" else {
        "advisor": absence.advisor_id, "start_day": start.date(),
        "end_day": (end.date() - timedelta(days=1)) if whole else end.date(),
        "start_time": None if whole else start.time(), "end_time": None if whole else end.time(),
        "reason": absence.reason, "note": absence.note})
    form.advisor.choices = _advisor_choices(team)
    if form.validate_on_submit():
        starts_at, ends_at = _absence_times(team, form)
        try:
            rota.update_absence(absence, team, week_start, db.session.get(Advisor, form.advisor.data), starts_at,
                                ends_at, form.reason.data, form.note.data, current_user)
            flash("Absence changed.", "success")
            return redirect(url_for("rota.week", team_id=team.id, week=week_start.isoformat()))
        except rota.RotaError as err:
            _field_error(form, err)
    status = 400 if request.method == "POST" else 200
    return render_template("rota/absence.html", team=team, week=week_start, form=form, absence=absence), status


@bp.post("/t/<int:team_id>/absences/<int:absence_id>/delete")
@role_required(*LEADERS)
def delete_absence(team_id, absence_id):
    team = team_or_404(team_id)
    absence = _absence_or_404(team, absence_id)
    week_start = week_start_of(to_local(absence.starts_at, team.timezone).date())
    if ConfirmForm().validate_on_submit():
        rota.remove_absence(absence, current_user)
        flash("Absence removed.", "success")
    return redirect(url_for("rota.week", team_id=team.id, week=week_start.isoformat()))


@bp.post("/t/<int:team_id>/<week>/advisors/<int:advisor_id>/protected")
@role_required(*LEADERS)
def set_protected(team_id, week, advisor_id):
    team, week_start = team_or_404(team_id), week_or_404(week)
    advisor = advisor_in_team(team, advisor_id)
    form = ProtectedForm()
    if form.validate_on_submit():
        rota.set_protected_target(advisor, form.minutes.data, current_user)
        flash(f"{advisor.name}: protected time target {form.minutes.data} minutes.", "success")
    else:
        flash("Protected time must be a whole number of minutes from 0 to 2400.", "error")
    return redirect(url_for("rota.week", team_id=team.id, week=week_start.isoformat()))


# --- clients -----------------------------------------------------------------------------------------

@bp.get("/t/<int:team_id>/clients")
@role_required(*LEADERS)
def clients(team_id):
    team = team_or_404(team_id)
    search = request.args.get("q", "")
    return render_template("rota/clients.html", team=team, clients=rota.team_clients(team, search), search=search,
                           week=this_week_start(team.timezone))


def _client_choices(team: Team, form) -> None:
    form.named_advisor.choices = _advisor_choices(team, "— not allocated —")
    form.need.choices = [(NONE, "—")] + [(s.id, s.name) for s in db.session.scalars(select(Skill).order_by(Skill.code))]
    form.complexity.choices = COMPLEXITY


@bp.route("/t/<int:team_id>/clients/new", methods=["GET", "POST"])
@role_required(*LEADERS)
def new_client(team_id):
    team = team_or_404(team_id)
    form = NewClientForm()
    _client_choices(team, form)
    if form.validate_on_submit():
        try:
            client = rota.add_client(team, form.reference.data, form.name.data,
                                     db.session.get(Advisor, form.named_advisor.data) if form.named_advisor.data else None,
                                     db.session.get(Skill, form.need.data) if form.need.data else None,
                                     form.complexity.data, current_user)
            flash(f"{client.reference} added.", "success")
            return redirect(url_for("rota.clients", team_id=team.id))
        except rota.RotaError as err:
            _field_error(form, err)
    status = 400 if request.method == "POST" else 200
    return render_template("rota/client.html", team=team, client=None, form=form), status


def _client_or_404(team: Team, client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None or client.team_id != team.id or client.erased_at is not None:
        abort(404)
    return client


@bp.route("/t/<int:team_id>/clients/<int:client_id>", methods=["GET", "POST"])
@role_required(*LEADERS)
def edit_client(team_id, client_id):
    team = team_or_404(team_id)
    client = _client_or_404(team, client_id)
    form = ClientForm(data=None if request.method == "POST" else {
        "named_advisor": client.named_advisor_id or NONE, "need": client.need_id or NONE,
        "complexity": client.complexity, "version": client.version_id})
    _client_choices(team, form)
    status = 200
    if form.validate_on_submit():
        try:
            rota.update_client(client, db.session.get(Advisor, form.named_advisor.data) if form.named_advisor.data else None,
                               db.session.get(Skill, form.need.data) if form.need.data else None,
                               form.complexity.data, int(form.version.data), current_user)
            flash(f"{client.reference} saved.", "success")
            return redirect(url_for("rota.clients", team_id=team.id))
        except rota.EditConflict as err:
            flash(str(err), "error")
            status = 409
        except rota.RotaError as err:
            _field_error(form, err)
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("rota/client.html", team=team, client=client, form=form), status


# --- appointment requests ----------------------------------------------------------------------------

@bp.get("/t/<int:team_id>/<week>/requests")
@role_required(*LEADERS)
def requests(team_id, week):
    team, week_start = team_or_404(team_id), week_or_404(week)
    return render_template("rota/requests.html", team=team, week=week_start, requests=week_requests(team, week_start),
                           confirm=ConfirmForm(), tz=team.timezone)


def _request_form(team: Team, data=None) -> RequestForm:
    form = RequestForm(data=data)
    form.type.choices = [(t.id, f"{t.name} ({t.kind})") for t in db.session.scalars(
        select(AppointmentType).where(AppointmentType.active.is_(True)).order_by(AppointmentType.name))]
    form.pinned_advisor.choices = _advisor_choices(team, "— not pinned —")
    return form


def _request_fields(team: Team, week_start: date, form: RequestForm) -> rota.RequestFields:
    client = rota.client_by_reference(team, form.client.data)
    if client is None:
        raise rota.RotaError(f'No client "{form.client.data}" in team {team.name}.', "client")
    pinned = form.pinned_advisor.data not in (None, NONE)
    return rota.RequestFields(
        client=client, type=db.session.get(AppointmentType, form.type.data),
        duration_minutes=form.duration_minutes.data, purpose=form.purpose.data,
        windows=rota.parse_windows(form.windows.data, week_start),
        pinned_advisor=db.session.get(Advisor, form.pinned_advisor.data) if pinned else None,
        pinned_start=to_utc(form.pinned_day.data, form.pinned_time.data, team.timezone) if pinned else None)


@bp.route("/t/<int:team_id>/<week>/requests/new", methods=["GET", "POST"])
@role_required(*LEADERS)
def new_request(team_id, week):
    team, week_start = team_or_404(team_id), week_or_404(week)
    form = _request_form(team, None if request.method == "POST" else {"duration_minutes": 30, "client": request.args.get("client", "")})
    if form.validate_on_submit():
        try:
            rota.add_request(team, week_start, _request_fields(team, week_start, form), current_user)
            flash("Request added.", "success")
            return redirect(url_for("rota.requests", team_id=team.id, week=week))
        except rota.RotaError as err:
            _field_error(form, err)
    status = 400 if request.method == "POST" else 200
    return render_template("rota/request.html", team=team, week=week_start, form=form, item=None), status


def _request_or_404(team: Team, request_id: int) -> AppointmentRequest:
    item = db.session.get(AppointmentRequest, request_id)
    if item is None or item.team_id != team.id:
        abort(404)
    return item


@bp.route("/t/<int:team_id>/requests/<int:request_id>", methods=["GET", "POST"])
@role_required(*LEADERS)
def edit_request(team_id, request_id):
    team = team_or_404(team_id)
    item = _request_or_404(team, request_id)
    tz = team.timezone
    pin = to_local(item.pinned_start, tz) if item.pinned_start else None
    form = _request_form(team, None if request.method == "POST" else {
        "client": item.client.reference, "type": item.type_id, "duration_minutes": item.duration_minutes,
        "purpose": item.purpose, "windows": rota.windows_text(item, tz), "pinned_advisor": item.pinned_advisor_id or NONE,
        "pinned_day": pin.date() if pin else None, "pinned_time": pin.time() if pin else None,
        "version": item.version_id})
    status = 200
    if form.validate_on_submit():
        try:
            rota.update_request(item, _request_fields(team, item.week_start, form), int(form.version.data or 0),
                                current_user)
            flash("Request saved.", "success")
            return redirect(url_for("rota.requests", team_id=team.id, week=item.week_start.isoformat()))
        except rota.EditConflict as err:
            flash(str(err), "error")
            status = 409
        except rota.RotaError as err:
            _field_error(form, err)
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("rota/request.html", team=team, week=item.week_start, form=form, item=item), status


@bp.post("/t/<int:team_id>/requests/<int:request_id>/delete")
@role_required(*LEADERS)
def delete_request(team_id, request_id):
    team = team_or_404(team_id)
    item = _request_or_404(team, request_id)
    week_start = item.week_start
    if ConfirmForm().validate_on_submit():
        rota.remove_request(item, current_user)
        flash("Request removed.", "success")
    return redirect(url_for("rota.requests", team_id=team.id, week=week_start.isoformat()))


from caseload.rota import import_views, plan_views  # noqa: E402,F401
