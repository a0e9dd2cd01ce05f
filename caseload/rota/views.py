"""Team leaders plan their team's week: who may see which team, the rota, absences and protected time.

Clients and requests live in client_views.py; CSV import in import_views.py; planning, review,
adjusting and publishing in plan_views.py.
"""
from __future__ import annotations

from datetime import time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from caseload import form_expiry
from caseload.form_expiry import keeps_typed_text
from caseload import form_once
from caseload.auth.access import can_manage_team, role_required
from caseload.extensions import db
from caseload.localtime import to_local, to_utc, wall_clock, week_days, week_start_of
from caseload.models import Absence, Advisor, Role, Team, utcnow
from caseload.page_helpers import field_errors, form_version, week_or_404
from caseload.rota.blueprint import bp
from caseload.rota.forms import NONE, AbsenceForm, ConfirmForm, PlanForm, ProtectedForm
from caseload.services.planning import runs as planning
from caseload.services.planning import plans
from caseload.services.planning.plan_list import plan_lines
from caseload.services.rota import week as rota
from caseload.services.closures import closed_days
from caseload.services.desk.attendance import absence_weeks, broken_by_absences
from caseload.services.planning.problem import protected_target, protected_targets, team_advisors, week_requests
from caseload.services.planning.started import started_note
from caseload.services.planning.week_to_plan import week_to_plan
from caseload.values import FIRST_WEEK, LAST_WEEK

LEADERS = (Role.LEADER, Role.ADMIN)
CONFIRMED = "yes"  # an in-page question's own button value: only it acts (the first press asks)


# --- scoping: a leader sees only the teams they lead; anything else is "not found" ------------------

def team_or_404(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None or not can_manage_team(current_user, team):
        abort(404)
    return team


def in_team_or_404(team: Team, model, object_id: int):
    """An advisor, client or request of `team`: one of another team is "not found", like a missing one."""
    found = db.session.get(model, object_id)
    if found is None or found.team_id != team.id:
        abort(404)
    return found


def managed_or_404(model, object_id: int):
    """A plan or planning job of a team the user manages; anything else is "not found"."""
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    team_or_404(found.team_id)
    return found


def advisor_in_team(team: Team, advisor_id: int) -> Advisor:
    return in_team_or_404(team, Advisor, advisor_id)


def advisor_choices(team: Team, none_label: str | None = None):
    choices = [SelectChoice(a.id, a.name) for a in team_advisors(team)]
    return ([SelectChoice(NONE, none_label)] if none_label else []) + choices


def show_error(form, err: rota.RotaError) -> None:
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(err)]
    flash(str(err), "error")


def save_posted(form, save, once: str | None = None):
    """Validate the posted `form` and run `save()`: (what it saved, None) once saved; otherwise (None, the status
    to show the form again with): 200 when nothing was posted, 400 when invalid or refused, 409 when the
    record changed since the form was read. `once`: for a form that adds something, where a repeated send
    goes back to (form_once.claim; raises form_once.AlreadySaved)."""
    if not form.validate_on_submit():
        if form_expiry.expired():  # the fields show their own errors; the token's is said here
            flash(form_expiry.EXPIRED, "error")
        return None, 400 if request.method == "POST" else 200
    if once is not None:
        form_once.claim(form, once)
    try:
        return save(), None
    except rota.EditConflict as err:
        db.session.rollback()
        flash(str(err), "error")
        return None, 409
    except rota.RotaError as err:
        db.session.rollback()  # also releases the form's claim, so the corrected form can be sent
        show_error(form, err)
        return None, 400


@bp.get("/")
@role_required(*LEADERS)
def home():
    teams = rota.teams_for(current_user)
    if len(teams) == 1:  # nothing to choose: straight to the team's week
        return redirect(url_for("rota.week", team_id=teams[0].id, week=week_to_plan(teams[0]).isoformat()))
    return render_template("rota/home.html", teams=teams, weeks={t.id: week_to_plan(t) for t in teams})


@bp.get("/t/<int:team_id>/")
@role_required(*LEADERS)
def this_week(team_id):
    team = team_or_404(team_id)
    return redirect(url_for("rota.week", team_id=team.id, week=week_to_plan(team).isoformat()))


@bp.get("/t/<int:team_id>/<week>/")
@role_required(*LEADERS)
def week(team_id, week):
    team, week_start = team_or_404(team_id), week_or_404(week)
    return _week_page(team, week_start)


def _week_page(team: Team, week_start, removing: int | None = None, cancelling: bool = False,
               protected_form: ProtectedForm | None = None, plan_form: PlanForm | None = None):
    """The team's week; `removing` (an absence id) shows the question before that absence is removed,
    `cancelling` the one before the planning run is cancelled; `protected_form` and `plan_form` (refused) show
    what was typed and why it was refused (the protected one in its advisor's row)."""
    job = planning.latest_job(team, week_start)
    published = plans.published_plan(team, week_start)
    return render_template(
        "rota/week.html", team=team, week=week_start, days=week_days(week_start),
        rows=rota.week_rows(team, week_start), closed=closed_days(team.id, week_start, week_start + timedelta(days=6)),
        targets=protected_targets(team_advisors(team), week_start, team.timezone),
        absence_form=_absence_form(team), protected_form=protected_form,
        plan_form=plan_form or PlanForm(formdata=None), confirm=ConfirmForm(), requests_count=len(week_requests(team, week_start)),
        lines=plan_lines(team, week_start), published=published, run_plan=run_result(job, published),
        started=started_note(week_start, team.timezone, utcnow()), job=job, job_finished=job_finished(job), job_quality=planning.job_json(job)["quality"] if job else "", prev_week=week_start - timedelta(days=7) if week_start > FIRST_WEEK else None,
        next_week=week_start + timedelta(days=7) if week_start < LAST_WEEK else None,
        removing=removing, cancelling=cancelling, confirmed=CONFIRMED)


def job_finished(job) -> str | None:
    """How an ended run went, in time ("Finished in 3.7 s", "Stopped after 2.0 s"); None while it runs."""
    if job is None or job.status in ("queued", "running"):
        return None
    seconds = (job.progress or {}).get("elapsed")
    if job.finished_at is not None and job.started_at is not None and (job.status != "succeeded" or seconds is None):
        seconds = (job.finished_at - job.started_at).total_seconds()
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    if job.status == "succeeded":
        return f"Finished{took}."
    return f"{'Cancelled' if job.status == 'cancelled' else 'Stopped'}{took.replace(' in ', ' after ')}."


def run_result(job, published):
    """(the plan to review, words) for the week's latest run: its own plan, or the published plan when a later
    publish or a desk booking has superseded it (the run's plan is kept but no longer in force); None before a
    run has a plan."""
    if job is None or job.plan is None:
        return None
    if job.plan.status == "superseded" and published is not None:
        return published, (f"Plan {job.plan.id}, made by this run, has been superseded: published version "
                           f"{published.published_version} (plan {published.id}) is in force.")
    return job.plan, None


# --- absences ---------------------------------------------------------------------------------------

def _absence_form(team: Team, data=None) -> AbsenceForm:
    form = AbsenceForm(data=data)
    form.advisor.choices = advisor_choices(team)
    return form


def _absence_times(team: Team, form: AbsenceForm):
    """(start, end) in UTC; rota.RotaError naming the time field when the clocks skip a typed time."""
    first, last = form.start_day.data, form.end_day.data or form.start_day.data
    if form.start_time.data is None:  # whole days: midnight to midnight, local time
        return to_utc(first, "00:00", team.timezone), to_utc(last + timedelta(days=1), "00:00", team.timezone)
    start = rota.typed_utc(first, form.start_time.data, team.timezone, "start_time", "From",
                           midnight_is_day_start=True)
    if form.end_time.data == time(0):  # "until 00:00" ends at the midnight closing the last day
        return start, to_utc(last + timedelta(days=1), "00:00", team.timezone)
    return start, rota.typed_utc(last, form.end_time.data, team.timezone, "end_time", "Until")


@bp.post("/t/<int:team_id>/<week>/absences")
@keeps_typed_text
@role_required(*LEADERS)
def add_absence(team_id, week):
    team, week_start = team_or_404(team_id), week_or_404(week)
    form = _absence_form(team)
    if form.validate_on_submit():
        try:
            starts_at, ends_at = _absence_times(team, form)
            form_once.claim(form, url_for("rota.week", team_id=team.id, week=week))
            absence = rota.add_absence(team, week_start, db.session.get(Advisor, form.advisor.data), starts_at,
                                       ends_at, form.reason.data, form.note.data, current_user)
            if (broken := _broken_by(team, absence, "added")) is not None:
                return broken
            flash("Absence added. Re-plan the week to take it into account.", "success")
            return redirect(url_for("rota.week", team_id=team.id, week=week))
        except rota.RotaError as err:
            db.session.rollback()  # releases the form's claim too
            show_error(form, err)
    else:
        # Each error after its field's label: "'9.30': Not a time ..." alone did not say whether From or Until.
        flash("The absence was not added: " + field_errors(form), "error")
    return render_template("rota/absence.html", team=team, week=week_start, form=form, absence=None), 400


def _broken_by(team: Team, absence: Absence, done: str):
    """After an absence is saved: if it breaks booked appointments (a published week's, or desk bookings in a week
    not yet published), a warning and the desk's list of them for its first such week; else None."""
    for week in absence_weeks(absence, team.timezone):
        broken = [(row, hit) for row, hit in broken_by_absences(team, week) if hit.id == absence.id]
        if broken:  # saved, with work to do: each to rebook
            kinds = "published" if broken[0][0].published else "desk-booked"
            flash(f"Absence {done}. It breaks {len(broken)} {kinds} appointment{'s' if len(broken) > 1 else ''} in the "
                  f"week of {week:%d %b}: rebook each below, or re-plan the week.", "warning")
            return redirect(url_for("desk.broken", team_id=team.id, week=week.isoformat()))
    return None


def _absence_or_404(team: Team, absence_id: int) -> Absence:
    absence = db.session.get(Absence, absence_id)
    if absence is None or absence.advisor.team_id != team.id:
        abort(404)
    return absence


@bp.route("/t/<int:team_id>/absences/<int:absence_id>", methods=["GET", "POST"])
@keeps_typed_text
@role_required(*LEADERS)
def edit_absence(team_id, absence_id):
    team = team_or_404(team_id)
    absence = _absence_or_404(team, absence_id)
    # Wall-clock times as the form takes them: a day's first moment is its 00:00 even where the clocks skip midnight.
    start, end = wall_clock(absence.starts_at, team.timezone), wall_clock(absence.ends_at, team.timezone)
    week_start = week_start_of(start.date())
    whole = start.time() == end.time() == time(0)
    form = _absence_form(team, None if request.method == "POST" else {
        "advisor": absence.advisor_id, "start_day": start.date(),
        # Ending at midnight shows as "until 24:00" on the day it closes, so saving it unchanged keeps it.
        "end_day": (end.date() - timedelta(days=1)) if end.time() == time(0) else end.date(),
        "start_time": None if whole else start.time(), "end_time": None if whole else end.time(),
        "reason": absence.reason, "note": absence.note, "version": absence.version_id})
    saved, status = save_posted(form, lambda: rota.update_absence(
        absence, team, week_start, db.session.get(Advisor, form.advisor.data), *_absence_times(team, form),
        form.reason.data, form.note.data, current_user, expected_version=form_version(form)))
    if saved is not None:
        if (broken := _broken_by(team, saved, "changed")) is not None:
            return broken
        flash("Absence changed.", "success")
        return redirect(url_for("rota.week", team_id=team.id, week=week_start.isoformat()))
    return render_template("rota/absence.html", team=team, week=week_start, form=form, absence=absence), status


@bp.post("/t/<int:team_id>/absences/<int:absence_id>/delete")
@role_required(*LEADERS)
def delete_absence(team_id, absence_id):
    team = team_or_404(team_id)
    absence = _absence_or_404(team, absence_id)
    week_start = week_start_of(to_local(absence.starts_at, team.timezone).date())
    if ConfirmForm().validate_on_submit():
        if request.form.get("confirm") != CONFIRMED:  # asks first, in the page (it was a script-only dialog)
            return _week_page(team, week_start, removing=absence.id)
        rota.remove_absence(absence, current_user)
        flash("Absence removed.", "success")
    return redirect(url_for("rota.week", team_id=team.id, week=week_start.isoformat()))


def _protected_form(team: Team, week_start, advisor: Advisor) -> ProtectedForm:
    """The posted protected-time form of `advisor`'s row, told their working week (the most it may hold)."""
    form = ProtectedForm()
    form.advisor_id, form.advisor_name = advisor.id, advisor.name
    form.working_minutes = protected_target(advisor, week_start, team.timezone).usual
    return form


@bp.post("/t/<int:team_id>/<week>/advisors/<int:advisor_id>/protected")
@keeps_typed_text
@role_required(*LEADERS)
def set_protected(team_id, week, advisor_id):
    """Set one advisor's protected-time target (this week only, or standing), or put the week back on the standing
    one (`standing_again`). Refused input shows the week again (400) with what was typed in that advisor's row and
    the error beside the field, never the stored value in its place."""
    team, week_start = team_or_404(team_id), week_or_404(week)
    advisor = advisor_in_team(team, advisor_id)
    back = url_for("rota.week", team_id=team.id, week=week_start.isoformat()) + "#working-time"
    if request.form.get("standing_again"):  # back to the standing target for this week
        if not ConfirmForm().validate_on_submit():  # only an expired token fails it
            flash(form_expiry.EXPIRED, "error")
            return _week_page(team, week_start), 400
        if rota.clear_week_target(advisor, week_start, current_user):
            flash(f"{advisor.name}: the week of {week_start:%d %b %Y} uses the standing target again "
                  f"({advisor.protected_minutes} minutes).", "success")
        return redirect(back)
    form = _protected_form(team, week_start, advisor)
    if not form.validate_on_submit():
        flash(form_expiry.EXPIRED if form_expiry.expired() else f"{advisor.name}'s protected time target was not "
              "changed. " + " ".join(e for name in ("minutes", "scope") for e in form[name].errors), "error")
        return _week_page(team, week_start, protected_form=form), 400
    try:
        rota.set_protected_target(advisor, form.minutes.data, current_user,
                                  None if form.scope.data == "standing" else week_start)
    except rota.RotaError as err:
        db.session.rollback()
        show_error(form, err)
        return _week_page(team, week_start, protected_form=form), 400
    flash(f"{advisor.name}: protected time target {form.minutes.data} minutes "
          + ("a week from now on (standing target; weeks with their own target keep it)." if form.scope.data == "standing"
             else f"for the week of {week_start:%d %b %Y} only; other weeks keep {advisor.protected_minutes} minutes."),
          "success")
    return redirect(back)

