"""The region: every team's week planned at once on the shared queue, watched and cancelled together.

A region run is not a row of its own: it is each team's latest planning job (SolveJob) for the week, started
by `start_region` through planning.start_plan_job (so the one-active-job-per-week rule, the heartbeat and the
reaper hold exactly as for a leader's own run). Consumers on any number of machines take the jobs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select

from caseload.extensions import db
from caseload.jobs import QUEUE_DOWN, QueueUnreachable
from caseload.models import Plan, PlanItem, SolveJob, Team
from caseload.services import audit
from caseload.services.planning import runs as planning

STATES = ("queued", "running", "succeeded", "failed", "cancelled")


@dataclass
class RegionStart:
    """What start_region did: the jobs queued, the teams skipped because their week was already planning, and
    the teams whose run the queue could not take."""
    started: list[SolveJob] = field(default_factory=list)
    busy: list[Team] = field(default_factory=list)
    not_queued: list[Team] = field(default_factory=list)  # the queue could not be reached: their jobs failed


def teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def start_region(week: date, by, time_limit: float | None = None) -> RegionStart:
    """Queue a planning run of `week` for every team (time_limit in seconds; None: the configured limit).

    A team whose week is already being planned is skipped and listed in `busy` (its run goes on).
    Raises jobs.QueueUnreachable when the queue refuses a team's run: that team's job and the job of every team
    after it (not tried: each would wait for the same dead queue) are recorded failed with the reason, so the
    region page says why for each; the teams queued before it keep their runs, and the audit log names them."""
    result = RegionStart()
    for team in teams():
        try:
            if result.not_queued:
                if planning.record_not_queued(team, week, by, time_limit) is None:
                    result.busy.append(team)
                else:
                    result.not_queued.append(team)
            else:
                result.started.append(planning.start_plan_job(team, week, by, time_limit=time_limit))
        except planning.PlanningBusy:
            result.busy.append(team)
        except QueueUnreachable:
            result.not_queued.append(team)
    audit.record("region_plan_started", user=by, week=week.isoformat(), time_limit=time_limit,
                 started=len(result.started), busy=[t.name for t in result.busy],
                 **({"not_queued": [t.name for t in result.not_queued]} if result.not_queued else {}))
    db.session.commit()
    if result.not_queued:
        raise QueueUnreachable(not_queued_words(result))
    return result


def not_queued_words(result: RegionStart) -> str:
    """What a region start the queue refused part-way says: QUEUE_DOWN when no team was queued, else which teams'
    runs go on and which were not queued (nothing planned for them), so a retry is not a surprise."""
    if not result.started:
        return QUEUE_DOWN
    started = ", ".join(sorted(job.team.name for job in result.started))
    missing = ", ".join(t.name for t in result.not_queued)
    return (f"The planning queue stopped answering part-way: runs queued for {started} go on. Not queued, so nothing "
            f"was planned for them and their published plans are untouched: {missing}. Plan those teams again once "
            "the queue is back.")


def latest_jobs(week: date) -> dict[int, SolveJob]:
    """Each team's latest job for the week, by team id (a dead consumer's run is reaped on the way)."""
    newest = select(func.max(SolveJob.id)).where(SolveJob.week_start == week).group_by(SolveJob.team_id)
    jobs = {j.team_id: j for j in db.session.scalars(select(SolveJob).where(SolveJob.id.in_(newest)))}
    for job in jobs.values():
        if job.status in planning.ACTIVE:
            planning.fail_if_stale(job)
    return jobs


def cancel_region(week: date, by) -> int:
    """Cancel every queued or running job of the week; returns how many were cancelled."""
    cancelled = 0
    for job in latest_jobs(week).values():
        if job.status in planning.ACTIVE:
            cancelled += planning.cancel_job(job, by).status == "cancelled"
    audit.record("region_plan_cancelled", user=by, week=week.isoformat(), cancelled=cancelled)
    db.session.commit()
    return cancelled


def region_status(week: date) -> dict:
    """The region's week: one row per team and the totals.

    rows: [{team, job (SolveJob or None), state ('none' or a job status), progress (dict), message,
            figures: {fill, continuity, protected} as fractions 0..1 or None, placed, unplaced}]
    totals: {teams, counts by state, appointments, placed, unplaced, fill (placed/appointments over the
             region), continuity and protected (means over the teams with a plan, fractions), or None}"""
    jobs = latest_jobs(week)
    plan_ids = [j.plan_id for j in jobs.values() if j.plan_id]
    counts = {}
    figures = {}
    if plan_ids:
        placed = func.sum(case((PlanItem.advisor_id.is_not(None), 1), else_=0))
        counts = {pid: (p or 0, n) for pid, p, n in db.session.execute(
            select(PlanItem.plan_id, placed, func.count(PlanItem.id)).where(PlanItem.plan_id.in_(plan_ids))
            .group_by(PlanItem.plan_id))}
        figures = dict(db.session.execute(select(Plan.id, Plan.figures).where(Plan.id.in_(plan_ids))).all())
    rows = []
    for team in teams():
        job = jobs.get(team.id)
        placed, total = counts.get(job.plan_id, (0, 0)) if job and job.plan_id else (0, 0)
        plan_figures = figures.get(job.plan_id) or {} if job and job.plan_id else {}
        rows.append({"team": team, "job": job, "state": job.status if job else "none",
                     "progress": (job.progress or {}) if job else {}, "message": job.message if job else None,
                     "figures": {k: plan_figures.get(k) for k in ("fill", "continuity", "protected")},
                     "has_plan": bool(job and job.plan_id), "placed": placed, "unplaced": total - placed})
    planned = [r for r in rows if r["has_plan"]]
    appointments = sum(r["placed"] + r["unplaced"] for r in planned)

    def mean(key):
        values = [r["figures"][key] for r in planned if r["figures"][key] is not None]
        return sum(values) / len(values) if values else None

    totals = {"teams": len(rows), "counts": {s: sum(r["state"] == s for r in rows) for s in ("none", *STATES)},
              "appointments": appointments, "placed": sum(r["placed"] for r in planned),
              "unplaced": sum(r["unplaced"] for r in planned),
              "fill": (sum(r["placed"] for r in planned) / appointments) if appointments else None,
              "continuity": mean("continuity"), "protected": mean("protected")}
    return {"week": week, "rows": rows, "totals": totals,
            "active": any(r["state"] in planning.ACTIVE for r in rows)}
