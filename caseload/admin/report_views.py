"""Reports: one page of charts (drawn by static/reports.js from the JSON endpoints) and a CSV per chart."""
from __future__ import annotations

from flask import Response, abort, jsonify, render_template, request

from caseload.admin import bp
from caseload.admin.views import ADMIN
from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.models import Team
from caseload.services import admin, reports


def _report(name: str) -> reports.Report:
    build = reports.REPORTS.get(name)
    if build is None:
        abort(404)
    if name == "continuity-advisor":
        team_id = request.args.get("team", type=int)
        team = db.session.get(Team, team_id) if team_id else None
        if team_id and team is None:
            abort(404)
        return build(team=team)
    return build()


@bp.get("/reports")
@role_required(ADMIN)
def reports_page():
    teams = admin.all_teams()
    team_id = request.args.get("team", type=int) or (teams[0].id if teams else None)
    return render_template("admin/reports.html", names=list(reports.REPORTS), teams=teams, team_id=team_id)


@bp.get("/reports/<name>.json")
@role_required(ADMIN)
def report_json(name):
    return jsonify(_report(name).chart_json())


@bp.get("/reports/<name>.csv")
@role_required(ADMIN)
def report_csv(name):
    report = _report(name)
    return Response(report.csv_text(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="caseload-{report.name}.csv"'})
