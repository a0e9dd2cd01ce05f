"""The region page: plan every team's week on the shared queue, watch each team's run, cancel them all."""
from __future__ import annotations

from datetime import date

from flask import flash, jsonify, redirect, render_template, request, url_for
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
    status_now = region.region_status(week)
    return render_template("admin/region.html", region=status_now, form=form, cancel=cancel, week=week,
                           summary=_summary(status_now), confirming=confirming, cancelling=cancelling,
                           confirmed=CONFIRMED), status


STATE_WORDS = {"queued": "queued", "running": "running", "succeeded": "done", "failed": "failed",
               "cancelled": "cancelled"}


def _summary(status: dict) -> str:
    """One line for the page's live region (read out by screen readers as it changes): the runs by state,
    e.g. "Runs: 1 running, 1 queued." or "Every run has ended: 2 done." """
    counts = status["totals"]["counts"]
    parts = [f"{counts[s]} {word}" for s, word in STATE_WORDS.items() if counts.get(s)]
    lead = "Runs: " if status["active"] else "Every run has ended: "
    return lead + (", ".join(parts) if parts else "none") + "."


@bp.get("/region/status")
@role_required(ADMIN)
def region_status():
    """The region page's changing part as JSON, polled by static/region.js while runs are active (the page used
    to reload itself every 3 s and wiped what was being typed).

    ?week=YYYY-MM-DD as the page (a bad week: 400 with `error`). Returns {week, active (bool), summary (text),
    totals: {queued, running, succeeded, failed, cancelled, unplaced (counts), fill, continuity, protected
    (fractions 0..1 or null)}, rows: [{team, state, placed, unplaced}], html (the totals and the runs table,
    rendered as on the page)}."""
    week, problem = _week()
    if problem:
        return jsonify({"error": f"Week: {problem}"}), 400
    status = region.region_status(week)
    t = status["totals"]
    html = (render_template("admin/_region_totals.html", region=status)
            + render_template("admin/_region_runs.html", region=status))
    return jsonify({
        "week": week.isoformat(), "active": status["active"], "summary": _summary(status),
        "totals": {**{s: t["counts"].get(s, 0) for s in STATE_WORDS}, "unplaced": t["unplaced"],
                   "fill": t["fill"], "continuity": t["continuity"], "protected": t["protected"]},
        "rows": [{"team": r["team"].name, "state": r["state"], "placed": r["placed"] if r["has_plan"] else None,
                  "unplaced": r["unplaced"] if r["has_plan"] else None} for r in status["rows"]],
        "html": html})


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
