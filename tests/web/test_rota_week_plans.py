"""The team's week after desk bookings: the run's box leads to the plan in force, the plan list groups the desk's
versions under the published plan in plain figures, and an ended run says how long it took."""
from __future__ import annotations

import copy
import re

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Plan, SolveJob, User
from caseload.services.desk.versions import publish_version
from caseload.services.planning import runs as planning
from caseload.services.planning.plans import published_plan
from scheduler.baselines import named_first


def _plan_and_publish(leader, team, week, monkeypatch):
    """A planning run (the named-first plan, 3.7 s) published by the leader: (job, plan)."""
    monkeypatch.setattr(planning, "solver", lambda: lambda problem, time_limit, workers, progress: {
        **named_first(problem), "solve_seconds": 3.7})
    assert leader.post(f"/rota/t/{team.id}/{week}/plan", data={"time_limit": 7}).status_code == 302
    job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    plan = db.session.get(Plan, job.plan_id)
    assert leader.post(f"/rota/plans/{plan.id}/publish",
                       data={"version": plan.version_id, "published": 0}).status_code == 302
    return job, plan


def _desk_version(team, week):
    """What a desk booking does to a published week: a new published version (here the same appointments)."""
    current = published_plan(team, week)
    desk = db.session.scalar(select(User).where(User.username == "leader"))
    plan = publish_version(current, desk, copy.deepcopy(current.problem), copy.deepcopy(current.solution))
    db.session.commit()
    return plan


def _plans_section(page: str) -> str:
    return page[page.index("<h3>Plans for this week</h3>"):page.index('id="working-time"')]


def test_the_runs_box_leads_to_the_plan_in_force_after_desk_bookings(leader, north, monkeypatch):
    team, week = north
    job, run_plan = _plan_and_publish(leader, team, week, monkeypatch)
    page = leader.get(f"/rota/t/{team.id}/{week}/").get_data(as_text=True)
    assert f'class="job-result " href="/rota/plans/{run_plan.id}">Review the plan</a>' in page
    newest = [_desk_version(team, week) for _ in range(2)][-1]
    page = leader.get(f"/rota/t/{team.id}/{week}/").get_data(as_text=True)
    assert f'href="/rota/plans/{newest.id}">Review the current plan</a>' in page
    assert f"Plan {run_plan.id}, made by this run, has been superseded: published version 3" in page
    assert leader.get(f"/rota/jobs/{job.id}").get_json()["plan_url"].endswith(f"/rota/plans/{newest.id}")


def test_desk_versions_are_grouped_under_the_published_plan(leader, north, monkeypatch):
    team, week = north
    _, run_plan = _plan_and_publish(leader, team, week, monkeypatch)
    versions = [_desk_version(team, week) for _ in range(3)]
    section = _plans_section(leader.get(f"/rota/t/{team.id}/{week}/").get_data(as_text=True))
    assert section.count('class="plan-line"') == 1  # one line, not one per desk booking
    assert f'<a href="/rota/plans/{versions[-1].id}">Plan {versions[-1].id}</a>' in section
    assert "published v4 <span class=\"desk-changes\">(v1 + 3 desk changes)</span>" in section
    assert "last desk booking by Lee Leader" in section and re.search(r"\d+ of \d+ appointments placed", section)
    assert "score" not in section  # the plain figures, not the solver's score
    earlier = section[section.index("<details"):section.index("</details>")]
    assert "Earlier versions (3)" in earlier and earlier.count("desk booking by Lee Leader") == 2
    links = re.findall(r'href="/rota/plans/(\d+)"', earlier)
    assert links == [str(versions[1].id), str(versions[0].id), str(run_plan.id)]  # newest first


def test_an_ended_run_says_how_long_it_took(leader, north, monkeypatch):
    team, week = north
    job, _ = _plan_and_publish(leader, team, week, monkeypatch)
    page = leader.get(f"/rota/t/{team.id}/{week}/").get_data(as_text=True)
    assert "Finished in 3.7 s." in page and "Planning started" not in page
    assert '<div class="job-live hidden"><dt>Time left</dt>' in page  # not "Time left 0.0 s"
    assert leader.get(f"/rota/jobs/{job.id}").get_json()["finished"].startswith("Finished in 3.7 s")
    script = leader.get("/static/rota.js").get_data(as_text=True)
    assert 'text(".job-started", job.finished)' in script


def test_a_superseded_plan_leads_to_the_one_in_force_and_a_desk_version_says_so(leader, north, monkeypatch):
    team, week = north
    _, run_plan = _plan_and_publish(leader, team, week, monkeypatch)
    newest = _desk_version(team, week)
    old = leader.get(f"/rota/plans/{run_plan.id}").get_data(as_text=True)
    assert f'This plan has been superseded: <a href="/rota/plans/{newest.id}">published version 2' in old
    assert "made by Lee Leader" in old
    page = leader.get(f"/rota/plans/{newest.id}").get_data(as_text=True)
    assert "desk booking by Lee Leader" in page and "plan-superseded" not in page
