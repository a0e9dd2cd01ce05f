"""The background worker: `huey_consumer caseload.worker.huey` (make run starts it)."""
from caseload import create_app
from caseload.jobs import huey, register_tasks  # noqa: F401

app = create_app()
register_tasks()
