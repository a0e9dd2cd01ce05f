"""Background tasks for planning a week: the huey task that runs one SolveJob."""
from __future__ import annotations

from contextlib import nullcontext

from flask import has_app_context

from caseload import jobs
from caseload.jobs import huey


@huey.task()
def run_plan_job(job_id: int) -> None:
    """Solve a queued job. Takes the job id (never an ORM object) and opens its own app context."""
    from caseload.services.planning import run_job

    # Immediate mode (tests) runs inside the caller's context: reuse it rather than tear its session down.
    with nullcontext() if has_app_context() else jobs.task_app().app_context():
        run_job(job_id)
