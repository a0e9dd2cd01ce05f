"""CSV import of clients and of a week's requests (all-or-nothing), with template downloads."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from caseload import form_once
from caseload.auth.access import role_required
from caseload.localtime import this_week_start
from caseload.page_helpers import week_or_404
from caseload.rota.blueprint import bp
from caseload.rota.forms import ImportForm
from caseload.rota.views import LEADERS, team_or_404
from caseload.services.rota import csv_import
from caseload.services.rota import csv_templates


def _read(form: ImportForm) -> bytes:
    return form.file.data.read()


@bp.route("/t/<int:team_id>/import/clients", methods=["GET", "POST"])
@role_required(*LEADERS)
def import_clients(team_id):
    team = team_or_404(team_id)
    form, result = ImportForm(), None
    if form.validate_on_submit():
        form_once.claim(form, url_for("rota.clients", team_id=team.id))
        result = csv_import.import_clients(team, _read(form), current_user, update_existing=form.replace.data)
        if result.ok:
            flash(f"Imported clients: {result.created} added, {result.updated} updated.", "success")
            return redirect(url_for("rota.clients", team_id=team.id))
    status = 400 if result is not None or form.errors else 200
    return render_template("rota/import.html", team=team, week=this_week_start(team.timezone), form=form,
                           result=result, what="clients", columns=csv_import.client_columns(),
                           template_url=url_for("rota.clients_template", team_id=team.id)), status


@bp.get("/t/<int:team_id>/import/clients/template.csv")
@role_required(*LEADERS)
def clients_template(team_id):
    body = csv_templates.clients_template(team_or_404(team_id))
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=clients.csv"})


@bp.route("/t/<int:team_id>/<week>/import/requests", methods=["GET", "POST"])
@role_required(*LEADERS)
def import_requests(team_id, week):
    team, week_start = team_or_404(team_id), week_or_404(week)
    form, result = ImportForm(), None
    if form.validate_on_submit():
        form_once.claim(form, url_for("rota.requests", team_id=team.id, week=week))
        result = csv_import.import_requests(team, week_start, _read(form), current_user)
        if result.ok:
            flash(f"Imported {result.created} appointment requests.", "success")
            if result.warnings:
                shown = "; ".join(f"line {w.line}: {w.message}" for w in result.warnings[:10])
                more = f" (and {len(result.warnings) - 10} more)" if len(result.warnings) > 10 else ""
                rows = len({w.line for w in result.warnings})
                flash(f"Warning: {rows} of them cannot be planned as they stand — {shown}{more}", "warning")
            return redirect(url_for("rota.requests", team_id=team.id, week=week))
    status = 400 if result is not None or form.errors else 200
    return render_template("rota/import.html", team=team, week=week_start, form=form, result=result,
                           what="appointment requests", columns=csv_import.request_columns(week_start),
                           template_url=url_for("rota.requests_template", team_id=team.id, week=week)), status


@bp.get("/t/<int:team_id>/<week>/import/requests/template.csv")
@role_required(*LEADERS)
def requests_template(team_id, week):
    team = team_or_404(team_id)
    week_or_404(week)
    body = csv_templates.requests_template(team)
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=requests.csv"})
