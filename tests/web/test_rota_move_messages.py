"""A refused move explains itself in names and local times, not scheduler ids and document paths."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Advisor, Plan, PlanItem, Team, User
from caseload.services.planning.boundary import save_plan, to_problem


def _draft_with_one_placed() -> Plan:
    team = db.session.scalar(select(Team).where(Team.name == "north"))
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    first, *rest = problem["appointments"]
    solution = {
        "format": "caseload-solution/1", "status": "feasible",
        "assignments": [{"appointment": first["id"], "advisor": problem["advisors"][0]["id"], "start": first["windows"][0]["start"]}],
        "unassigned": [{"appointment": p["id"], "reason": "test"} for p in rest],
        "allocations": [], "protected": [], "score": 0, "bound": None, "solve_seconds": 0.1, "figures": {},
    }
    leader = db.session.scalar(select(User).where(User.username == "leader"))
    return save_plan(team, week, problem, solution, by=leader, skipped=maps.skipped)


def test_a_refused_move_names_people_and_local_times(leader, north):
    plan = _draft_with_one_placed()
    item = db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.advisor_id.is_not(None))).first()
    advisor = db.session.get(Advisor, item.advisor_id)
    day = plan.week_start + timedelta(days=5)  # Saturday: outside every window and every rota
    response = leader.post(f"/rota/plans/{plan.id}/move", data={
        "item": item.id, "advisor": advisor.id, "day": day.isoformat(), "time": "03:00",
        "version": plan.version_id, "pin": "y"})
    assert response.status_code == 409
    page = response.data.decode()
    message = re.search(r"Not saved:[^<]*", page).group(0)
    assert "breaks a hard rule" in message
    assert f"{day:%a %d %b} 03:00" in message and advisor.name in message
    assert not re.search(r"\b[acr]\d+\b", message), message  # no scheduler ids
    assert "appointments[" not in message and "T03:00" not in message
