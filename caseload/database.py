"""A small SQLAlchemy 2.x integration: one engine and one scoped session per app.

We keep this instead of Flask-SQLAlchemy so the same engine/session code serves the web
app, the CLI and the background worker without an app-bound query API.
"""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import MetaData, String, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.functions import FunctionElement

from caseload.values import fold

logger = logging.getLogger(__name__)

# Stable constraint names so Alembic can alter them (and batch mode on SQLite works).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(busy_timeout_s: float):
    def pragmas(dbapi_connection, _record):
        _set_pragmas(dbapi_connection, busy_timeout_s)
    return pragmas


def _set_pragmas(dbapi_connection, busy_timeout_s: float) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # How long a write waits for another connection's lock before "database is locked" (a 503: caseload/errors.py).
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
    if mode not in ("memory", "wal"):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# --- folding case over all of Unicode, the same on SQLite and PostgreSQL ----------------------------------------
# SQLite's lower() folds A-Z only ("Élise" stays "Élise"), and so does PostgreSQL's in a database made with
# --locale=C (as the test cluster is): lower() follows the database's LC_CTYPE. folded() is lower() that folds
# every letter: on SQLite a function registered on each connection (Python's str.lower, values.fold), on
# PostgreSQL lower() under the ICU root collation when the server has it (Debian's and the official images do).

SQLITE_FOLD = "caseload_fold"  # the name the SQLite function is registered under
ICU_ROOT = "und-x-icu"


class folded(FunctionElement):  # noqa: N801 - used like func.lower
    """SQL: `text` lower-cased over all of Unicode (NULL stays NULL), the twin of values.fold."""
    type = String()
    name = "folded"
    inherit_cache = True


@compiles(folded)
def _folded_lower(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_sqlite(element, compiler, **kw):
    return f"{SQLITE_FOLD}({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element, compiler, **kw):
    collation = getattr(compiler.dialect, "caseload_fold_collation", None)
    argument = compiler.process(element.clauses, **kw)
    # CAST: a bound parameter has no type yet, and COLLATE needs a text.
    return f'lower(CAST({argument} AS TEXT) COLLATE "{collation}")' if collation else f"lower({argument})"


def _sqlite_fold(text):
    return None if text is None else fold(text)


def _sqlite_functions(dbapi_connection, _record):
    # deterministic: SQLite may then use it in indexes and optimise repeated calls (a pure function of its text).
    dbapi_connection.create_function(SQLITE_FOLD, 1, _sqlite_fold, deterministic=True)


LOWER_FOLDS_A_TO_Z_ONLY = (
    "PostgreSQL has no ICU collation %s, so name searches fold case with plain lower(), and this database's "
    "lower() folds A-Z only (lower('É') is not 'é': its LC_CTYPE is C or another non-Unicode locale). Searches "
    "for clients, users and advisors will not ignore the case of other letters ('élise' does not find 'Élise'). "
    "Look-alike client references and team names are still refused (their keys are computed in Python). To fix: "
    "a PostgreSQL built with ICU, or a database created with a UTF-8 locale.")


def lower_folds_unicode(cursor) -> bool:
    """Whether the database's own lower() folds beyond A-Z (lower('É') = 'é'), on a DB-API `cursor`."""
    cursor.execute("SELECT lower('É') = 'é'")
    return bool(cursor.fetchone()[0])


def warn_if_lower_folds_a_to_z_only(cursor) -> bool:
    """Log a warning (logger caseload.database) naming the consequence when the fallback lower() folds A-Z only;
    True when it warned. Called on PostgreSQL's first connection when the ICU collation is missing."""
    if lower_folds_unicode(cursor):
        return False
    logger.warning(LOWER_FOLDS_A_TO_Z_ONLY, ICU_ROOT)
    return True


def _postgresql_fold_collation(engine: Engine):
    def first_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", (ICU_ROOT,))
        engine.dialect.caseload_fold_collation = ICU_ROOT if cursor.fetchone() else None
        if engine.dialect.caseload_fold_collation is None:  # folded() falls back to lower(): say what that costs
            warn_if_lower_folds_a_to_z_only(cursor)
        cursor.close()
        dbapi_connection.rollback()  # leave no transaction open on the pooled connection
    return first_connect


def make_engine(url: str, echo: bool = False, busy_timeout_s: float = 10) -> Engine:
    parsed = make_url(url)
    kwargs: dict = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        else:
            # One shared in-memory database for every thread (tests, live server).
            kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout_s}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_s))
        event.listen(engine, "connect", _sqlite_functions)
        return engine
    kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "postgresql":
        event.listen(engine, "first_connect", _postgresql_fold_collation(engine))
    return engine


class Database:
    Model = Base

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    def init_app(self, app) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"], app.config.get("SQL_ECHO", False),
                                  busy_timeout_s=float(app.config.get("SQLITE_BUSY_TIMEOUT_S", 10)))
        self.session.remove()
        self.session.configure(bind=self.engine)
        app.extensions["caseload_db"] = self

        @app.teardown_appcontext
        def _remove_session(_exc):
            self.session.remove()

    def create_all(self) -> None:
        Base.metadata.create_all(self.engine)

    def drop_all(self) -> None:
        Base.metadata.drop_all(self.engine)
