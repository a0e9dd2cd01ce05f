"""The `admin` blueprint object, apart from its views so they can import it without a cycle."""
from flask import Blueprint

from caseload.services.people.zone import service_zone

bp = Blueprint("admin", __name__)


@bp.context_processor
def admin_zone() -> dict:
    """`admin_tz`: the zone the administrator's pages show stored times in (people.zone.service_zone)."""
    return {"admin_tz": service_zone()}
