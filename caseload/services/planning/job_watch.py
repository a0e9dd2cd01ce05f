"""Keeping planning runs honest when a worker dies: heartbeats, the reaper, and the guarded final write.

All of it lives in the app database (the `solve_jobs` row), not in the queue, so it holds whichever queue
runs the jobs and however many consumers there are:

- A consumer *claims* a queued job with one conditional UPDATE (status queued -> running, a fresh
  `worker` token, `heartbeat_at` now); a second consumer given the same job finds nothing to claim.
- While the run lasts, a `JobWatch` thread in the consumer writes `heartbeat_at` (and the progress) every
  HEARTBEAT_S. A write that fails (SQLite locked, PostgreSQL lock timeout) is logged and skipped: only the
  final write matters, and it is retried.
- The *reaper* marks a running job whose heartbeat is older than DEAD_AFTER_S as failed, with a plain
  reason, after a second look SETTLE_S later finds it still silent. Consumers run it every REAP_EVERY_S; the web app runs it for a job whenever someone loads,
  starts or cancels one, so a dead worker is noticed even when no consumer is alive.
- Every write of the run after its claim is guarded by `worker = token AND status = 'running'`: a run that
  was cancelled, reaped or claimed twice changes nothing, so a dead or duplicate run never saves a plan.

Times are the app servers' clocks (UTC); with several hosts keep them in sync (NTP): skew eats into
DEAD_AFTER_S.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from datetime import timedelta

from sqlalchemy import false, func, select, text, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from caseload.models import SolveJob, utcnow
from caseload.services.planning.plan_words import tighter_bound

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0  # a running job's consumer writes heartbeat_at this often
DEAD_AFTER_S = 15.0  # no heartbeat for this long: the consumer is gone and the job is failed
REAP_EVERY_S = 5.0  # how often each consumer looks for dead jobs
BEAT_LOCK_TIMEOUT_MS = 5000  # PostgreSQL: a heartbeat waits at most this long for a lock, then is skipped
FINAL_WRITE_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0)  # pauses between tries of the final write
LOCK_WAIT_GRACE_S = 1.0  # a reaper that waited longer than this for the database does not judge heartbeats
SETTLE_S = 2.0  # a job that looks dead is looked at again this long after, and failed only if still silent

DEAD_MESSAGE = (f"The planning worker stopped answering (no sign of life for {DEAD_AFTER_S:.0f} seconds: it was "
                "stopped, killed or restarted). The published plan is untouched; plan the week again.")
CANCELLED_MESSAGE = "Cancelled; the result will be discarded and no plan changed."
_job = SolveJob.__table__.c


def reap_dead_jobs(session: Session, job_id: int | None = None) -> int:
    """Fail every running job (or only `job_id`) whose consumer stopped beating; returns how many.

    Two looks, SETTLE_S apart, each taking the jobs table's write lock first: a job is failed only if its last
    sign of life is older than DEAD_AFTER_S at both looks and did not change between them. Why two: a live
    consumer whose heartbeat was held up by someone else's lock writes it as soon as the lock goes, but a
    reaper that gets the lock in the same instant would see the old heartbeat (SQLite hands a freed lock to
    whichever waiter polls first). The first look had the lock, so by the second the consumer has had
    SETTLE_S of a free database. A look that had to wait longer than LOCK_WAIT_GRACE_S for the lock judges
    nothing (the silence may be the lock's doing). The caller commits; when there is a job to look at again,
    the first look's transaction (which wrote nothing) is committed to let go of the lock. The failing
    UPDATE is guarded (still running, same last sign), so two reapers, or a reaper and the job's own final
    write, cannot both win."""
    first = _silent_jobs(session, job_id)
    if not first:
        return 0
    session.commit()  # let go of the lock while a held-up consumer writes its heartbeat
    time.sleep(SETTLE_S)
    second = _silent_jobs(session, job_id)
    dead = [i for i, sign in (second or {}).items() if first.get(i) == sign]
    if not dead:
        return 0
    result = session.execute(update(SolveJob).where(_job.id.in_(dead), _job.status == "running").values(
        status="failed", message=DEAD_MESSAGE, finished_at=utcnow()))
    if result.rowcount:
        log.warning("reaped %s planning job(s) with no heartbeat for %ss", result.rowcount, DEAD_AFTER_S)
    return result.rowcount


def _silent_jobs(session: Session, job_id: int | None) -> dict | None:
    """Under the table's write lock: {job id: last sign of life} of the running jobs silent for DEAD_AFTER_S,
    or None when taking the lock took longer than LOCK_WAIT_GRACE_S (someone held the database)."""
    began = time.monotonic()
    session.execute(update(SolveJob).where(false()).values(status=_job.status))  # the table's write lock
    if time.monotonic() - began > LOCK_WAIT_GRACE_S:
        log.info("reaper: waited %.1fs for the database; not judging heartbeats this round", time.monotonic() - began)
        return None
    # A row from before heartbeats (or claimed by an old consumer) counts from its start.
    last_sign = func.coalesce(_job.heartbeat_at, _job.started_at, _job.created_at)
    query = select(_job.id, last_sign).where(_job.status == "running",
                                             last_sign < utcnow() - timedelta(seconds=DEAD_AFTER_S))
    if job_id is not None:
        query = query.where(_job.id == job_id)
    return dict(session.execute(query).all())


def looks_dead(job: SolveJob) -> bool:
    """Whether the loaded row says the run has lost its consumer (checked before taking any write lock)."""
    beat = job.heartbeat_at or job.started_at or job.created_at
    return job.status == "running" and beat is not None and utcnow() - beat > timedelta(seconds=DEAD_AFTER_S)


def claim(session: Session, job_id: int) -> str | None:
    """Take a queued job for this consumer: its new worker token, or None if it is not queued any more."""
    token = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    now = utcnow()
    result = session.execute(update(SolveJob).where(_job.id == job_id, _job.status == "queued").values(
        status="running", started_at=now, heartbeat_at=now, worker=token))
    session.commit()
    return token if result.rowcount == 1 else None


class JobWatch:
    """The heartbeat of one running job, on its own thread and connection; also the solver's progress callback.

    Calling the watch with a progress update (score, bound, figures) records it for the next heartbeat and
    returns True once the run must stop (cancelled, or failed by a reaper)."""

    def __init__(self, engine, job_id: int, token: str, time_limit: float):
        self.engine, self.job_id, self.token, self.time_limit = engine, job_id, token, time_limit
        self.started = time.monotonic()
        self.latest: dict = {"elapsed": 0.0, "time_left": time_limit}
        self.stopped = threading.Event()  # the run must stop: cancelled or reaped
        self.missed = 0  # heartbeats that could not be written
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-watch-{job_id}", daemon=True)

    def __enter__(self) -> "JobWatch":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._closing.set()
        self._thread.join(HEARTBEAT_S + 15)

    def __call__(self, update_=None, **kwargs) -> bool:
        info = dict(update_ if isinstance(update_, dict) else vars(update_) if update_ is not None else {}, **kwargs)
        elapsed = float(info.get("elapsed", info.get("wall_time", time.monotonic() - self.started)))
        self.latest = {"elapsed": round(elapsed, 1), "time_left": round(max(0.0, self.time_limit - elapsed), 1),
                       "score": info.get("score", info.get("objective")),
                       "bound": tighter_bound(info.get("bound"), self.latest.get("bound")),  # never jumps back up
                       "continuity": (info.get("figures") or {}).get("continuity", info.get("continuity"))}
        return self.stopped.is_set()

    def _run(self) -> None:
        written = True
        # After a failed write try again at once: while the database is locked a heartbeat is always
        # queued for the lock, so it lands as soon as the lock goes (before any reaper can judge it).
        while not self._closing.wait(HEARTBEAT_S if written else 0.05):
            written = self.beat()

    def beat(self) -> bool:
        """Write heartbeat_at and the progress; notice a cancel. A failed write is logged (False), never raised."""
        elapsed = time.monotonic() - self.started
        progress = dict(self.latest, elapsed=round(max(elapsed, self.latest.get("elapsed") or 0), 1),
                        time_left=round(max(0.0, self.time_limit - elapsed), 1))
        mine = (_job.id == self.job_id, _job.worker == self.token, _job.status == "running")
        try:
            with Session(self.engine) as session:
                if session.get_bind().dialect.name == "postgresql":  # wait briefly for a lock, then skip this beat
                    session.execute(text(f"SET LOCAL lock_timeout = {BEAT_LOCK_TIMEOUT_MS}"))
                alive = session.execute(update(SolveJob).where(*mine).values(heartbeat_at=utcnow(), progress=progress))
                if alive.rowcount and session.scalar(select(_job.cancel_requested).where(_job.id == self.job_id)):
                    session.execute(update(SolveJob).where(*mine).values(status="cancelled", message=CANCELLED_MESSAGE,
                                                                         finished_at=utcnow()))
                    alive = None
                session.commit()
            if not (alive and alive.rowcount):
                self.stopped.set()
            self.latest = progress
            return True
        except SQLAlchemyError as err:  # e.g. the database is locked by someone else for a while: carry on
            self.missed += 1
            log.warning("planning job %s: heartbeat/progress not written (%s); the run goes on",
                        self.job_id, type(err).__name__, exc_info=log.isEnabledFor(logging.DEBUG))
            return False

    def finish(self, session: Session, status: str, message: str, save=None, progress: dict | None = None) -> bool:
        """The run's final write, only if the job is still this run's: True if written, False if the job was
        cancelled or reaped meanwhile (then nothing is saved).

        `save()` (optional) adds the draft plan to `session` and returns more job columns to set (plan_id,
        message, progress); it runs in the same transaction as the status change. A locked database is retried (FINAL_WRITE_DELAYS_S); if every try
        fails the job is left running without a heartbeat, and the reaper fails it."""
        mine = (_job.id == self.job_id, _job.worker == self.token, _job.status == "running")
        for attempt, delay in enumerate((*FINAL_WRITE_DELAYS_S, None)):
            try:
                ours = session.execute(update(SolveJob).where(*mine, _job.cancel_requested.is_(False)).values(
                    status=status, message=message, finished_at=utcnow(), heartbeat_at=utcnow(),
                    progress=progress if progress is not None else self.latest)).rowcount
                if not ours:  # cancelled (perhaps only flagged so far) or reaped meanwhile: discard the result
                    session.execute(update(SolveJob).where(*mine).values(
                        status="cancelled", finished_at=utcnow(),
                        message="Cancelled; the result was discarded and no plan was changed."))
                    session.commit()
                    log.info("planning job %s was cancelled or failed meanwhile; its result is discarded", self.job_id)
                    return False
                if save is not None:
                    session.execute(update(SolveJob).where(_job.id == self.job_id).values(**save()))
                session.commit()
                return True
            except OperationalError as err:
                session.rollback()
                log.warning("planning job %s: final write failed (try %s: %s)", self.job_id, attempt + 1,
                            type(err).__name__)
                if delay is None:
                    raise
                time.sleep(delay)
        return False


def public_reason(err: BaseException) -> str:
    """What a leader may read about a background job's unexpected error: never SQL or its parameters (a
    database error's text carries both; it goes to the log)."""
    if isinstance(err, SQLAlchemyError) or type(err).__module__.split(".")[0] in ("sqlite3", "psycopg", "psycopg2"):
        return "an internal error (the database refused a step; details are in the worker's log)"
    return str(err) or type(err).__name__
