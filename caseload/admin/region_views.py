"""The region page: plan every team's week on the shared queue, watch each team's run, cancel them all."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from caseload.form_expiry import keeps_typed_text
from caseload.admin.blueprint import bp
from caseload.admin.forms import RegionCancelForm, RegionPlanForm
from caseload.admin.views import ADMIN
from caseload.auth.access import role_required
from caseload.localtime import this_week_start
from caseload.page_helpers import invalid
from caseload.services.region import runs as region
from caseload.services.demo import TIMEZONE
from caseload.values import ValueRejected, parse_week
from caseload.wording import counted


def _week() -> tuple[date, str | None]:
    """?week=YYYY-MM-DD (a Monday the app plans), else this week; with why the week given was not taken (None:
    it was, or none was given). A bad week used to fall back to this week silently: an administrator who typed
    or kept a wrong link saw this week's runs as if they were the week asked for."""
    text = request.args.get("week", "").strip()
    if not text:
        return this_week_start(TIMEZONE), None
    try:
        return parse_week(text), None
    except ValueRejected as err:  # not a Monday, or outside the weeks the app plans (values.parse_week)
        problem = str(err)
    except ValueError:
        problem = f"{text[:40]!r} is not a date YYYY-MM-DD."
    return this_week_start(TIMEZONE), problem


def _asked_week() -> date:
    """The week of ?week=; a bad one is shown as an error (the page then shows this week, status 400)."""
    week, problem = _week()
    if problem:
        flash(f"Week: {problem} Showing this week instead.", "error")
    return week


CONFIRMED = "every-team"  # the confirmation step's button value: a run for every team


def _page(week: date, form: RegionPlanForm | None = None, status: int = 200, confirming: bool = False,
          cancelling: bool = False):
    """The region page; `confirming` shows the question before a run for every team is queued, `cancelling`
    the one before every queued and running run is cancelled."""
    form = form or RegionPlanForm(formdata=None, data={"week": week, "time_limit": 60})
    cancel = RegionCancelForm(formdata=None, data={"week": week})
    return render_template("admin/region.html", region=region.region_status(week), form=form, cancel=cancel,
                           week=week, confirming=confirming, cancelling=cancelling, confirmed=CONFIRMED), status


@bp.get("/region")
@role_required(ADMIN)
def region_page():
    week, problem = _week()
    if problem:
        flash(f"Week: {problem} Showing this week instead.", "error")
    return _page(week, status=400 if problem else 200)


@bp.post("/region/plan")
@keeps_typed_text
@role_required(ADMIN)
def region_plan():
    form = RegionPlanForm()
    if not form.validate_on_submit():
        invalid(form)
        return _page(form.week.data if form.week.data and not form.week.errors else _asked_week(), form, 400)
    if request.form.get("confirm") != CONFIRMED:
        # The first press only asks, in the page (no script needed): every team gets a new draft at once.
        return _page(form.week.data, form, confirming=True)
    started = region.start_region(form.week.data, current_user, time_limit=form.time_limit.data)
    flash(f"Planning queued for {counted(len(started.started), 'team')}."
          + (f" Already planning, left running: {', '.join(t.name for t in started.busy)}." if started.busy else ""),
          "success")
    return redirect(url_for("admin.region_page", week=form.week.data.isoformat()))


@bp.post("/region/cancel")
@role_required(ADMIN)
def region_cancel():
    form = RegionCancelForm()
    if not form.validate_on_submit():
        invalid(form)
        return _page(form.week.data if form.week.data and not form.week.errors else _asked_week(), status=400)
    if request.form.get("confirm") != CONFIRMED:  # asks first, in the page (it was a script-only dialog)
        return _page(form.week.data, cancelling=True)
    cancelled = region.cancel_region(form.week.data, current_user)
    flash(f"Cancelled {counted(cancelled, 'run')}; no plan was changed.", "success")
    return redirect(url_for("admin.region_page", week=form.week.data.isoformat()))
