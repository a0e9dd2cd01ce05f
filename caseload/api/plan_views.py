"""JSON API: plan a week in the background (202 + a job to poll), read plans, publish a draft (409 on conflict)."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from caseload.api.blueprint import bp
from caseload.api.schemas import ApiError, body, job_body, plan_json, plan_summary
from caseload.api.views import LEADERS, managed_or_404, team_or_404, week_or_404
from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.models import Plan, SolveJob
from caseload.services.planning import runs as planning
from caseload.services.planning import plans


def _plan_or_404(plan_id: int) -> Plan:
    return managed_or_404(Plan, plan_id, "plan")


def _job_or_404(job_id: int) -> SolveJob:
    return managed_or_404(SolveJob, job_id, "planning job")


@bp.get("/teams/<int:team_id>/weeks/<week>/plans")
@role_required(*LEADERS)
def week_plans(team_id, week):
    team, week_start = team_or_404(team_id, manage=True), week_or_404(week)
    return [plan_summary(p) for p in plans.week_plans(team, week_start)]


@bp.post("/teams/<int:team_id>/weeks/<week>/plans")
@role_required(*LEADERS)
def create_plan_job(team_id, week):
    team, week_start = team_or_404(team_id, manage=True), week_or_404(week)
    data = body("JobRequest") if request.content_length else {}
    try:
        job = planning.start_plan_job(team, week_start, current_user, time_limit=data.get("time_limit"))
    except planning.PlanningBusy as err:
        raise ApiError(409, str(err)) from err
    db.session.refresh(job)  # an immediate queue (tests) has already run it
    url = job_body(job)["url"]
    return job_body(job), 202, {"Location": url}


@bp.get("/jobs/<int:job_id>")
@role_required(*LEADERS)
def get_job(job_id):
    return job_body(planning.fail_if_stale(_job_or_404(job_id)))


@bp.post("/jobs/<int:job_id>/cancel")
@role_required(*LEADERS)
def cancel_job(job_id):
    return job_body(planning.cancel_job(_job_or_404(job_id), current_user))


@bp.get("/plans/<int:plan_id>")
@role_required(*LEADERS)
def get_plan(plan_id):
    return plan_json(_plan_or_404(plan_id))


@bp.post("/plans/<int:plan_id>/publish")
@role_required(*LEADERS)
def publish_plan(plan_id):
    plan = _plan_or_404(plan_id)
    data = body("Publish")
    try:
        plans.publish_plan(plan, current_user, data["version"], data.get("published_version"))
    except plans.PublishConflict as err:
        raise ApiError(409, str(err)) from err
    return plan_summary(plan)
