"""Office closure days (bank holidays, the office shut): the administrator's list, add and remove
(services/closures). Adding one lists the booked appointments it falls on, to rebook. The list shows upcoming
closures and those of the last RECENT_DAYS days, paged; `?older=1` pages through the older ones, newest first."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from caseload.admin.blueprint import bp
from caseload.admin.forms import ClosureForm
from caseload.admin.views import ADMIN
from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.form_expiry import keeps_typed_text
from caseload.forms import Form
from caseload.models import ClosureDay, Team
from caseload.models import utcnow
from caseload.page_helpers import invalid, list_query
from caseload.services import closures
from caseload.services.closures import broken as closure_broken
from sqlalchemy import select

WHOLE_SERVICE = 0


def _form(form: ClosureForm | None = None) -> ClosureForm:
    form = form or ClosureForm(formdata=None)
    form.team.choices = [SelectChoice(WHOLE_SERVICE, "The whole service (every team)")] + [
        SelectChoice(t.id, f"Team {t.name} only") for t in db.session.scalars(select(Team).order_by(Team.name))]
    return form


def _page(form: ClosureForm | None = None, status: int = 200, added: ClosureDay | None = None):
    older = request.args.get("older") == "1"
    since = utcnow().date() - timedelta(days=closures.RECENT_DAYS)
    query = list_query((), older="1" if older else None)
    listing = (closures.closure_list(query, last=since - timedelta(days=1), newest_first=True) if older
               else closures.closure_list(query, first=since))
    return render_template("admin/closures.html", form=_form(form), listing=listing, older=older, since=since,
                           older_count=0 if older else closures.count_closures_before(since), recent_days=closures.RECENT_DAYS,
                           remove_form=Form(),
                           breaks=closure_broken.closure_breaks(added) if added is not None else []), status


@bp.get("/closures")
@role_required(ADMIN)
def closures_page():
    return _page()


@bp.post("/closures")
@keeps_typed_text
@role_required(ADMIN)
def add_closure():
    form = _form(ClosureForm())
    if not form.validate_on_submit():
        invalid(form)
        return _page(form, 400)
    team = db.session.get(Team, form.team.data) if form.team.data != WHOLE_SERVICE else None
    try:
        added = closures.add_closure(form.day.data, team, form.reason.data, by=current_user)
    except closures.ClosureRejected as err:
        db.session.rollback()
        getattr(form, err.field).errors = [str(err)]
        flash(f"Not saved. {getattr(form, err.field).label.text}: {err}", "error")
        return _page(form, 400)
    db.session.commit()
    breaks = closure_broken.closure_breaks(added)
    flash(f"Office closed {added.day:%a %d %b %Y} for {added.scope} ({added.reason}): nothing is planned or offered "
          "that day.", "success")
    if breaks:
        count = sum(n for _, _, n in breaks)
        flash(f"{count} booked appointment{'s' if count != 1 else ''} already on that day need{'s' if count == 1 else ''} "
              "a rebook: see the list below.", "warning")
        return _page(None, 200, added)
    return redirect(url_for("admin.closures_page"))


@bp.post("/closures/<int:closure_id>/remove")
@role_required(ADMIN)
def remove_closure(closure_id):
    closure = db.session.get(ClosureDay, closure_id)
    if closure is None:
        abort(404)
    form = Form()
    if not form.validate_on_submit():
        flash("Not removed: the form's security token was missing or expired; try again.", "error")
        return redirect(url_for("admin.closures_page"))
    words = f"{closure.day:%a %d %b %Y} for {closure.scope} ({closure.reason})"
    closures.remove_closure(closure, by=current_user)
    db.session.commit()
    flash(f"Closure removed: {words}. Re-plan the week to use the day again.", "success")
    # Back to the list it was removed from: the older closures' page when it was there.
    return redirect(url_for("admin.closures_page", older=1) if request.form.get("older") == "1"
                    else url_for("admin.closures_page"))
