"""Team leaders plan their team's week."""
from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.models import Role, Team
from caseload.rota import bp


@bp.get("/")
@role_required(Role.LEADER, Role.ADMIN)
def home():
    query = select(Team).order_by(Team.name)
    if current_user.role == Role.LEADER:
        query = query.where(Team.leader_id == current_user.id)
    teams = db.session.scalars(query).all()
    return render_template("rota/home.html", teams=teams)
