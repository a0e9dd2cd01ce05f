"""The `rota` blueprint object, apart from its views so they can import it without a cycle."""
from flask import Blueprint

from caseload.localtime import span_text, to_local, wall_clock

bp = Blueprint("rota", __name__)


@bp.app_template_filter("rota_local")
def rota_local(moment, tz: str, fmt: str = "%a %d %b %H:%M") -> str:
    """A stored UTC time as the team's local wall-clock text."""
    return to_local(moment, tz).strftime(fmt) if moment else ""


@bp.app_template_filter("local_span")
def local_span(start, end, tz: str) -> str:
    """Stored UTC start and end as one local span in the team's zone (see localtime.span_text)."""
    return span_text(wall_clock(start, tz), wall_clock(end, tz))


@bp.app_template_filter("span_text")
def span_text_filter(start, end) -> str:
    return span_text(start, end)
