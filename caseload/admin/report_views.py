"""Reports: one page of charts (drawn by static/reports.js from the JSON endpoints) and a CSV per chart.

Administrators see every team; team leaders see the teams they lead (another team is "not found").
"""
from __future__ import annotations

from flask import Response, abort, jsonify, render_template, request
from flask_login import current_user

from caseload.admin.blueprint import bp
from caseload.auth.access import role_required
from caseload.models import Role
from caseload.services import reports
from caseload.services.people.admin_lists import preferred_team
from caseload.services.rota.week import teams_for

READERS = (Role.ADMIN, Role.LEADER)


def _scope():
    """The teams this user may report on, and the one picked with ?team= (None: all of them)."""
    teams = teams_for(current_user)
    team_id = request.args.get("team", type=int)
    chosen = next((t for t in teams if t.id == team_id), None)
    if team_id is not None and chosen is None:
        abort(404)
    return teams, chosen


def _report(name: str) -> reports.Report:
    """The report `name` (a chart's JSON or CSV): over the user's teams, or the one picked with ?team=."""
    build = reports.REPORTS.get(name)
    if build is None:
        abort(404)
    teams, chosen = _scope()
    if name == "continuity-advisor":
        return build(teams, team=chosen or preferred_team(teams, current_user))
    return build([chosen] if chosen else teams)


@bp.get("/reports")
@role_required(*READERS)
def reports_page():
    teams, chosen = _scope()
    # Every chart has its figures as a table on the page too (for screen readers, and without script).
    # The per-advisor chart is of one team: the chosen one, else the user's own or the first with advisors.
    one = chosen or preferred_team(teams, current_user)
    tables = reports.page_reports(teams, one)
    return render_template("admin/reports.html", names=list(reports.REPORTS), teams=teams, tables=tables,
                           team_id=one.id if one else None, min_sample=reports.MIN_SAMPLE)


@bp.get("/reports/<name>.json")
@role_required(*READERS)
def report_json(name):
    return jsonify(_report(name).chart_json())


@bp.get("/reports/<name>.csv")
@role_required(*READERS)
def report_csv(name):
    report = _report(name)
    return Response(report.csv_text(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="caseload-{report.name}.csv"'})
