"""Where the rate limits count (sign-in, password changes, the calendar feed): one store for every process.

flask-limiter's default `memory://` counts per process, so four gunicorn workers allowed four times the
limit. The `limits` library has no SQL storage, but takes new ones through its registry: DatabaseStorage
below keeps the fixed-window counters in the app database (the `rate_limits` table, SQLite or PostgreSQL),
so the limit holds in total however many processes serve. A site with Redis uses it instead.

Which store (storage_uri): CASELOAD_RATELIMIT_STORAGE_URL when set (any `limits` URI: redis://…,
memory://…); else the queue's Redis when CASELOAD_QUEUE_URL is redis://; else the app database.
"""
from __future__ import annotations

import hashlib
import time

from limits.storage import Storage
from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from caseload.models import RateLimitCounter

DATABASE_URI = "caseload-db://"
FORGET_AFTER_S = 3600  # counters whose window ended this long ago are deleted
_TABLE = RateLimitCounter.__table__


def storage_uri(config) -> str:
    """The `limits` storage URI for this app's settings (see the module's docstring)."""
    if config.get("RATELIMIT_STORAGE_URL"):
        return config["RATELIMIT_STORAGE_URL"]
    if str(config.get("QUEUE_URL", "")).startswith(("redis://", "rediss://")):
        return config["QUEUE_URL"]
    return DATABASE_URI


def init_app(app, engine: Engine) -> None:
    """Set flask-limiter's storage settings; call before limiter.init_app(app)."""
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config)
    if app.config["RATELIMIT_STORAGE_URI"] == DATABASE_URI:
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"engine": engine}


def _key(key: str) -> str:
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_limits` table: one atomic upsert per hit (INSERT … ON CONFLICT,
    which SQLite and PostgreSQL both have), so concurrent processes never lose a count."""

    STORAGE_SCHEME = ["caseload-db"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, engine: Engine | None = None, **options):
        if engine is None:
            raise ValueError("caseload-db:// needs the app's engine (caseload.ratelimit.init_app passes it)")
        self.engine = engine
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        insert = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        ended = _TABLE.c.expires_at <= now
        statement = (insert(_TABLE).values(key=_key(key), hits=amount, expires_at=now + expiry)
                     .on_conflict_do_update(index_elements=[_TABLE.c.key], set_={
                         "hits": case((ended, amount), else_=_TABLE.c.hits + amount),
                         "expires_at": case((ended, now + expiry), else_=_TABLE.c.expires_at)})
                     .returning(_TABLE.c.hits))
        with self.engine.begin() as conn:
            hits = conn.execute(statement).scalar_one()
            conn.execute(delete(_TABLE).where(_TABLE.c.expires_at < now - FORGET_AFTER_S))
        return hits

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            hits = conn.execute(select(_TABLE.c.hits).where(_TABLE.c.key == _key(key),
                                                            _TABLE.c.expires_at > time.time())).scalar()
        return hits or 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            expires = conn.execute(select(_TABLE.c.expires_at).where(_TABLE.c.key == _key(key))).scalar()
        return expires if expires is not None and expires > time.time() else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(func.count()).select_from(_TABLE))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(_TABLE)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(_TABLE).where(_TABLE.c.key == _key(key)))
