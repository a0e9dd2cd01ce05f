"""Each queue consumer's reaper: fails running jobs whose consumer stopped beating (see job_watch).

The task that runs one SolveJob is runs.run_plan_job, beside the code that enqueues it."""
from __future__ import annotations

import logging
import threading

from caseload import jobs
from caseload.extensions import db
from caseload.jobs import huey
from caseload.services.planning import job_watch

log = logging.getLogger(__name__)
_reaper_started = threading.Lock()


def reap_forever(stop: threading.Event) -> None:
    """Every job_watch.REAP_EVERY_S, fail the running jobs whose consumer stopped beating (any consumer's)."""
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
