"""A huey storage on PostgreSQL, for a queue shared by consumers on several machines without running Redis.

huey's core has no PostgreSQL storage; huey.contrib.sql_huey has one but needs peewee and psycopg2, while the
app already speaks psycopg 3. This is huey's SqliteStorage translated to PostgreSQL: four tables (huey_task,
huey_schedule, huey_kv, huey_counter) created if missing, every operation one short transaction. A task is
taken with `DELETE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING data`, so any number of consumers
poll the same table and each queued task goes to exactly one of them, without blocking one another.

Like every huey storage it has no acknowledgement: a task is gone from the queue once a consumer took it; a
consumer killed mid-task loses it, and the planning job's heartbeat and reaper (services/planning/job_watch.py) say so.
URL: `postgresql://user:password@host:port/db` (a `postgresql+psycopg://` SQLAlchemy URL is accepted too).
"""
from __future__ import annotations

import contextlib
import threading

import psycopg
from huey.constants import EmptyData
from huey.storage import BaseStorage

DDL = (
    "CREATE TABLE IF NOT EXISTS huey_task (id BIGSERIAL PRIMARY KEY, queue TEXT NOT NULL, data BYTEA NOT NULL,"
    " priority DOUBLE PRECISION NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS huey_task_queue_priority_id ON huey_task (queue, priority DESC, id)",
    "CREATE TABLE IF NOT EXISTS huey_schedule (id BIGSERIAL PRIMARY KEY, queue TEXT NOT NULL, data BYTEA NOT NULL,"
    " timestamp DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS huey_schedule_queue_timestamp ON huey_schedule (queue, timestamp)",
    "CREATE TABLE IF NOT EXISTS huey_kv (queue TEXT NOT NULL, key TEXT NOT NULL, value BYTEA NOT NULL,"
    " PRIMARY KEY (queue, key))",
    "CREATE TABLE IF NOT EXISTS huey_counter (queue TEXT NOT NULL, key TEXT NOT NULL, value BIGINT NOT NULL DEFAULT 0,"
    " PRIMARY KEY (queue, key))",
)
_DDL_LOCK_KEY = 0x6875657900  # an advisory lock: two consumers starting at once must not race on CREATE TABLE


def libpq_url(url: str) -> str:
    """`postgresql+psycopg://…` (SQLAlchemy's spelling) -> `postgresql://…` (libpq's)."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+')[0]}{sep}{rest}"


class PostgresStorage(BaseStorage):
    """huey storage in PostgreSQL tables. One connection per storage object (huey shares the storage between a
    consumer's worker threads, so a lock serialises them); a broken connection is dropped and reopened on the
    next call (the consumer logs the error and retries with its back-off)."""

    def __init__(self, name: str = "huey", url: str = "", create_tables: bool = True, **kwargs):
        super().__init__(name)
        self.url = libpq_url(url)
        self.lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        if create_tables:
            with self._tx() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK_KEY,))
                for statement in DDL:
                    cur.execute(statement)

    def close(self):
        with self.lock:
            if self._conn is None:
                return False
            self._conn.close()
            self._conn = None
            return True

    @contextlib.contextmanager
    def _tx(self):
        with self.lock:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            try:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    yield cur
            except psycopg.OperationalError:
                self._conn.close()  # the server went away or the link broke: start afresh next time
                self._conn = None
                raise

    def _rows(self, sql: str, params=()) -> list[tuple]:
        with self._tx() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    # The queue.
    def enqueue(self, data, priority=None):
        self._rows("INSERT INTO huey_task (queue, data, priority) VALUES (%s, %s, %s)",
                   (self.name, bytes(data), priority or 0))

    def dequeue(self):
        rows = self._rows(
            "DELETE FROM huey_task WHERE id = (SELECT id FROM huey_task WHERE queue = %s"
            " ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING data", (self.name,))
        return bytes(rows[0][0]) if rows else None

    def queue_size(self):
        return self._rows("SELECT count(*) FROM huey_task WHERE queue = %s", (self.name,))[0][0]

    def enqueued_items(self, limit=None):
        return [bytes(d) for d, in self._rows("SELECT data FROM huey_task WHERE queue = %s ORDER BY priority DESC, id"
                                              " LIMIT %s", (self.name, limit))]

    def flush_queue(self):
        self._rows("DELETE FROM huey_task WHERE queue = %s", (self.name,))

    # The schedule (tasks with an eta or a retry delay).
    def add_to_schedule(self, data, ts):
        self._rows("INSERT INTO huey_schedule (queue, data, timestamp) VALUES (%s, %s, %s)",
                   (self.name, bytes(data), ts.timestamp()))

    def read_schedule(self, ts):
        rows = self._rows(
            "DELETE FROM huey_schedule WHERE id IN (SELECT id FROM huey_schedule WHERE queue = %s AND timestamp <= %s"
            " FOR UPDATE SKIP LOCKED) RETURNING timestamp, id, data", (self.name, ts.timestamp()))
        return [bytes(data) for _ts, _id, data in sorted(rows, key=lambda r: (r[0], r[1]))]

    def schedule_size(self):
        return self._rows("SELECT count(*) FROM huey_schedule WHERE queue = %s", (self.name,))[0][0]

    def scheduled_items(self, limit=None):
        return [bytes(d) for d, in self._rows("SELECT data FROM huey_schedule WHERE queue = %s ORDER BY timestamp, id"
                                              " LIMIT %s", (self.name, limit))]

    def flush_schedule(self):
        self._rows("DELETE FROM huey_schedule WHERE queue = %s", (self.name,))

    # Results and other keyed data.
    def put_data(self, key, value, is_result=False):
        self._rows("INSERT INTO huey_kv (queue, key, value) VALUES (%s, %s, %s)"
                   " ON CONFLICT (queue, key) DO UPDATE SET value = excluded.value", (self.name, key, bytes(value)))

    def peek_data(self, key):
        rows = self._rows("SELECT value FROM huey_kv WHERE queue = %s AND key = %s", (self.name, key))
        return bytes(rows[0][0]) if rows else EmptyData

    def pop_data(self, key):
        rows = self._rows("DELETE FROM huey_kv WHERE queue = %s AND key = %s RETURNING value", (self.name, key))
        return bytes(rows[0][0]) if rows else EmptyData

    def delete_data(self, key):
        return bool(self._rows("DELETE FROM huey_kv WHERE queue = %s AND key = %s RETURNING 1", (self.name, key)))

    def has_data_for_key(self, key):
        return bool(self._rows("SELECT 1 FROM huey_kv WHERE queue = %s AND key = %s", (self.name, key)))

    def put_if_empty(self, key, value, ttl=None):
        if ttl is not None:
            raise NotImplementedError("ttl is not supported by this storage.")
        return bool(self._rows("INSERT INTO huey_kv (queue, key, value) VALUES (%s, %s, %s)"
                               " ON CONFLICT DO NOTHING RETURNING 1", (self.name, key, bytes(value))))

    def result_store_size(self):
        return self._rows("SELECT count(*) FROM huey_kv WHERE queue = %s", (self.name,))[0][0]

    def result_items(self):
        return {k: bytes(v) for k, v in self._rows("SELECT key, value FROM huey_kv WHERE queue = %s", (self.name,))}

    def flush_results(self):
        self._rows("DELETE FROM huey_kv WHERE queue = %s", (self.name,))

    # Counters.
    def incr(self, key, amount=1):
        return self._rows("INSERT INTO huey_counter (queue, key, value) VALUES (%s, %s, %s) ON CONFLICT (queue, key)"
                          " DO UPDATE SET value = huey_counter.value + excluded.value RETURNING value",
                          (self.name, key, amount))[0][0]

    def delete_counter(self, key):
        self._rows("DELETE FROM huey_counter WHERE queue = %s AND key = %s", (self.name, key))

    def flush_counters(self):
        self._rows("DELETE FROM huey_counter WHERE queue = %s", (self.name,))
