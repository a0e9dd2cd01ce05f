"""Planning a week in the background: start a solve job, watch it, cancel it, run it.

The web request only creates the SolveJob row and enqueues it; a consumer runs `run_job`. While it runs,
a JobWatch thread (services/planning/job_watch.py) writes the job's heartbeat and progress every couple of seconds,
and a run whose consumer died is failed by the reaper within seconds. A failed, cancelled, reaped or
duplicate run never touches any plan.
"""
from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import date, timedelta

from flask import current_app, has_app_context
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from caseload import jobs
from caseload.extensions import db
from caseload.jobs import huey
from caseload.models import Plan, SolveJob, Team, User, utcnow
from caseload.services import audit
from caseload.services.planning import job_watch
from caseload.services.planning.plan_words import quality_words, status_words, tighter_bound
from caseload.services.planning.boundary import draft_plan, placed_words, previous_plan, to_problem, where_to_solve
from caseload.wording import counted
import scheduler

log = logging.getLogger(__name__)
ACTIVE = ("queued", "running")
# A job still queued after this many times (its limit + 120 s), while no consumer took or finished any job
# meanwhile, has no consumer to run it (none started). A long region queue that consumers work through is fine.
QUEUED_TOO_LONG_FACTOR = 3
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
    """Run the reaper for this job: a running job without a heartbeat for job_watch.DEAD_AFTER_S, or a queued job
    no consumer picked up in QUEUED_TOO_LONG_FACTOR x (limit + 120 s) while no consumer took or finished any
    other job either (queue_moving), is failed with a plain reason. Cheap when
    the job is fine (no write)."""
    waited = timedelta(seconds=QUEUED_TOO_LONG_FACTOR * ((job.time_limit or 0) + 120))
    queued_too_long = (job.status == "queued" and utcnow() - job.created_at > waited
                       and not queue_moving(utcnow() - waited))
    try:
        if job_watch.looks_dead(job):
            job_watch.reap_dead_jobs(db.session, job.id)
        elif queued_too_long:
            db.session.execute(update(SolveJob).where(SolveJob.id == job.id, SolveJob.status == "queued").values(
                status="failed", finished_at=utcnow(),
                message="No planning worker picked this run up (is the worker running? `make run` starts it). "
                        "The published plan is untouched; plan the week again."))
        else:
            return job
        db.session.commit()
    except OperationalError:  # the database is busy: show the job as it is; the next look reaps it
        log.warning("could not check planning job %s for a dead worker", job.id, exc_info=True)
        db.session.rollback()
    db.session.refresh(job)
    return job


def queue_moving(since) -> bool:
    """Whether any consumer took or finished a planning job since `since` (UTC): then a job still queued is
    waiting its turn behind others (a region's fifty teams), not abandoned."""
    # Only consumers write these (the claim, the heartbeat, the final write); a cancel or a reap does not.
    recent = or_(SolveJob.started_at > since, SolveJob.heartbeat_at > since)
    return db.session.scalar(select(SolveJob.id).where(recent).limit(1)) is not None


def start_plan_job(team: Team, week_start: date, by, time_limit: float | None = None,
                   weights: dict | None = None) -> SolveJob:
    """Queue a planning run for the week; returns at once (the worker solves). It re-plans from the week's
    previous plan (boundary.previous_plan: the published one), keeping its appointments where they still fit.

    Raises PlanningBusy when the week already has an active run; the partial unique index on solve_jobs
    makes that hold for two leaders starting at the same moment too. Raises jobs.QueueUnreachable when the
    queue refuses the task, after marking the job failed (so the week can be planned again at once)."""
    running = latest_job(team, week_start)
    if running is not None and running.status in ACTIVE:
        raise PlanningBusy(BUSY)
    limit = float(time_limit or current_app.config["SOLVER_TIME_LIMIT_S"])
    previous = previous_plan(team, week_start)
    job = SolveJob(team_id=team.id, week_start=week_start, status="queued", time_limit=limit,
                   previous_plan_id=previous.id if previous else None, weights=weights,
                   created_by_id=getattr(by, "id", None), progress={"elapsed": 0, "time_left": limit})
    db.session.add(job)
    try:
        db.session.flush()
    except IntegrityError as err:  # another leader's run was inserted since we looked (one active job per week)
        db.session.rollback()
        raise PlanningBusy(BUSY) from err
    audit.record("plan_job_started", user=by, obj=job, team=team.name, week=week_start.isoformat(), time_limit=limit,
                 previous_plan=job.previous_plan_id, **audit.asked_by(by))
    db.session.commit()
    try:
        run_plan_job(job.id)  # enqueued; runs inline only when the queue is immediate (tests)
    except Exception as err:  # any storage's error (redis ConnectionError, psycopg, sqlite): the queue is down
        log.exception("planning job %s could not be queued", job.id)
        fail_unqueued(job)
        raise jobs.QueueUnreachable() from err
    return job


def record_not_queued(team: Team, week_start: date, by, time_limit: float | None = None) -> SolveJob | None:
    """A failed job saying the queue could not be reached, for a team a region start did not try once the queue
    had refused another team's run; None (nothing written) when the week already has an active run."""
    running = latest_job(team, week_start)
    if running is not None and running.status in ACTIVE:
        return None
    limit = float(time_limit or current_app.config["SOLVER_TIME_LIMIT_S"])
    job = SolveJob(team_id=team.id, week_start=week_start, status="failed", time_limit=limit,
                   created_by_id=getattr(by, "id", None), finished_at=utcnow(), message=jobs.QUEUE_DOWN,
                   progress={"elapsed": 0, "time_left": limit})
    db.session.add(job)
    db.session.commit()
    return job


def fail_unqueued(job: SolveJob) -> None:
    """Mark a job the queue never took as failed with the plain reason, so the week is not left 'queued'
    (a second start would be refused as busy until the reaper gave up on it)."""
    db.session.rollback()
    try:
        db.session.execute(update(SolveJob).where(SolveJob.id == job.id, SolveJob.status == "queued").values(
            status="failed", finished_at=utcnow(), message=jobs.QUEUE_DOWN))
        db.session.commit()
    except SQLAlchemyError:  # the database is unreachable too: the reaper ends the job later
        log.exception("planning job %s: could not record that it was never queued", job.id)
        db.session.rollback()


def cancel_job(job: SolveJob, by) -> SolveJob:
    """End the run now: a queued, running or orphaned job is marked cancelled at once (so the week can be
    planned again); a live consumer sees it within a heartbeat, stops its solver and discards the result."""
    fail_if_stale(job)
    if job.status not in ACTIVE:
        return job
    message = "Cancelled before it started." if job.status == "queued" else job_watch.CANCELLED_MESSAGE
    db.session.execute(update(SolveJob).where(SolveJob.id == job.id, SolveJob.status.in_(ACTIVE)).values(
        cancel_requested=True, status="cancelled", message=message, finished_at=utcnow()))
    audit.record("plan_job_cancelled", user=by, obj=job)
    db.session.commit()
    db.session.refresh(job)
    return job


def job_json(job: SolveJob) -> dict:
    progress = job.progress or {}
    return {"id": job.id, "status": job.status, "message": job.message, "progress": progress,
            "quality": quality_words(progress.get("score"), progress.get("bound")) if progress.get("score") is not None else "",
            "time_limit": job.time_limit, "plan_id": job.plan_id, "cancel_requested": job.cancel_requested}


def solver():
    """The planning engine's solve (scheduler.solve; a function so tests can stand in a fake)."""
    return scheduler.solve


@huey.task()
def run_plan_job(job_id: int) -> None:
    """Solve a queued job (the huey task). Takes the job id (never an ORM object) and opens its own app
    context; immediate mode (tests) runs inside the caller's context and reuses it."""
    with nullcontext() if has_app_context() else jobs.task_app().app_context():
        run_job(job_id)


def run_job(job_id: int) -> None:
    """Run one planning job to the end: a draft plan on success, a reason on failure; never raises.

    Claims the job first (a cancelled job, or one another consumer has, is skipped), keeps its heartbeat
    while solving, and writes the outcome only if the job is still this run's."""
    token = job_watch.claim(db.session, job_id)
    if token is None:
        return
    job = db.session.get(SolveJob, job_id)
    db.session.refresh(job)
    watch = job_watch.JobWatch(db.engine, job.id, token, job.time_limit)
    with watch:
        try:
            _solve_and_save(job, watch)
        except Exception as err:  # the worker must record every failure, never leave the job 'running'
            log.exception("planning job %s failed", job_id)
            db.session.rollback()
            try:
                watch.finish(db.session, "failed", f"Planning failed: {job_watch.public_reason(err)}. "
                                                   "The published plan is untouched.")
            except SQLAlchemyError:  # the database is gone for good: the reaper will say so
                log.exception("planning job %s: could not record the failure", job_id)
                db.session.rollback()


def _solve_and_save(job: SolveJob, watch: job_watch.JobWatch) -> None:
    team, previous = job.team, db.session.get(Plan, job.previous_plan_id) if job.previous_plan_id else None
    week_start, weights, created_by_id = job.week_start, job.weights, job.created_by_id
    problem, maps = to_problem(team, week_start, weights=weights, previous=previous)
    db.session.commit()  # no transaction held open while solving
    solution = solver()(problem, time_limit=job.time_limit, workers=current_app.config["SOLVER_WORKERS"],
                        progress=watch, **where_to_solve())
    finish_solved(watch, team, week_start, problem, solution, maps, previous, created_by_id)


def finish_solved(watch: job_watch.JobWatch, team: Team, week_start: date, problem: dict, solution: dict, maps,
                  previous: Plan | None, created_by_id: int | None = None, said: str = "") -> bool:
    """The run's final write once the solver came back (a queued job's consumer, or the command line's own run,
    services/planning/cli_run.py): cancelled if it was stopped meanwhile (the result discarded), failed on a solver
    crash (`solver_error`) or with no plan in the time limit, else succeeded with the draft plan saved in the same
    transaction (the job's plan_id). `maps`: to_problem's (skipped requests, pin warnings); `said`: a sentence
    added to the job's message on success. True when the draft was saved; False otherwise (the job's row says
    why; nothing was saved)."""
    if watch.stopped.is_set():
        watch.finish(db.session, "cancelled", "Cancelled; the result was discarded and no plan was changed.")
        return False
    if solution.get("solver_error"):  # a crash is a failed run even though a fallback plan came back
        watch.finish(db.session, "failed", f"Planning failed: {solution['solver_error']}. "
                                           "The published plan is untouched.")
        return False
    if solution.get("status") == "unknown":
        watch.finish(db.session, "failed", "No plan was found within the time limit; try a longer limit. "
                                           "The published plan is untouched.")
        return False

    def save() -> dict:
        by = db.session.get(User, created_by_id) if created_by_id else None
        plan = draft_plan(team, week_start, problem, solution, by=by, based_on=previous, skipped=maps.skipped)
        db.session.flush()
        placed = sum(1 for item in plan.items if item.advisor_id is not None)
        # The runner falls back to the best plan so far (or the booking-desk plan) and says why in `note`.
        warnings = placed_words(maps.warnings, {i.request_id for i in plan.items if i.advisor_id is not None})
        notes = "".join(f" Note: {w}." for w in warnings + ([solution["note"]] if solution.get("note") else []))
        progress = dict(watch.latest, elapsed=solution.get("solve_seconds", watch.latest.get("elapsed")),
                        score=solution.get("score"), bound=tighter_bound(solution.get("bound"), watch.latest.get("bound")), time_left=0,
                        continuity=(plan.figures or {}).get("continuity"))
        return {"plan_id": plan.id, "progress": progress,
                "message": f"{placed} of {counted(len(plan.items), 'appointment')} placed. {status_words(solution.get('status'))}.{notes}{said}"}

    return watch.finish(db.session, "succeeded", "Saving the plan…", save=save)
