"""The region page: plan every team's week on the shared queue, watch each team's run, cancel them all."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from caseload.admin.blueprint import bp
from caseload.admin.forms import RegionCancelForm, RegionPlanForm
from caseload.admin.views import ADMIN
from caseload.auth.access import role_required
from caseload.localtime import this_week_start
from caseload.page_helpers import invalid
from caseload.services.region import runs as region
from caseload.services.demo import TIMEZONE
from caseload.values import parse_week


def _week() -> date:
    """?week=YYYY-MM-DD (a Monday the app plans), else this week; a malformed week falls back to this week."""
    try:
        return parse_week(request.args.get("week", ""))
    except ValueError:  # not a date, not a Monday, or outside the weeks the app plans (values.parse_week)
        return this_week_start(TIMEZONE)


def _page(week: date, form: RegionPlanForm | None = None, status: int = 200):
    form = form or RegionPlanForm(formdata=None, data={"week": week, "time_limit": 60})
    cancel = RegionCancelForm(formdata=None, data={"week": week})
    return render_template("admin/region.html", region=region.region_status(week), form=form, cancel=cancel,
                           week=week), status


@bp.get("/region")
@role_required(ADMIN)
def region_page():
    return _page(_week())


@bp.post("/region/plan")
@role_required(ADMIN)
def region_plan():
    form = RegionPlanForm()
    if not form.validate_on_submit():
        invalid(form)
        return _page(form.week.data if form.week.data and form.week.data.weekday() == 0 else _week(), form, 400)
    started = region.start_region(form.week.data, current_user, time_limit=form.time_limit.data)
    flash(f"Planning queued for {len(started.started)} team(s)."
          + (f" Already planning, left running: {', '.join(t.name for t in started.busy)}." if started.busy else ""),
          "success")
    return redirect(url_for("admin.region_page", week=form.week.data.isoformat()))


@bp.post("/region/cancel")
@role_required(ADMIN)
def region_cancel():
    form = RegionCancelForm()
    if not form.validate_on_submit():
        invalid(form)
        return _page(_week(), status=400)
    cancelled = region.cancel_region(form.week.data, current_user)
    flash(f"Cancelled {cancelled} run(s); no plan was changed.", "success")
    return redirect(url_for("admin.region_page", week=form.week.data.isoformat()))
