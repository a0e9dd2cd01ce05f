"""Continuity weights: edit the active profile, and try proposed weights on a real week first."""
from __future__ import annotations

import re

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from caseload.form_expiry import keeps_typed_text
from caseload.admin.blueprint import bp
from caseload.admin.forms import WEIGHT_FIELDS, WeightsForm, WhatIfForm
from caseload.admin.views import ADMIN
from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Team
from caseload.page_helpers import form_version, invalid, show_stored
from caseload.services.people import admin_lists
from caseload.services.planning import weights


def _forms(profile, what_if: WhatIfForm | None = None, form: WeightsForm | None = None):
    form = form or WeightsForm(data={**profile.as_weights(), "version": profile.version_id})
    teams = admin_lists.all_teams()
    if what_if is None:
        first = admin_lists.preferred_team(teams, current_user)  # not a new empty team that happens to sort first
        what_if = WhatIfForm(formdata=None, data={**profile.as_weights(), "time_limit": 10, "team": first.id if first else None,
                                                  "week": this_week_start(first.timezone) if first else None})
    what_if.team.choices = [SelectChoice(t.id, t.name) for t in teams]
    return form, what_if


CONFIRMED = "every-team"  # the confirmation step's button value: the weights apply to every team


def _page(profile, form, what_if, status=200, changes=None):
    """The weights page; `changes` ({field: (old, new)}) shows the confirmation step for them."""
    return render_template("admin/weights.html", profile=profile, form=form, what_if=what_if,
                           fields=WEIGHT_FIELDS, explanations=weights.EXPLANATIONS, changes=changes,
                           team_count=len(admin_lists.all_teams()), confirmed=CONFIRMED,
                           moves_promised=weights.moves_promised(profile.as_weights())), status


@bp.get("/weights")
@role_required(ADMIN)
def weights_page():
    profile = weights.active_profile()
    form, what_if = _forms(profile)
    return _page(profile, form, what_if)


@bp.post("/weights")
@keeps_typed_text
@role_required(ADMIN)
def save_weights():
    profile = weights.active_profile()
    form = WeightsForm()
    if not form.validate_on_submit():
        invalid(form)
        return _page(profile, *_forms(profile, form=form), status=400)
    if request.form.get("confirm") != CONFIRMED:
        # The first press only asks, in the page (no script needed): the weights apply to every team at once.
        old = profile.as_weights()
        changes = {name: (old[name], value) for name, value in form.weights().items() if old[name] != value}
        return _page(profile, *_forms(profile, form=form), changes=changes)
    version = form_version(form)  # a garbled version (-1) is a stale one: refused, not saved blind
    try:
        weights.save_weights(profile, form.weights(), version, by=current_user)
        flash("Weights saved. The next planning run uses them; published weeks are not changed.", "success")
        return redirect(url_for("admin.weights_page"))
    except weights.WeightsRejected as err:
        getattr(form, err.field).errors = [str(err)]
        flash(f"Not saved. {getattr(form, err.field).label.text}: {err}", "error")
    except weights.WeightsConflict as err:
        db.session.expire_all()
        profile = weights.active_profile()
        show_stored(form, profile.as_weights(), err)
        return _page(profile, *_forms(profile, form=form), status=409)
    return _page(profile, *_forms(profile, form=form), status=400)


@bp.post("/weights/what-if")
@keeps_typed_text
@role_required(ADMIN)
def start_what_if():
    profile = weights.active_profile()
    what_if = WhatIfForm()
    what_if.team.choices = [SelectChoice(t.id, t.name) for t in admin_lists.all_teams()]
    if not what_if.validate_on_submit():
        invalid(what_if)
        form, what_if = _forms(profile, what_if=what_if)
        return _page(profile, form, what_if, status=400)
    team = db.session.get(Team, what_if.team.data)
    task_id = weights.start_what_if(team, what_if.week.data, what_if.weights(), what_if.time_limit.data)
    return redirect(url_for("admin.what_if", task_id=task_id))


def _what_if_result(task_id: str) -> dict | None:
    """The comparison, or None while it runs; raises weights.WhatIfGone for a malformed, unknown or expired id."""
    if not re.fullmatch(r"[0-9a-f-]{8,64}", task_id):
        raise weights.WhatIfGone(task_id)
    return weights.what_if_result(task_id)


@bp.get("/weights/what-if/<task_id>/status")
@role_required(ADMIN)
def what_if_status(task_id):
    """Whether the what-if has ended, polled by static/what_if.js (the page used to reload itself every 2 s).

    Returns {state: "running" | "done" | "gone"}; "gone" with status 404 (the page then says so)."""
    try:
        result = _what_if_result(task_id)
    except weights.WhatIfGone:
        return jsonify({"state": "gone"}), 404
    return jsonify({"state": "running" if result is None else "done"})


@bp.get("/weights/what-if/<task_id>")
@role_required(ADMIN)
def what_if(task_id):
    try:
        result = _what_if_result(task_id)
    except weights.WhatIfGone:
        # Said plainly, without the refresh: waiting would never bring this one back.
        return render_template("admin/what_if.html", gone=True, result=None), 404
    profile = weights.active_profile()
    form = None
    if result and "proposed" in result:
        # Saving from here saves exactly the weights that were tried.
        form = WeightsForm(formdata=None, data={**result["proposed"]["weights"], "version": profile.version_id})
    return render_template("admin/what_if.html", result=result, task_id=task_id, form=form, fields=WEIGHT_FIELDS,
                           explanations=weights.EXPLANATIONS, profile=profile)
