"""The requests list says whether each request is placed in the week's plan, and filters to those not placed; a
leader of one team goes straight to its week."""
from __future__ import annotations

import re

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import User
from caseload.services.planning.boundary import save_plan, to_problem


def _draft_placing_one(team, week):
    problem, maps = to_problem(team, week)
    first, *rest = problem["appointments"]
    solution = {"format": "caseload-solution/1", "status": "feasible",
                "assignments": [{"appointment": first["id"], "advisor": problem["advisors"][0]["id"],
                                 "start": first["windows"][0]["start"]}],
                "unassigned": [{"appointment": p["id"], "reason": "no advisor free"} for p in rest],
                "allocations": [], "protected": [], "score": 1, "bound": 2,
                "figures": {"fill": 0.01, "continuity": 1.0, "separation": 1.0, "protected": 0.0, "gap": 0.5}}
    leader = db.session.scalar(select(User).where(User.username == "leader"))
    return save_plan(team, week, problem, solution, by=leader, skipped=maps.skipped), len(problem["appointments"])


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr id="request-\d+".*?</tr>', page, re.S)


def test_requests_show_their_place_in_the_plan_and_filter_to_the_unplaced(leader, north):
    team, week = north
    url = f"/rota/t/{team.id}/{week}/requests"
    page = leader.get(url).get_data(as_text=True)
    assert "no plan yet" in page
    plan, total = _draft_placing_one(team, week)
    page = leader.get(url).get_data(as_text=True)
    assert f'In <a href="/rota/plans/{plan.id}">plan {plan.id}</a> (draft)' in page
    assert 'name="status"' in page and '<option value="unplaced"' in page
    placed = _rows(leader.get(url + "?status=placed").get_data(as_text=True))
    assert len(placed) == 1 and '<span class="status-placed">placed</span>' in placed[0]
    unplaced = leader.get(url + "?status=unplaced").get_data(as_text=True)
    assert f"of {total - 1} requests" in unplaced  # the pager counts only the unplaced
    assert all('<span class="status-unassigned">unassigned</span>: no advisor free' in row for row in _rows(unplaced))
    assert "status=unplaced" in unplaced  # paging and sorting keep the filter


def test_a_leader_of_one_team_goes_straight_to_its_week(leader, north, demo_auth):
    team, week = north
    response = leader.get("/rota/")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/rota/t/{team.id}/{week}/")
    demo_auth.logout()
    demo_auth.login("admin")  # every team: still chooses
    page = demo_auth.client.get("/rota/")
    assert page.status_code == 200 and "Choose a team" in page.get_data(as_text=True)
