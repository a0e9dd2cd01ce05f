"""GET /healthz: the app is up and its database answers."""
from flask import Blueprint
from sqlalchemy import text

from caseload.auth.access import public
from caseload.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as err:  # noqa: BLE001 - any database failure means unhealthy
        return {"status": "error", "detail": type(err).__name__}, 503
    return {"status": "ok"}
