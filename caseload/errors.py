"""Error pages: JSON for the API, HTML elsewhere; a 500 rolls the session back."""
from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from caseload.auth import kept_text
from caseload.extensions import db
from caseload.form_once import USED_FLAG, AlreadySaved, UsedAgain
from caseload.jobs import QueueUnreachable

DATABASE_BUSY = "The database is busy, try again in a moment; nothing was saved."
# PostgreSQL's lock_not_available (lock_timeout), serialization_failure and deadlock_detected: a retry succeeds.
BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01"})
# SQLite's SQLITE_BUSY / SQLITE_LOCKED after busy_timeout (caseload/database.py).
BUSY_WORDS = ("database is locked", "database table is locked", "database schema is locked")


def database_busy(err: OperationalError) -> bool:
    """Whether the error is another connection's lock outlasting our wait (worth a retry), not a broken
    database or a bad statement."""
    original = getattr(err, "orig", None)
    if getattr(original, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    return any(words in str(original).lower() for words in BUSY_WORDS)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, title: str, message: str):
    if _wants_json():
        return {"error": title, "message": message}, status
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err):
        if not _wants_json() and (kept := kept_text.rerun_view()) is not None:
            return kept  # the form's page again, with what was typed and the reason (caseload/auth/kept_text.py)
        return _render(400, "Form expired", "The form was missing its security token or it had expired. "
                       "Please go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        body, status = _render(err.code or 500, err.name, err.description or "")
        # The exception's own headers carry meaning: a 405 must list the methods in `Allow` (RFC 9110),
        # a 429 may say `Retry-After`. Our body replaces its HTML, so not its Content-Type.
        headers = [(name, value) for name, value in err.get_headers() if name.lower() != "content-type"]
        return body, status, headers

    @app.errorhandler(AlreadySaved)
    def already_saved(err: AlreadySaved):
        # A repeated send of a form that adds something: back to where the first send went (caseload.form_once).
        db.session.rollback()
        flash(str(err), "success")
        return redirect(err.location, 303)

    @app.errorhandler(UsedAgain)
    def used_again(err: UsedAgain):
        # A used form sent with other entries (caseload.form_once): nothing saved; the form again with what was
        # typed and a fresh token (forms.Form.validate), so it can be sent as the new entry it is.
        db.session.rollback()
        flash(str(err), "error")
        if (page := kept_text.rerun_view(USED_FLAG)) is not None:
            page.status_code = 409
            return page
        return redirect(request.path, 303)  # a view that cannot show its form again: its empty form

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def write_race(err):
        # A safety net for races the services do not name: two writers met at the same row or unique key.
        db.session.rollback()
        app.logger.warning("write conflict on %s %s: %s", request.method, request.path, type(err).__name__)
        return _render(409, "Changed at the same moment", "Another change to the same record was saved at the same "
                       "moment. Nothing you entered was saved: reload the page and try again.")

    @app.errorhandler(QueueUnreachable)
    def queue_unreachable(err: QueueUnreachable):
        # The job was marked failed before this was raised (planning.runs.start_plan_job): nothing is left queued.
        db.session.rollback()
        app.logger.warning("planning queue unreachable on %s %s", request.method, request.path)
        body, status = _render(503, "Planning queue unavailable", str(err))
        return body, status, {"Retry-After": "30"}

    @app.errorhandler(OperationalError)
    def database_error(err: OperationalError):
        if not database_busy(err):
            return server_error(err)
        db.session.rollback()  # first: the session's failed transaction must not reach the next request
        app.logger.warning("database busy on %s %s: %s", request.method, request.path, err.orig)
        body, status = _render(503, "Database busy", DATABASE_BUSY)
        return body, status, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def server_error(err):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(500, "Something went wrong", "The error has been logged. Nothing you entered was saved.")
