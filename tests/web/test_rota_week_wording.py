"""The week page says absences and plan times the way a team leader reads them: whole days as days,
times in the team's own zone (the page says "times in Europe/London"), never midnight-to-midnight or UTC."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import span_text
from caseload.models import Advisor, User
from caseload.services.planning.boundary import save_plan, to_problem


def test_span_text_reads_like_a_person():
    wed = datetime(2026, 11, 25)
    assert span_text(wed, wed + timedelta(days=1)) == "Wed 25 (whole day)"
    assert span_text(wed, wed + timedelta(days=3)) == "Wed 25 – Fri 27 (whole days)"
    assert span_text(wed.replace(hour=13), wed.replace(hour=17)) == "Wed 25 13:00–17:00"
    assert span_text(wed.replace(hour=20), wed + timedelta(days=1)) == "Wed 25 20:00–24:00"
    assert span_text(wed.replace(hour=13), wed.replace(day=26, hour=12)) == "Wed 25 13:00 – Thu 26 12:00"


def test_week_page_absences_and_plan_times(leader, north):
    team, week = north
    advisor = db.session.scalars(select(Advisor).where(Advisor.team_id == team.id).order_by(Advisor.id)).first()
    monday, tuesday = week, week + timedelta(days=1)
    assert leader.post(f"/rota/t/{team.id}/{week}/absences", data={
        "advisor": advisor.id, "start_day": monday.isoformat(), "end_day": tuesday.isoformat(),
        "reason": "conference"}).status_code == 302
    problem, maps = to_problem(team, week)
    solution = {"format": "caseload-solution/1", "status": "feasible", "assignments": [], "allocations": [],
                "unassigned": [{"appointment": p["id"], "reason": "test"} for p in problem["appointments"]],
                "protected": [], "score": 0, "bound": None, "solve_seconds": 0.1, "figures": {}}
    save_plan(team, week, problem, solution, by=db.session.scalar(select(User).where(User.username == "leader")),
              skipped=maps.skipped)

    page = leader.get(f"/rota/t/{team.id}/{week}/").data.decode()
    assert f"Absent {monday:%a %d} – {tuesday:%a %d} (whole days) · conference" in page
    assert "(whole day) · annual leave" in page  # the demo's one-day leave
    assert "13:00–17:00 · training" in page
    assert "00:00" not in page
    assert "Plan 1" in page and "UTC" not in page
    assert "Protected target (min a week)" in page  # the number beside it is minutes
