"""Site-wide odds and ends every browser asks for without being told, such as /favicon.ico."""
from flask import Blueprint, redirect, url_for

from caseload.auth.access import public

bp = Blueprint("site", __name__)


@bp.get("/favicon.ico")
@public
def favicon():
    # Browsers ask for /favicon.ico whatever the page links; send them to the SVG in static/ (which the
    # CSP's img-src 'self' allows) instead of answering 404 on every page.
    return redirect(url_for("static", filename="favicon.svg"), 301)
