from flask import Blueprint

bp = Blueprint("auth", __name__)

from caseload.auth import token_views, views  # noqa: E402,F401
