"""The background job queue (huey).

SQLite storage by default (nothing else to run); a redis:// QUEUE_URL uses Redis for
larger deployments; tests run tasks immediately in-process (CASELOAD_QUEUE_IMMEDIATE).
Tasks take ids, never ORM objects, and open their own app context.
"""
from __future__ import annotations

from pathlib import Path

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

huey = Huey("caseload", immediate=False, storage_class=MemoryStorage)
_app = None


def _storage_for(url: str):
    if url.startswith("sqlite:///"):
        filename = url.removeprefix("sqlite:///")
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        return SqliteStorage, {"filename": filename}
    if url.startswith(("redis://", "rediss://")):
        return RedisStorage, {"url": url}
    return MemoryStorage, {}


def init_queue(app) -> None:
    """Point the queue at the configured storage and remember the app for tasks."""
    global _app
    _app = app
    storage_class, kwargs = _storage_for(app.config["QUEUE_URL"])
    huey.storage_class = storage_class
    huey.storage_kwargs = kwargs
    huey.immediate = bool(app.config.get("QUEUE_IMMEDIATE"))
    if not huey.immediate:
        huey.storage = huey.create_storage()
    app.extensions["huey"] = huey


def task_app():
    """The Flask app tasks run under (the worker creates it; tests reuse theirs)."""
    global _app
    if _app is None:
        from caseload import create_app

        _app = create_app()
    return _app


# Import the task modules so the consumer registers them.
def register_tasks() -> None:
    import caseload.services.planning_tasks  # noqa: F401
