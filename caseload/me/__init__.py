from flask import Blueprint

bp = Blueprint("me", __name__)

from caseload.me import views  # noqa: E402,F401
