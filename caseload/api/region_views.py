"""JSON API for administrators: plan every team's week on the shared queue, watch it, cancel it."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from caseload.api.blueprint import bp
from caseload.api.schemas import body, job_body
from caseload.api.views import week_or_404
from caseload.auth.access import role_required
from caseload.models import Role
from caseload.services.region import runs as region


def region_json(week, **extra) -> dict:
    status = region.region_status(week)
    return {"week": week.isoformat(), **extra, "totals": status["totals"],
            "teams": [{"team_id": r["team"].id, "team": r["team"].name, "state": r["state"],
                       "job": job_body(r["job"]) if r["job"] else None, "figures": r["figures"],
                       "placed": r["placed"], "unplaced": r["unplaced"]} for r in status["rows"]]}


@bp.get("/region/weeks/<week>")
@role_required(Role.ADMIN)
def region_week(week):
    return region_json(week_or_404(week))


@bp.post("/region/weeks/<week>/plans")
@role_required(Role.ADMIN)
def region_plan(week):
    week_start = week_or_404(week)
    data = body("JobRequest") if request.content_length else {}
    started = region.start_region(week_start, current_user, time_limit=data.get("time_limit"))
    return region_json(week_start, started=len(started.started), busy=[t.id for t in started.busy]), 202


@bp.post("/region/weeks/<week>/cancel")
@role_required(Role.ADMIN)
def region_cancel(week):
    week_start = week_or_404(week)
    return region_json(week_start, cancelled=region.cancel_region(week_start, current_user))
