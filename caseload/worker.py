"""The background worker: `huey_consumer caseload.worker.huey` (make run starts it).

Creating the app points the queue at its storage and gives tasks their app (jobs.init_queue);
importing the task modules registers their tasks with the consumer.
"""
from caseload import create_app
from caseload.jobs import huey  # noqa: F401 - the consumer's target
from caseload.services.planning import job_reaper, runs, weights  # noqa: F401 - register their tasks and the reaper

app = create_app()
