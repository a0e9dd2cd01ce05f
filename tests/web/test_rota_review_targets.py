"""The review's "Load per advisor": protected time kept of the week's target, the target being that week's
override where one is set, else the advisor's standing target. (It always said "/ 0 min".)"""
from __future__ import annotations

import re

from caseload.extensions import db
from caseload.models import WeekProtectedTarget
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.problem import team_advisors
from scheduler.baselines import named_first


def _target_cell(page: str, name: str) -> str:
    row = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', page, re.S).group(1)
    return re.findall(r"<td>([^<]*)</td>", row)[-1]


def test_load_per_advisor_shows_each_week_target(leader, north):
    team, week = north
    standing, overridden = team_advisors(team)[:2]
    standing.protected_minutes, overridden.protected_minutes = 180, 120
    db.session.add(WeekProtectedTarget(advisor_id=overridden.id, week_start=week, minutes=60))
    db.session.commit()
    problem, maps = to_problem(team, week)
    plan = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    page = leader.get(f"/rota/plans/{plan.id}").data.decode()
    kept = {b.advisor_id: 0 for b in plan.protected_blocks}
    for b in plan.protected_blocks:
        kept[b.advisor_id] += int((b.ends_at - b.starts_at).total_seconds() // 60)
    assert _target_cell(page, standing.name) == f"{kept.get(standing.id, 0)} / 180 min"
    assert _target_cell(page, overridden.name) == f"{kept.get(overridden.id, 0)} / 60 min"
