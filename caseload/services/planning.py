"""Planning a week in the background: start a solve job, report its progress, cancel it, run it.

The web request only creates the SolveJob row and enqueues it; the worker runs `run_job`. Progress is
written from the solver's callback through its own short session (the callback may run on a solver
thread), at most about once a second. A failed or cancelled run never touches any plan.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseload.extensions import db
from caseload.models import Plan, SolveJob, Team, User, utcnow
from caseload.services import audit
from caseload.services.plans import save_plan
from caseload.services.problem import build_problem

log = logging.getLogger(__name__)
ACTIVE = ("queued", "running")
PROGRESS_EVERY_S = 1.0
# A running job this long past its time limit has lost its worker (crash, restart).
STALE_AFTER_S = 120


BUSY = "This week is already being planned; wait for that run or cancel it."


class PlanningBusy(RuntimeError):
    """This week is already being planned."""


def latest_job(team: Team, week_start: date) -> SolveJob | None:
    job = db.session.scalar(select(SolveJob).where(SolveJob.team_id == team.id, SolveJob.week_start == week_start)
                            .order_by(SolveJob.id.desc()).limit(1))
    if job is not None:
        fail_if_stale(job)
    return job


def fail_if_stale(job: SolveJob) -> SolveJob:
    """A job whose worker died stays 'running' for ever; say what happened instead."""
    if job.status in ACTIVE:
        since = job.started_at or job.created_at
        limit = timedelta(seconds=(job.time_limit or 0) + STALE_AFTER_S)
        if since is not None and utcnow() - since > limit and (job.status == "running" or utcnow() - since > 3 * limit):
            job.message = ("The planning worker stopped before finishing (it may have been restarted). "
                           if job.status == "running" else
                           "No planning worker picked this run up (is the worker running? `make run` starts it). "
                           ) + "The published plan is untouched; plan the week again."
            job.status = "failed"
            job.finished_at = utcnow()
            db.session.commit()
    return job


def start_plan_job(team: Team, week_start: date, by, time_limit: float | None = None,
                   previous_plan: Plan | None = None, weights: dict | None = None) -> SolveJob:
    """Queue a planning run for the week; returns at once (the worker solves)."""
    running = latest_job(team, week_start)
    if running is not None and running.status in ACTIVE:
        raise PlanningBusy(BUSY)
    limit = float(time_limit or current_app.config["SOLVER_TIME_LIMIT_S"])
    job = SolveJob(team_id=team.id, week_start=week_start, status="queued", time_limit=limit,
                   previous_plan_id=previous_plan.id if previous_plan else None, weights=weights,
                   created_by_id=getattr(by, "id", None), progress={"elapsed": 0, "time_left": limit})
    db.session.add(job)
    try:
        db.session.flush()
    except IntegrityError as err:  # another leader's run was inserted since we looked (one active job per week)
        db.session.rollback()
        raise PlanningBusy(BUSY) from err
    audit.record("plan_job_started", user=by, obj=job, team=team.name, week=week_start.isoformat(), time_limit=limit,
                 previous_plan=job.previous_plan_id)
    db.session.commit()
    from caseload.services.planning_tasks import run_plan_job

    run_plan_job(job.id)  # enqueued; runs inline only when the queue is immediate (tests)
    return job


def cancel_job(job: SolveJob, by) -> SolveJob:
    if job.status not in ACTIVE:
        return job
    job.cancel_requested = True
    if job.status == "queued":  # the worker will skip it; say so now
        job.status, job.message, job.finished_at = "cancelled", "Cancelled before it started.", utcnow()
    audit.record("plan_job_cancelled", user=by, obj=job)
    db.session.commit()
    return job


def job_json(job: SolveJob) -> dict:
    return {"id": job.id, "status": job.status, "message": job.message, "progress": job.progress or {},
            "time_limit": job.time_limit, "plan_id": job.plan_id, "cancel_requested": job.cancel_requested}


class ProgressReporter:
    """The solver's progress callback: writes job.progress (throttled); returns True to stop the solve on cancel."""

    def __init__(self, job_id: int, time_limit: float, engine):
        self.job_id, self.time_limit, self.engine = job_id, time_limit, engine
        self.started = time.monotonic()
        self.last_write = 0.0
        self.cancelled = False
        self.latest: dict = {}

    def __call__(self, update_=None, **kwargs):
        info = dict(update_ if isinstance(update_, dict) else vars(update_) if update_ is not None else {}, **kwargs)
        now = time.monotonic()
        elapsed = float(info.get("elapsed", info.get("wall_time", now - self.started)))
        self.latest = {"elapsed": round(elapsed, 1), "time_left": round(max(0.0, self.time_limit - elapsed), 1),
                       "score": info.get("score", info.get("objective")), "bound": info.get("bound"),
                       "continuity": (info.get("figures") or {}).get("continuity", info.get("continuity"))}
        if now - self.last_write >= PROGRESS_EVERY_S:
            self.last_write = now
            self.cancelled = self.write(self.latest)
        return self.cancelled  # True asks scheduler.solve to stop; run_job then discards its result

    def tick(self) -> bool:
        """Between the solver's reports: keep the clock moving on the page and notice a cancel."""
        elapsed = time.monotonic() - self.started
        if not self.cancelled and elapsed - self.latest.get("elapsed", 0) >= PROGRESS_EVERY_S:
            self.latest = dict(self.latest, elapsed=round(elapsed, 1),
                               time_left=round(max(0.0, self.time_limit - elapsed), 1))
            self.cancelled = self.write(self.latest) or self.cancelled
        return self.cancelled

    def write(self, progress: dict) -> bool:
        """Store progress; return whether the leader asked to cancel (then say so on the page at once)."""
        with Session(self.engine) as session:
            job = SolveJob.__table__.c
            session.execute(update(SolveJob).where(job.id == self.job_id).values(progress=progress))
            cancel = bool(session.scalar(select(job.cancel_requested).where(job.id == self.job_id)))
            if cancel:
                session.execute(update(SolveJob).where(job.id == self.job_id, job.status == "running").values(
                    status="cancelled", message="Cancelled; the result will be discarded and no plan changed."))
            session.commit()
            return cancel


def _solve_watched(problem: dict, time_limit: float, workers: int, reporter: ProgressReporter) -> dict:
    """Run the solve in a thread and tick the progress every second meanwhile.

    scheduler.solve calls back only when it finds a better plan (and stops when the callback says
    so); the ticks keep the page's clock moving and mark a cancel at once even between callbacks.
    """
    outcome: dict = {}
    solve = solver()

    def run():
        try:
            outcome["solution"] = solve(problem, time_limit=time_limit, workers=workers, progress=reporter)
        except BaseException as err:  # noqa: BLE001 - re-raised in the worker's own thread below
            outcome["error"] = err

    thread = threading.Thread(target=run, name=f"solve-job-{reporter.job_id}", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(PROGRESS_EVERY_S)
        if thread.is_alive():
            reporter.tick()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["solution"]


def solver():
    """The planning engine's solve (a function so tests can stand in a fake)."""
    from scheduler import solve

    return solve


def _finish(job: SolveJob, status: str, message: str) -> None:
    job.status, job.message, job.finished_at = status, message, utcnow()
    db.session.commit()


def _cancel_requested(job_id: int) -> bool:
    db.session.commit()  # end our read snapshot so we see the leader's click
    return bool(db.session.scalar(select(SolveJob.cancel_requested).where(SolveJob.id == job_id)))


def run_job(job_id: int) -> None:
    """Run one planning job to the end: a draft plan on success, a reason on failure; never raises."""
    job = db.session.get(SolveJob, job_id)
    if job is None or job.status != "queued":
        return
    job.status, job.started_at = "running", utcnow()
    db.session.commit()
    reporter = ProgressReporter(job.id, job.time_limit, db.engine)
    try:
        team, previous = job.team, db.session.get(Plan, job.previous_plan_id) if job.previous_plan_id else None
        problem, maps = build_problem(team, job.week_start, weights=job.weights, previous_plan=previous)
        db.session.commit()  # no transaction held open while solving
        solution = _solve_watched(problem, job.time_limit, current_app.config["SOLVER_WORKERS"], reporter)
        if reporter.cancelled or _cancel_requested(job.id):
            return _finish(job, "cancelled", "Cancelled; the result was discarded and no plan was changed.")
        if solution.get("solver_error"):  # a crash is a failed run even though a fallback plan came back
            return _finish(job, "failed", f"Planning failed: {solution['solver_error']}. "
                                          "The published plan is untouched.")
        if solution.get("status") == "unknown":
            return _finish(job, "failed", "No plan was found within the time limit; try a longer limit. "
                                          "The published plan is untouched.")
        plan = save_plan(team, job.week_start, problem, solution, by=db.session.get(User, job.created_by_id)
                         if job.created_by_id else None, based_on=previous, skipped=maps.skipped)
        job.plan_id = plan.id
        job.progress = dict(reporter.latest or {}, elapsed=solution.get("solve_seconds", reporter.latest.get("elapsed")),
                            score=solution.get("score"), bound=solution.get("bound"), time_left=0,
                            continuity=(plan.figures or {}).get("continuity"))
        placed = sum(1 for item in plan.items if item.advisor_id is not None)
        # The runner falls back to the best plan so far (or the booking-desk plan) and says why in `note`.
        notes = "".join(f" Note: {w}." for w in maps.warnings + ([solution["note"]] if solution.get("note") else []))
        _finish(job, "succeeded", f"{placed} of {len(plan.items)} appointments placed ({solution.get('status')}).{notes}")
    except Exception as err:  # the worker must record every failure, never leave the job 'running'
        log.exception("planning job %s failed", job_id)
        db.session.rollback()
        _finish(job, "failed", f"Planning failed: {err}. The published plan is untouched.")
