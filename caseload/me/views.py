"""An advisor's own week and caseload."""
from flask import render_template
from flask_login import current_user

from caseload.auth.access import role_required
from caseload.me import bp
from caseload.models import Role


@bp.get("/")
@role_required(Role.ADVISOR)
def home():
    return render_template("me/home.html", advisor=current_user.advisor)
