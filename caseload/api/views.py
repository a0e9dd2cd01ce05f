"""JSON API under /api/v1 (bearer-token authentication)."""
from flask_login import current_user

from caseload.api import bp
from caseload.auth.access import role_required
from caseload.models import Role


@bp.get("/me")
@role_required(*Role)
def me():
    return {"username": current_user.username, "role": current_user.role.value}
