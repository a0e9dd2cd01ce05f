"""Background tasks for planning a week: the huey task that runs one SolveJob, and each consumer's reaper."""
from __future__ import annotations

import logging
import threading
from contextlib import nullcontext

from flask import has_app_context

from caseload import jobs
from caseload.jobs import huey

log = logging.getLogger(__name__)
_reaper_started = threading.Lock()


@huey.task()
def run_plan_job(job_id: int) -> None:
    """Solve a queued job. Takes the job id (never an ORM object) and opens its own app context."""
    from caseload.services.planning import run_job

    # Immediate mode (tests) runs inside the caller's context: reuse it rather than tear its session down.
    with nullcontext() if has_app_context() else jobs.task_app().app_context():
        run_job(job_id)


def reap_forever(stop: threading.Event) -> None:
    """Every job_watch.REAP_EVERY_S, fail the running jobs whose consumer stopped beating (any consumer's)."""
    from caseload.extensions import db
    from caseload.services import job_watch

    while not stop.wait(job_watch.REAP_EVERY_S):
        try:
            with jobs.task_app().app_context():
                job_watch.reap_dead_jobs(db.session)
                db.session.commit()
        except Exception:  # noqa: BLE001 - a locked or unreachable database: try again next round
            log.warning("the reaper could not run this round", exc_info=True)


@huey.on_startup()
def start_reaper() -> None:
    """Each consumer process runs one reaper thread (huey calls this in every worker; the lock keeps it one)."""
    if _reaper_started.acquire(blocking=False):
        threading.Thread(target=reap_forever, args=(threading.Event(),), name="job-reaper", daemon=True).start()
