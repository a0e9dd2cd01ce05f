from flask import Blueprint

from caseload.localtime import to_local

bp = Blueprint("rota", __name__)


@bp.app_template_filter("rota_local")
def rota_local(moment, tz: str, fmt: str = "%a %d %b %H:%M") -> str:
    """A stored UTC time as the team's local wall-clock text."""
    return to_local(moment, tz).strftime(fmt) if moment else ""


from caseload.rota import views  # noqa: E402,F401
