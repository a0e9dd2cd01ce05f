"""The web side of the planner boundary (services/planning/boundary.py): one choice of the previous plan for every
way a run starts, and plan rows that always follow the plan's solution document."""
from __future__ import annotations

import copy

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import HandoverNote, Plan, SolveJob
from caseload.services.planning import boundary
from caseload.services.planning import runs as planning
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.problem import db_id, local_naive
from caseload.services.region import runs as region
from scheduler import check_solution
from scheduler.baselines import named_first
from scheduler.model import TIME_FORMAT
from tests.web import access_matrix as m


def _published(team, week) -> Plan:
    problem, maps = boundary.to_problem(team, week)
    draft = boundary.save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    return publish_plan(draft, None, draft.version_id, expected_published=0)


def _rows(plan: Plan) -> set[tuple]:
    tz = plan.team.timezone
    return {(i.request_id, i.advisor_id, local_naive(i.starts_at, tz).strftime(TIME_FORMAT) if i.starts_at else None,
             i.unassigned_reason is not None) for i in plan.items}


def _rows_of(solution: dict, skipped: dict) -> set[tuple]:
    return ({(db_id(a["appointment"]), db_id(a["advisor"]), a["start"], False) for a in solution["assignments"]}
            | {(db_id(u["appointment"]), None, None, True) for u in solution["unassigned"]}
            | {(request_id, None, None, True) for request_id in skipped})


def test_every_way_of_starting_a_run_re_plans_from_the_published_plan(leader, north, monkeypatch):
    """A leader's page, the API and the region all start runs through start_plan_job, which takes the previous
    plan from boundary.previous_plan: the region used to start its runs from no plan at all."""
    team, week = north
    published = _published(team, week)
    seen = []

    def fake(problem, **_options):
        seen.append({p["appointment"] for p in problem.get("previous", [])})
        return named_first(problem)

    monkeypatch.setattr(planning, "solver", lambda: fake)
    assert boundary.previous_plan(team, week).id == published.id
    placed = {f"r{i.request_id}" for i in published.items if i.advisor_id is not None}

    assert leader.post(f"/rota/t/{team.id}/{week}/plan", data={"time_limit": 5}).status_code == 302
    region.start_region(week, m.user("admin"), time_limit=5)
    jobs = list(db.session.scalars(select(SolveJob).where(SolveJob.team_id == team.id).order_by(SolveJob.id)))
    assert len(jobs) == 2 and all(j.status == "succeeded" for j in jobs), [(j.status, j.message) for j in jobs]
    assert [j.previous_plan_id for j in jobs] == [published.id, published.id]
    assert [db.session.get(Plan, j.plan_id).based_on_id for j in jobs] == [published.id, published.id]
    assert seen.count(placed) == 2  # north's two runs had the published placements as `previous` (south none)


def test_the_rows_are_rebuilt_from_the_solution_and_keep_their_ids(north):
    team, week = north
    problem, maps = boundary.to_problem(team, week)
    plan = boundary.save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    assert _rows(plan) == _rows_of(plan.solution, maps.skipped)
    ids = {i.request_id: i.id for i in plan.items}
    moved = next(i for i in plan.items if i.advisor_id is not None)
    db.session.add(HandoverNote(client_id=moved.request.client_id, plan_item_id=moved.id, body="see notes"))
    db.session.commit()

    # Take one appointment out of the plan: its row becomes unassigned, nothing else changes, ids stay.
    solution = copy.deepcopy(plan.solution)
    taken = next(a for a in solution["assignments"] if db_id(a["appointment"]) == moved.request_id)
    solution["assignments"].remove(taken)
    solution["unassigned"].append({"appointment": taken["appointment"], "reason": "taken out by hand"})
    solution.pop("figures", None)
    solution.pop("score", None)
    boundary.apply_solution(plan, plan.problem, solution)
    db.session.commit()
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert _rows(plan) == _rows_of(solution, maps.skipped)  # the skipped requests keep their rows too
    assert {i.request_id: i.id for i in plan.items} == ids
    item = next(i for i in plan.items if i.request_id == moved.request_id)
    assert item.advisor_id is None and item.unassigned_reason == "taken out by hand"
    assert db.session.scalar(select(HandoverNote.plan_item_id).where(HandoverNote.body == "see notes")) == item.id
    # Figures come from the planner's own checker when the solution carries none.
    assert plan.figures == check_solution(plan.problem, solution).figures and plan.figures["fill"] < 1.0
