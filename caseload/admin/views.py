"""Administrators: users, teams, skills, appointment types, weights, reports, audit."""
from flask import render_template
from sqlalchemy import func, select

from caseload.admin import bp
from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.models import Advisor, Client, Role, Team, User


@bp.get("/")
@role_required(Role.ADMIN)
def home():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "teams": db.session.scalar(select(func.count(Team.id))),
        "advisors": db.session.scalar(select(func.count(Advisor.id))),
        "clients": db.session.scalar(select(func.count(Client.id))),
    }
    return render_template("admin/home.html", counts=counts)
