from flask import Blueprint

bp = Blueprint("rota", __name__)

from caseload.rota import views  # noqa: E402,F401
