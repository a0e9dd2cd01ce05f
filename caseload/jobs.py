"""The background job queue (huey).

The storage is chosen by QUEUE_URL (CASELOAD_QUEUE_URL): `sqlite:///path` (the default: nothing else to run,
consumers on this machine only), `redis://host:port/db` (huey's RedisStorage) or `postgresql://…` (our
PostgresStorage, caseload/queue_postgres.py) for a queue shared by consumers on several machines; `memory://`
and tests run tasks immediately in-process (CASELOAD_QUEUE_IMMEDIATE).
Tasks take ids, never ORM objects, and open their own app context.
"""
from __future__ import annotations

from pathlib import Path

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from caseload.queue_postgres import PostgresStorage

huey = Huey("caseload", immediate=False, storage_class=MemoryStorage)
QUEUE_DOWN = ("The planning queue could not be reached; nothing was planned, the published plan is untouched; "
              "try again.")


class QueueUnreachable(RuntimeError):
    """A task could not be enqueued (the queue's Redis, PostgreSQL or SQLite storage refused or could not be
    reached). The web answers 503 with QUEUE_DOWN (caseload/errors.py); the command line a click error."""

    def __init__(self, message: str = QUEUE_DOWN):
        super().__init__(message)
_app = None


def _storage_for(url: str):
    if url.startswith("sqlite:///"):
        filename = url.removeprefix("sqlite:///")
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        return SqliteStorage, {"filename": filename}
    if url.startswith(("redis://", "rediss://")):
        return RedisStorage, {"url": url}
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return PostgresStorage, {"url": url}
    if url.startswith("memory://"):
        return MemoryStorage, {}
    raise ValueError(f"CASELOAD_QUEUE_URL: no queue storage for {url.split('://')[0]!r}; use sqlite:///path, "
                     "redis://host:port/db, postgresql://user@host:port/db or memory://")


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
    """The Flask app tasks run under: the one init_queue() was given (the worker module creates it;
    tests and the CLI reuse theirs). The queue knows no app factory of its own, so it imports nothing
    of the app and the services that enqueue tasks stay free of the blueprints."""
    if _app is None:
        raise RuntimeError("no app for background tasks: start the consumer as "
                           "`huey_consumer caseload.worker.huey`, which creates it")
    return _app
