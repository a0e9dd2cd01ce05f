from flask import Blueprint

bp = Blueprint("desk", __name__)

from caseload.desk import views  # noqa: E402,F401
