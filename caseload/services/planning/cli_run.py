"""A week planned by the command line (`flask week plan`), held as the week's planning job while it solves.

The command line solves in its own process, not on the queue, but it is a run like any other: it takes the week's
one active SolveJob row first (status running, its own worker token and heartbeat, as job_watch.claim gives a
consumer), so a leader's "Plan", the API's start and a region start are refused ("already being planned", a 409)
until it ends, and the two never race to save drafts. While it solves a JobWatch writes the heartbeat and
progress (the week page shows the run, said to be the command line's) and notices a cancel from the page. It
ends succeeded (the draft saved in the same write), failed (with the reason; also on any exception and on
Ctrl-C) or cancelled. A command line killed outright stops beating, and the reaper fails its run after
job_watch.DEAD_AFTER_S, as for a dead consumer: a dead command line never holds the week.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from caseload.extensions import db
from caseload.models import Plan, SolveJob, Team, utcnow
from caseload.services import audit
from caseload.services.audit_words import COMMAND_LINE_WORKER
from caseload.services.planning import job_watch, runs
from caseload.services.planning.boundary import previous_plan, to_problem

log = logging.getLogger(__name__)

SOURCE = "command line"  # the audit detail `source` of the run's start
RUNNING_MESSAGE = "Planning from the command line (flask week plan); the result is saved as a draft."
DONE_WORDS = " Planned from the command line."
INTERRUPTED = ("Stopped from the command line (Ctrl-C) before it finished. The published plan is untouched; "
               "plan the week again.")


@dataclass
class CliRun:
    """A finished command-line run: its job row (status succeeded, failed or cancelled; message), the draft plan
    it saved (None unless succeeded), and to_problem's maps (requests left out, pin warnings)."""
    job: SolveJob
    plan: Plan | None
    maps: object


def worker_token() -> str:
    """This process's token for the run's guarded writes ("cli:host:pid:random"; job_watch.claim's, marked)."""
    return f"{COMMAND_LINE_WORKER}{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def hold_week(team: Team, week_start: date, time_limit: float, previous: Plan | None) -> tuple[SolveJob, str]:
    """Take the week for a run solved here: a SolveJob already running (started_at and heartbeat_at now), with
    this process's worker token; returns (job, token), committed. `time_limit` in seconds.

    Raises runs.PlanningBusy when the week has an active run (a dead one is reaped first, runs.latest_job); the
    partial unique index on solve_jobs makes that hold for a leader pressing "Plan" at the same moment too."""
    active = runs.latest_job(team, week_start)
    if active is not None and active.status in runs.ACTIVE:
        raise runs.PlanningBusy(runs.BUSY)
    token, now = worker_token(), utcnow()
    job = SolveJob(team_id=team.id, week_start=week_start, status="running", time_limit=float(time_limit),
                   previous_plan_id=previous.id if previous else None, created_by_id=None, started_at=now,
                   heartbeat_at=now, worker=token, message=RUNNING_MESSAGE,
                   progress={"elapsed": 0, "time_left": float(time_limit)})
    db.session.add(job)
    try:
        db.session.flush()
    except IntegrityError as err:  # a leader's or the region's run was inserted since we looked
        db.session.rollback()
        raise runs.PlanningBusy(runs.BUSY) from err
    audit.record("plan_job_started", user=None, obj=job, team=team.name, week=week_start.isoformat(),
                 time_limit=float(time_limit), previous_plan=job.previous_plan_id, source=SOURCE)
    db.session.commit()
    return job, token


def plan_here(team: Team, week_start: date, time_limit: float) -> CliRun:
    """Plan the week in this process as the week's held run (hold_week), from its published plan, and end the run:
    succeeded with a draft plan, failed (solver crash, no plan within `time_limit` seconds) or cancelled (from
    the page meanwhile), as runs.finish_solved writes it. Raises runs.PlanningBusy (nothing started) when the week
    is already being planned. Any exception, and KeyboardInterrupt, fails the run with the reason and is raised
    again."""
    previous = previous_plan(team, week_start)
    job, token = hold_week(team, week_start, time_limit, previous)
    maps = None
    with job_watch.JobWatch(db.engine, job.id, token, time_limit) as watch:
        try:
            problem, maps = to_problem(team, week_start, previous=previous)
            db.session.commit()  # no transaction held open while solving
            solution = runs.solver()(problem, time_limit=time_limit, workers=current_app.config["SOLVER_WORKERS"],
                                     progress=watch)
            runs.finish_solved(watch, team, week_start, problem, solution, maps, previous, said=DONE_WORDS)
        except BaseException as err:  # noqa: BLE001 - Ctrl-C too: the run must never stay 'running'
            fail_run(watch, err)
            raise
    db.session.refresh(job)
    plan = db.session.get(Plan, job.plan_id) if job.status == "succeeded" and job.plan_id else None
    return CliRun(job=job, plan=plan, maps=maps)


def fail_run(watch: job_watch.JobWatch, err: BaseException) -> None:
    """Mark the run failed after `err` (Ctrl-C: INTERRUPTED; anything else: its public reason), only if it is still
    this run's. When that cannot be written (the database is gone, a second Ctrl-C) the heartbeat stops with
    the process and the reaper fails the run within job_watch.DEAD_AFTER_S."""
    if isinstance(err, KeyboardInterrupt):
        reason = INTERRUPTED
    else:
        log.exception("the command line's planning run %s failed", watch.job_id)
        reason = f"Planning failed: {job_watch.public_reason(err)}. The published plan is untouched."
    try:
        db.session.rollback()
        watch.finish(db.session, "failed", reason)
    except (SQLAlchemyError, KeyboardInterrupt):
        log.warning("planning run %s: could not record its end; the reaper will", watch.job_id, exc_info=True)
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
