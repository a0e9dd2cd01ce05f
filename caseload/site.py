"""Site-wide odds and ends: what every browser asks for unasked (/favicon.ico), and template filters
that pages of every area use."""
from flask import Blueprint, redirect, url_for

from caseload.auth.access import public
from caseload.localtime import clock_span, human_value, moment_text, share_text
from caseload.services.planning.plan_words import status_words

bp = Blueprint("site", __name__)


@bp.get("/favicon.ico")
@public
def favicon():
    # Browsers ask for /favicon.ico whatever the page links; send them to the SVG in static/ (which the
    # CSP's img-src 'self' allows) instead of answering 404 on every page.
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.app_template_filter("moment_text")
def moment_text_filter(moment, tz: str = "UTC") -> str:
    """A stored UTC time as "Mon 23 Nov 2026 10:53 UTC" (or in `tz`, named)."""
    return moment_text(moment, tz) if moment else ""


@bp.app_template_filter("human")
def human_filter(value, tz: str = "UTC"):
    """ISO dates and times (audit details, results) as people read them, aware ones in zone `tz`; see
    localtime.human_value."""
    return human_value(value, tz)


@bp.app_template_filter("share")
def share_filter(value, digits: int = 1) -> str:
    """A fraction as a percentage that never shows 100 % (or 0 %) unless it is exactly that."""
    return share_text(value, digits)


@bp.app_template_filter("solver_status")
def solver_status_filter(status) -> str:
    """The solver's status in plain words ("Best plan found; no better plan exists" for optimal)."""
    return status_words(status)


@bp.app_template_filter("clock_span")
def clock_span_filter(start, end, fmt: str = "%a %d %b %H:%M") -> str:
    """An aware local appointment span; names both zones when it crosses a clock change (localtime.clock_span)."""
    return clock_span(start, end, fmt)
