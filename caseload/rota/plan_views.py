"""Planning runs, reviewing, adjusting and publishing a week's plan, handover notes."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import defer
from wtforms import SelectChoice

from caseload import form_expiry
from caseload.form_expiry import keeps_typed_text
from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.localtime import NoSuchLocalTime, to_local, typed_to_utc, week_days
from caseload.models import Advisor, Plan, PlanItem, SolveJob, utcnow
from caseload.page_helpers import field_errors, form_version, week_or_404
from caseload.values import whole_number
from caseload.wording import counted
from caseload.rota.blueprint import bp
from caseload.rota.forms import ConfirmForm, HandoverForm, MoveForm, PlanForm, PublishForm
from caseload.rota.views import (
    CONFIRMED, LEADERS, run_result, _week_page, advisor_in_team, job_finished, managed_or_404, team_or_404,
)
from caseload.services.closures import closed_days
from caseload.services.planning import adjust
from caseload.services.planning import handovers
from caseload.services.planning import move_offers
from caseload.services.planning import plan_words
from caseload.services.planning import runs as planning
from caseload.services.planning import plans
from caseload.services.planning.met_requests import met_ids, reason_now
from caseload.services.planning.plan_list import desk_version_ids
from caseload.services.planning import team_grid
from caseload.services.planning.problem import advisor_sid, local_naive, team_advisors
from caseload.services.planning.publish_summary import promised_changes, publish_summary
from scheduler.model import TIME_FORMAT


def _plan_or_404(plan_id: int) -> Plan:
    return managed_or_404(Plan, plan_id)


def _job_or_404(job_id: int) -> SolveJob:
    return managed_or_404(SolveJob, job_id)


def _start(team, week_start, time_limit=None):
    """Plan from the published plan when there is one (minimal disruption), keeping pins."""
    try:
        job = planning.start_plan_job(team, week_start, current_user, time_limit=time_limit)
        # Said in the run's box on the week page (not a flash), which says "Finished in …" once it has ended.
        return job
    except planning.PlanningBusy as err:
        flash(str(err), "error")
        return None


@bp.post("/t/<int:team_id>/<week>/plan")
@role_required(*LEADERS)
def plan_week(team_id, week):
    team, week_start = team_or_404(team_id), week_or_404(week)
    form = PlanForm()
    if not form.validate_on_submit():  # the week again, with what was typed and why it was refused
        flash(form_expiry.EXPIRED if form_expiry.expired() else " ".join(form.time_limit.errors), "error")
        return _week_page(team, week_start, plan_form=form), 400
    _start(team, week_start, form.time_limit.data)
    return redirect(url_for("rota.week", team_id=team.id, week=week) + "#planning")


@bp.get("/jobs/<int:job_id>")
@role_required(*LEADERS)
def job_status(job_id):
    job = planning.fail_if_stale(_job_or_404(job_id))
    data = planning.job_json(job)
    result = run_result(job, plans.published_plan(job.team, job.week_start)) if job.plan_id else None
    data["plan_url"] = url_for("rota.review", plan_id=result[0].id) if result else None
    data["finished"] = job_finished(job)
    return jsonify(data)


@bp.post("/jobs/<int:job_id>/cancel")
@role_required(*LEADERS)
def cancel_job(job_id):
    job = _job_or_404(job_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    if ConfirmForm().validate_on_submit():
        if not wants_json and request.form.get("confirm") != CONFIRMED and job.status in ("queued", "running"):
            # Asks first, in the page (it was a script-only dialog); the run goes on meanwhile.
            return _week_page(job.team, job.week_start, cancelling=True)
        planning.cancel_job(job, current_user)
        flash("Cancelling: the run stops and its result is discarded; no plan changes.", "success")
    if wants_json:
        return jsonify(planning.job_json(job))
    return redirect(url_for("rota.week", team_id=job.team_id, week=job.week_start.isoformat()) + "#planning")


@bp.get("/plans/<int:plan_id>")
@role_required(*LEADERS)
def review(plan_id):
    return _review_page(plan_id)


def _review_page(plan_id: int, move_form: MoveForm | None = None, replanning: bool = False):
    """The review page; `move_form`: the move form as posted (a refused move shows it again as the leader filled it);
    `replanning` shows the question before the week is planned again."""
    # The problem and solution documents (large JSON) are not needed to show the plan: load them only if used.
    plan = db.session.get(Plan, plan_id, options=[defer(Plan.problem), defer(Plan.solution)])
    if plan is None:
        abort(404)
    team_or_404(plan.team_id)
    team, days = plan.team, week_days(plan.week_start)
    advisors = team_advisors(team)
    items = team_grid.load_items(plan)  # loads requests, clients and types in bulk for everything below
    published = plans.published_plan(team, plan.week_start)
    compare = plan.based_on if plan.based_on is not None else (published if published is not plan else None)
    diff = plans.plan_diff(plan, compare) if compare else None
    filters = _filters(advisors)
    noted = team_grid.handover_item_ids(plan)
    needing = handovers.needs_note_ids(items)  # cover (not policing) not broken by an absence or closure
    placed_view = team_grid.appointments(plan, items, advisors, {new.id for new, _ in diff.moved} if diff else set(),
                                         noted)
    day = team_grid.choose_day(days, request.args.get("day"), placed_view, local_naive(utcnow(), team.timezone))
    asked = (request.args.get("day") or "").strip()
    if asked and asked != day.isoformat():  # a link's bad day used to show the first day as if it were the one asked
        flash(f"Day: {asked[:40]!r} is not a day of this week's plan ({days[0]:%a %d %b} to {days[-1]:%a %d %b}); "
              f"showing {day:%A %d %b}.", "error")
    placed_count = sum(1 for i in items if i.advisor_id is not None)
    words = {"quality": plan_words.quality_words(plan.score, plan.bound, plan.solver_status),
             "continuity": plan_words.continuity_words(plan.figures), "fill": plan_words.fill_words(placed_count, len(items))}
    choosing = _chosen_item(plan, items, move_form)
    moving = move_offers.move_offers(plan, choosing, advisors) if choosing is not None else None
    if move_form is None:
        move_form = MoveForm(version=plan.version_id, item=str(choosing.id) if choosing is not None else "")
    move_form.advisor.choices = [SelectChoice(a.id, a.name) for a in advisors]
    unassigned = [i for i in plan.items if i.advisor_id is None]
    return render_template(
        "rota/review.html", plan=plan, team=team, week=plan.week_start, days=days,
        closed=closed_days(team.id, days[0], days[-1]),
        load=team_grid.week_load(plan, advisors, days, placed_view),
        published=published, compare=compare, diff=diff, filters=filters, words=words, flag_names=team_grid.FLAGS,
        team_day=team_grid.team_day(plan, advisors, day, placed_view, filters, moving), advisors=advisors,
        moving=moving, offer_form=MoveForm(version=plan.version_id),
        filter_args={k: v for k, v in vars(filters).items() if v is not None},
        overview=team_grid.week_overview(plan, advisors, days, placed_view, filters), day=day,
        unassigned=unassigned, met=met_ids(i.request for i in unassigned), reason_now=reason_now, move_form=move_form,
        no_note=[i for i in items if i.id in needing and i.id not in noted], needing=needing,
        publish_form=PublishForm(version=plan.version_id, published=published.published_version if published else 0),
        confirm=ConfirmForm(), tz=team.timezone, move_choices=_move_choices(placed_view, advisors),
        promised=promised_changes(plan, published) if plan.status == "draft" else [], replanning=replanning,
        desk_made=bool(desk_version_ids([plan])),
        confirmed=CONFIRMED)


def _chosen_item(plan: Plan, items: list[PlanItem], posted: MoveForm | None) -> PlanItem | None:
    """The appointment chosen to move (`?move=<item id>`, or the one a refused move form posted) in a draft;
    anything else chooses nothing."""
    wanted = request.args.get("move", "") or (posted.item.data or "" if posted is not None else "")
    if plan.status != "draft" or whole_number(wanted) is None:
        return None
    return next((i for i in items if i.id == whole_number(wanted) and i.request is not None), None)


def _move_choices(placed: list, advisors: list) -> list[tuple[int, str]]:
    """The move form's placed appointments, by time then advisor, labelled without touching the ORM per row."""
    names = {a.id: a.name for a in advisors}
    return [(a.item.id, f"{a.reference} · {a.type_name} · {names.get(a.advisor_id, '?')} {a.start:%a %H:%M}")
            for a in sorted(placed, key=lambda a: (a.start, a.advisor_id)) if a.reference]


def _filters(advisors) -> team_grid.Filters:
    """The review page's GET filters; a value that is not one of the choices is ignored (shows everything)."""
    args = request.args
    advisor = args.get("advisor", "")
    advisor_id = whole_number(advisor) if whole_number(advisor) in {a.id for a in advisors} else None
    client = (args.get("client") or "").strip()[:80] or None
    kind = args.get("kind") if args.get("kind") in team_grid.KINDS else None
    flag = args.get("flag") if args.get("flag") in team_grid.FLAGS else None
    return team_grid.Filters(advisor_id, client, kind, flag)


def _move_target(plan: Plan, form: MoveForm) -> tuple[PlanItem, Advisor, datetime]:
    item = db.session.get(PlanItem, whole_number(form.item.data)) if whole_number(form.item.data) is not None else None
    if item is None or item.plan_id != plan.id:
        abort(404)
    advisor = advisor_in_team(plan.team, form.advisor.data)
    return item, advisor, datetime.combine(form.day.data, form.time.data)


@bp.post("/plans/<int:plan_id>/move")
@keeps_typed_text
@role_required(*LEADERS)
def move(plan_id):
    plan = _plan_or_404(plan_id)
    form = MoveForm()
    form.advisor.choices = [SelectChoice(a.id, a.name) for a in team_advisors(plan.team)]
    if not form.validate_on_submit():  # say which field (e.g. a start off the 15-minute grid)
        flash("Not moved: " + field_errors(form) if form.errors else "Choose an advisor, a day and a start time.",
              "error")
        return render_review_error(plan, form, 400)
    item, advisor, start = _move_target(plan, form)
    try:  # a start the clocks skip is refused naming it, not moved an hour on
        typed_to_utc(start.date(), start.time(), plan.team.timezone)
    except NoSuchLocalTime as err:
        flash(f"Not moved: {form.time.label.text}: {err}.", "error")
        return render_review_error(plan, form, 400)
    try:
        offer = None
        if form.offer.data:  # a planner offer chosen in the team view: its other moves come with it
            offer_advisor, offer_start, offer = move_offers.read_token(plan, form.offer.data)
            if (offer_advisor, offer_start) != (advisor_sid(advisor.id), start.strftime(TIME_FORMAT)):
                raise adjust.AdjustRejected("Not moved: the chosen offer does not match the advisor and time sent. "
                                            "Choose the appointment again to see fresh offers.")
        result = adjust.move_appointment(plan, item, advisor, start, form.pin.data, form_version(form) or -1, current_user,
                                         reason=form.reason.data, offer=offer)
    except adjust.NeedsConfirmation as err:
        # Nothing saved yet (409 for scripts): the leader confirms with a reason, or goes back.
        return render_template("rota/confirm_move.html", plan=plan, team=plan.team, week=plan.week_start, form=form,
                               item=item, advisor=advisor, start=start, warnings=err.warnings, offer=offer), 409
    except adjust.AdjustRejected as err:
        flash(str(err), "error")
        return render_review_error(plan, form)
    also = (f"; {counted(len(result.moved_too), 'other appointment')} moved to make room" if result.moved_too
            else "")
    flash(f"{item.request.client.reference} moved to {advisor.name} {start:%a %d %b %H:%M}"
          + (" and pinned" if form.pin.data else "") + also
          + (f"; {counted(result.shortened_blocks, 'protected block')} shortened" if result.shortened_blocks else "")
          + ".",
          "success")
    if result.needs_handover:
        return redirect(url_for("rota.handover", plan_id=plan.id, item_id=item.id))
    return redirect(url_for("rota.review", plan_id=plan.id))


def render_review_error(plan: Plan, move_form: MoveForm | None = None, status: int = 409):
    """Back to the review page with the message (and the move form as it was posted, so nothing typed is lost);
    409 (or 400 for a form that does not validate) so scripts see nothing was saved."""
    db.session.expire_all()
    return _review_page(plan.id, move_form), status


@bp.post("/plans/<int:plan_id>/resolve")
@role_required(*LEADERS)
def resolve(plan_id):
    plan = _plan_or_404(plan_id)
    if ConfirmForm().validate_on_submit():
        if request.form.get("confirm") != CONFIRMED:  # asks first, in the page (it was a script-only dialog)
            return _review_page(plan.id, replanning=True)
        _start(plan.team, plan.week_start)
    return redirect(url_for("rota.week", team_id=plan.team_id, week=plan.week_start.isoformat()) + "#planning")


@bp.get("/plans/<int:plan_id>/publish")
@role_required(*LEADERS)
def publish_confirm(plan_id):
    """What publishing will do (new allocations, covering without handover, unassigned, changes); confirm."""
    plan = _plan_or_404(plan_id)
    if plan.status != "draft":
        flash(f"This plan is already {plan.status}; there is nothing to publish.", "error")
        return redirect(url_for("rota.review", plan_id=plan.id))
    published = plans.published_plan(plan.team, plan.week_start)
    return render_template(
        "rota/publish.html", plan=plan, team=plan.team, week=plan.week_start, tz=plan.team.timezone,
        summary=publish_summary(plan, published), published=published, confirm=ConfirmForm(),
        publish_form=PublishForm(version=plan.version_id, published=published.published_version if published else 0))


@bp.post("/plans/<int:plan_id>/publish")
@role_required(*LEADERS)
def publish(plan_id):
    plan = _plan_or_404(plan_id)
    form = PublishForm()
    if not form.validate_on_submit() or whole_number(form.version.data) is None or whole_number(form.published.data) is None:
        abort(400)
    try:
        plans.publish_plan(plan, current_user, whole_number(form.version.data), whole_number(form.published.data))
    except plans.PublishConflict as err:
        flash(str(err), "error")
        return render_review_error(plan)
    flash(f"Published version {plan.published_version} of the week of {plan.week_start:%d %b}.", "success")
    return redirect(url_for("rota.review", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/items/<int:item_id>/handover", methods=["GET", "POST"])
@keeps_typed_text
@role_required(*LEADERS)
def handover(plan_id, item_id):
    plan = _plan_or_404(plan_id)
    item = db.session.get(PlanItem, item_id)
    # An item whose request was removed since the plan was made has no client to write about: not found (was a 500).
    if item is None or item.plan_id != plan.id or item.advisor_id is None or item.request is None:
        abort(404)
    if not handovers.is_cover(item):  # a compliance review with someone else is policing kept apart: no note
        abort(404, "No handover note here: this appointment is not cover (a compliance review, or with the named "
                   "advisor).")
    form = HandoverForm()
    if form.validate_on_submit():
        adjust.add_handover(item, form.body.data, current_user)
        flash(f"Handover note saved for {item.advisor.name}.", "success")
        return redirect(url_for("rota.review", plan_id=plan.id))
    if form_expiry.expired():
        flash(form_expiry.EXPIRED, "error")
    return render_template("rota/handover.html", plan=plan, item=item, form=form, team=plan.team, week=plan.week_start,
                           start=to_local(item.starts_at, plan.team.timezone)), 400 if request.method == "POST" else 200
