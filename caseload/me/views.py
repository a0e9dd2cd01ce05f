"""An advisor's own week, caseload, notes, time preferences and calendar feed.

An advisor sees only their own data (current_user.advisor); a client they neither hold nor cover is
"not found", the same as a client that does not exist.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from caseload.form_expiry import keeps_typed_text
from caseload.auth.access import public, role_required
from caseload.extensions import db, limiter
from caseload.localtime import this_week_start, to_local
from caseload.desk.forms import AttendanceForm
from caseload.me.blueprint import bp
from caseload.me.forms import (
    CaseWorkBlockForm, ConfirmForm, FollowUpForm, HandoverNoteForm, NoteForm, RemoveForm, WeeklyPreferenceForm,
)
from caseload.models import Advisor, Client, Role, utcnow
from caseload.page_helpers import refused, submit, week_or_404
from caseload.services.clients import caseload, follow_ups, notes
from caseload.services.rota.coverage import request_warnings
from caseload.services.desk import attendance
from caseload.services.people import calendar_feed as feeds
from caseload.services.people import preferences
from caseload.services.closures import closed_days
from caseload.services.planning import handovers as handovers_due
from caseload.services.planning.problem import (
    ProtectedTarget, advisor_sid, asked_protected, protected_target, week_targets,
)
from caseload.values import FIRST_WEEK, LAST_WEEK

ADVISOR = Role.ADVISOR
CONFIRMED = "yes"  # the in-page question's own button value: only it acts (the first press asks)


def my_advisor() -> Advisor:
    advisor = current_user.advisor
    if advisor is None:
        abort(404, "Your account is not linked to an advisor record yet. Ask an administrator.")
    return advisor


def my_client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if not notes.may_see_client(current_user.advisor, client):
        abort(404)
    return client


# --- my week --------------------------------------------------------------------------------------

@bp.get("/")
@role_required(ADVISOR)
def home():
    if current_user.advisor is None:
        return render_template("me/home.html", advisor=None)
    return week(this_week_start(current_user.advisor.team.timezone).isoformat())


@bp.get("/week/<week>")
@role_required(ADVISOR)
def week(week):
    advisor = my_advisor()
    week_start = week_or_404(week)
    tz = advisor.team.timezone
    view = caseload.my_week(advisor, week_start)
    closed = closed_days(advisor.team_id, week_start, week_start + timedelta(days=len(view.days) - 1))
    whole = protected_target(advisor, week_start, tz, week_targets([advisor.id], week_start).get(advisor.id),
                             len(view.days), closed)
    target = plan_target(advisor, view.plan, whole)
    return render_template("me/week.html", advisor=advisor, view=view, target=target, closed=closed,
                           planned_late=target.minutes < whole.minutes,
                           to_record=to_record(view), attendance_form=AttendanceForm(formdata=None),
                           added_after=added_after_plan(advisor, view.plan),
                           prev_week=week_start - timedelta(days=7) if week_start > FIRST_WEEK else None,
                           next_week=week_start + timedelta(days=7) if week_start < LAST_WEEK else None,
                           this_week=this_week_start(advisor.team.timezone))


def to_record(view: caseload.Week, now=None) -> set[int]:
    """The ids of the week's appointments (published or booked, not yet planned) that have started, are not
    cancelled and have no attendance recorded yet: the week page asks for each ("record attendance")."""
    here = to_local(now or utcnow(), view.advisor.team.timezone)
    requests = [(a.item.request, a.start) for a in view.appointments if a.item.request is not None]
    requests += [(b.request, b.start) for b in view.booked]
    return {r.id for r, start in requests if start <= here and r.cancelled_at is None and r.attendance is None}


def plan_target(advisor: Advisor, plan, whole: ProtectedTarget) -> ProtectedTarget:
    """The protected-time target (minutes) the published `plan` was asked for, read from its own problem as the
    review and team grid read it (team_grid.week_load): a plan made mid-week was asked only for the time still
    ahead (problem.protected_target's `cut`), so the week's `whole` target would show a false shortfall. `whole`
    when there is no plan or its problem lacks the advisor."""
    asked = asked_protected(plan)
    return replace(whole, minutes=asked[advisor.id]) if advisor.id in asked else whole


def added_after_plan(advisor: Advisor, plan) -> bool:
    """The advisor is not in the published plan's problem (added to the team after it was made): the week page
    says so rather than a protected-time target the plan never tried to meet."""
    if plan is None or not plan.problem:
        return False
    return advisor_sid(advisor.id) not in {a.get("id") for a in plan.problem.get("advisors", [])}


# --- my caseload ----------------------------------------------------------------------------------

@bp.get("/caseload")
@role_required(ADVISOR)
def my_caseload():
    advisor = my_advisor()
    rows = caseload.my_caseload(advisor)
    return render_template("me/caseload.html", advisor=advisor, rows=rows, covered=notes.covered_clients(advisor),
                           not_seen_weeks=caseload.NOT_SEEN_WEEKS, recent=caseload.RECENT_VISITS,
                           indices_ready=caseload.continuity_indices([1, 1]) is not None)


# --- notes and handover ---------------------------------------------------------------------------

def _client_page(client: Client, note_form=None, handover_form=None, status=200, follow_up_form=None):
    advisor = my_advisor()
    follow_up_form = follow_up_form or FollowUpForm(formdata=None, data={"week": follow_ups.default_week(client).isoformat()})
    _follow_up_choices(follow_up_form, client)
    handover_form = handover_form or HandoverNoteForm(formdata=None)
    handover_form.to.choices = [SelectChoice(a.id, a.name) for a in notes.handover_recipients(advisor, client)]
    wanted = request.args.get("to", type=int)  # "write a handover note for <cover>" on the handovers page
    if handover_form.data.get("to") is None and wanted in {c.value for c in handover_form.to.choices}:
        handover_form.to.data = wanted
    reads = notes.may_read_notes(advisor, client)  # a compliance review alone does not open the support notes
    client_notes = notes.client_notes(client) if reads else []
    view = attendance.client_view(client)
    return render_template("me/client.html", advisor=advisor, client=client, notes=client_notes, reads_notes=reads,
                           authors=notes.note_authors(client_notes), handovers=notes.handover_notes(client) if reads else [],
                           notes_refused=None if reads else notes.notes_refusal(advisor, client),
                           note_form=note_form or NoteForm(formdata=None), handover_form=handover_form,
                           holds=client.named_advisor_id == advisor.id, view=view,
                           series_list=attendance.client_series(client), may_mark=attendance.may_mark,
                           attendance_form=AttendanceForm(formdata=None), follow_up_form=follow_up_form,
                           asks_follow_ups=follow_ups.may_ask(advisor, client),
                           follow_ups=follow_ups.follow_ups(client, view) if reads else []), status


def _follow_up_choices(form: FollowUpForm, client: Client) -> None:
    form.type.choices = [SelectChoice("", "— choose a type —")] + [
        SelectChoice(t.id, f"{t.name} ({t.default_minutes} min)") for t in follow_ups.follow_up_types()]
    form.week.choices = [SelectChoice(d.isoformat(), f"{d:%a %d %b %Y}") for d in follow_ups.weeks(client)]


@bp.get("/clients/<int:client_id>")
@role_required(ADVISOR)
def client(client_id):
    return _client_page(my_client_or_404(client_id))


@bp.post("/clients/<int:client_id>/notes")
@keeps_typed_text
@role_required(ADVISOR)
def add_note(client_id):
    client = my_client_or_404(client_id)
    form = NoteForm()
    if submit(form, lambda: notes.add_note(client, form.body.data, current_user), notes.NoteRejected,
              once=url_for("me.client", client_id=client.id)) is not None:
        flash("Note saved.", "success")
        return redirect(url_for("me.client", client_id=client.id))
    return _client_page(client, note_form=form, status=400)


@bp.post("/clients/<int:client_id>/follow-up")
@keeps_typed_text
@role_required(ADVISOR)
def ask_follow_up(client_id):
    """"Ask for a follow-up": a request for the planner in the client's team (services/clients/follow_ups.py).
    403 for an advisor who does not hold or cover the client (a compliance review only); 400 naming the field, what
    was typed kept; 409 when that type is already asked for (or booked) in that week."""
    client = my_client_or_404(client_id)
    advisor = my_advisor()
    if not follow_ups.may_ask(advisor, client):
        abort(403, follow_ups.refusal(advisor, client))
    form = FollowUpForm()
    _follow_up_choices(form, client)
    try:
        saved = submit(form, lambda: follow_ups.ask(client, follow_ups.Asked(
            form.type.data, date.fromisoformat(form.week.data), form.windows.data or "", form.duration_minutes.data,
            form.note.data or ""), current_user), follow_ups.RotaError, once=url_for("me.client", client_id=client.id))
    except follow_ups.NotYours as err:  # their cover ended since the page was shown
        db.session.rollback()
        abort(403, str(err))
    except follow_ups.AlreadyAsked as err:
        db.session.rollback()
        refused(form, err)
        return _client_page(client, follow_up_form=form, status=409)
    if saved is None:
        return _client_page(client, follow_up_form=form, status=400)
    flash(f"Follow-up asked for: {saved.type.name} in the week of {saved.week_start:%a %d %b %Y}. The team's planner "
          "places it when the week is planned.", "success")
    for warning in request_warnings(saved):
        flash(f"Warning: {warning}", "warning")
    return redirect(url_for("me.client", client_id=client.id) + "#follow-ups")


@bp.post("/clients/<int:client_id>/handover")
@keeps_typed_text
@role_required(ADVISOR)
def add_handover(client_id):
    client = my_client_or_404(client_id)
    form = HandoverNoteForm()
    form.to.choices = [SelectChoice(a.id, a.name) for a in notes.handover_recipients(my_advisor(), client)]
    gone = notes.cover_ended(my_advisor(), client, request.form.get("to", type=int))
    if gone is not None:  # their cover ended since the page was shown: a race, not a bad choice
        form.validate()  # keeps the typed note (and any other error) for the page
        form.to.errors = [gone]
        flash(f"Not saved. {gone}", "error")
        return _client_page(client, handover_form=form, status=409)
    note = submit(form, lambda: notes.add_handover(client, db.session.get(Advisor, form.to.data), form.body.data,
                                                   current_user), notes.NoteRejected,
                  once=url_for("me.client", client_id=client.id))
    if note is not None:
        flash(f"Handover note saved for {note.to_advisor.name}.", "success")
        return redirect(url_for("me.client", client_id=client.id))
    return _client_page(client, handover_form=form, status=400)


@bp.get("/handovers")
@role_required(ADVISOR)
def handovers():
    advisor = my_advisor()
    to_write, awaited = handovers_due.missing_notes(advisor, utcnow())
    return render_template("me/handovers.html", advisor=advisor, handovers=notes.my_handover_notes(advisor),
                           to_write=to_write, awaited=awaited)


# --- autonomy: protected-time preferences and case-work blocks ------------------------------------

def _time_page(weekly=None, once=None, status=200, removing: str | None = None):
    """My protected time; `removing` (an entry's key, preferences.entry_key) shows the question before that entry
    is removed."""
    advisor = my_advisor()
    return render_template("me/time.html", advisor=advisor, entries=preferences.current_preferences(advisor),
                           entry_key=preferences.entry_key,
                           weekly=weekly or WeeklyPreferenceForm(formdata=None),
                           once=once or CaseWorkBlockForm(formdata=None), remove=RemoveForm(formdata=None),
                           removing=removing, confirmed=CONFIRMED), status


@bp.get("/time")
@role_required(ADVISOR)
def my_time():
    return _time_page()


@bp.post("/time/weekly")
@keeps_typed_text
@role_required(ADVISOR)
def add_weekly():
    form = WeeklyPreferenceForm()
    if _add_time(form, day=form.day.data):
        flash("Saved. The planner will try to keep this time protected.", "success")
        return redirect(url_for("me.my_time"))
    return _time_page(weekly=form, status=400)


@bp.post("/time/once")
@keeps_typed_text
@role_required(ADVISOR)
def add_block():
    form = CaseWorkBlockForm()
    if _add_time(form, on=form.on.data, note=form.note.data or ""):
        flash("Saved. The planner will try to keep this time for your case work.", "success")
        return redirect(url_for("me.my_time"))
    return _time_page(once=form, status=400)


def _add_time(form, **when) -> bool:
    """Save the posted weekly preference or one-off block (`when`: its day or date, and note)."""
    return submit(form, lambda: preferences.add_preference(my_advisor(), current_user, start=form.start.data,
                                                           end=form.end.data, **when),
                  preferences.PreferenceRejected, once=url_for("me.my_time")) is not None


@bp.post("/time/remove")
@role_required(ADVISOR)
def remove_time():
    form = RemoveForm()
    if not form.validate_on_submit():
        abort(400)
    key = form.entry.data
    if request.form.get("confirm") != CONFIRMED and preferences.find_entry(my_advisor(), key) is not None:
        return _time_page(removing=key)  # asks first, in the page (it was a script-only dialog)
    try:
        preferences.remove_preference(my_advisor(), key, current_user)
    except preferences.PreferenceGone as err:
        flash(str(err), "error")
        return _time_page(status=409)
    flash("Removed.", "success")
    return redirect(url_for("me.my_time"))


# --- calendar feed --------------------------------------------------------------------------------

@bp.get("/calendar")
@role_required(ADVISOR)
def calendar():
    advisor = my_advisor()
    token = current_user.calendar_token
    url = url_for("me.calendar_feed", token=token, _external=True) if token else None
    return render_template("me/calendar.html", advisor=advisor, feed_url=url, form=ConfirmForm(),
                           turning_off=False, confirmed=CONFIRMED)


@bp.post("/calendar/renew")
@role_required(ADVISOR)
def renew_calendar():
    my_advisor()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    feeds.issue_token(current_user)
    flash("A new calendar address is ready; the old one no longer works.", "success")
    return redirect(url_for("me.calendar"))


@bp.post("/calendar/revoke")
@role_required(ADVISOR)
def revoke_calendar():
    advisor = my_advisor()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != CONFIRMED and current_user.calendar_token:
        # Asks first, in the page (it was a script-only dialog); nothing is turned off yet.
        url = url_for("me.calendar_feed", token=current_user.calendar_token, _external=True)
        return render_template("me/calendar.html", advisor=advisor, feed_url=url, form=ConfirmForm(),
                               turning_off=True, confirmed=CONFIRMED)
    feeds.revoke_token(current_user)
    flash("Calendar address turned off. Calendar apps using it will stop updating.", "success")
    return redirect(url_for("me.calendar"))


@bp.get("/calendar/<token>.ics")
@public  # the secret token is the credential: calendar apps cannot sign in
@limiter.limit("120 per hour")
def calendar_feed(token):
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    return Response(feeds.feed(user), mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="caseload.ics"'})
