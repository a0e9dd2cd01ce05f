from flask import Blueprint

bp = Blueprint("admin", __name__)

from caseload.admin import audit_views, client_data_views, report_views, views, weights_views  # noqa: E402,F401
