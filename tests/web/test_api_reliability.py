"""A planning run that crashes, runs out of time, or loses its worker leaves the published plan as it was,
and the job says it failed and why."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Plan, SolveJob
from caseload.services import planning
from caseload.services.plans import publish_plan, save_plan
from caseload.services.problem import build_problem
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient

ROOT = Path(__file__).resolve().parents[2]


def _published_week():
    """North's week with a published plan that places one appointment (built by hand, no solver)."""
    north = m.team("north")
    week = this_week_start(north.timezone)
    problem, maps = build_problem(north, week)
    first = problem["appointments"][0]
    solution = {"format": "caseload-solution/1", "status": "feasible",
                "assignments": [{"appointment": first["id"], "advisor": problem["advisors"][0]["id"],
                                 "start": first["windows"][0]["start"]}],
                "unassigned": [{"appointment": a["id"], "reason": "by hand"} for a in problem["appointments"][1:]],
                "allocations": [], "protected": [], "score": 1, "bound": 1, "solve_seconds": 0.0,
                "figures": {"fill": 0.0, "continuity": None, "separation": None, "protected": 0.0, "gap": 0.0}}
    plan = save_plan(north, week, problem, solution, by=m.user("leader"), skipped=maps.skipped)
    publish_plan(plan, m.user("leader"), plan.version_id)
    return north, week, plan


def _snapshot(plan_id: int):
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    return (plan.status, plan.published_version, plan.version_id,
            [(i.request_id, i.advisor_id, i.starts_at) for i in plan.items])


def _crash(problem, **_):
    raise MemoryError("the solver ran out of memory")


def _no_plan_in_time(problem, **_):
    return {"format": "caseload-solution/1", "status": "unknown", "assignments": [], "unassigned": [],
            "allocations": [], "protected": [], "score": None, "bound": None, "solve_seconds": 2.0}


@pytest.mark.parametrize("solve, reason", [
    (_crash, "the solver ran out of memory"),
    (_no_plan_in_time, "No plan was found within the time limit"),
])
def test_a_failed_run_keeps_the_published_plan(demo_client, monkeypatch, solve, reason):
    north, week, published = _published_week()
    before = _snapshot(published.id)
    monkeypatch.setattr(planning, "solver", lambda: solve)
    api = ApiClient(demo_client, "leader")
    started = api.post("/teams/{team_id}/weeks/{week}/plans", team_id=north.id, week=week, json={"time_limit": 2})
    assert started.status_code == 202
    job = api.get("/jobs/{job_id}", job_id=started.get_json()["id"]).get_json()
    assert job["status"] == "failed" and reason in job["message"]
    assert job["plan_id"] is None
    assert _snapshot(published.id) == before
    plans = api.get("/teams/{team_id}/weeks/{week}/plans", team_id=north.id, week=week).get_json()
    assert [(p["id"], p["status"]) for p in plans] == [(published.id, "published")]


def _worker_env(database_url: str, queue_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASELOAD_")}
    env.update(CASELOAD_DATABASE_URL=database_url, CASELOAD_QUEUE_URL=queue_url, CASELOAD_SOLVER_WORKERS="1",
               PYTHONPATH=str(ROOT))
    return env


def _wait_for(predicate, seconds: float, what: str, worker, log):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if worker.poll() is not None:
            break
        time.sleep(0.2)
    os.killpg(worker.pid, signal.SIGKILL)
    pytest.fail(f"timed out waiting for {what}; worker log: {Path(log.name).read_text(errors='replace')[-2000:]}")


def test_a_killed_worker_leaves_the_published_plan_and_the_job_says_so(demo_app, tmp_path):
    """A real worker process is killed (SIGKILL, with its solver) in the middle of a solve."""
    from tests.conftest import _make_app

    north, week, published = _published_week()
    team_id, published_id = north.id, published.id
    before = _snapshot(published_id)
    database_url = demo_app.config["DATABASE_URL"]
    queue_url = f"sqlite:///{tmp_path / 'queue.db'}"
    web = _make_app(database_url, QUEUE_IMMEDIATE=False, QUEUE_URL=queue_url)  # the web process: only queues
    token = m.issue_token("leader")
    with web.app_context():
        response = web.test_client().post(f"/api/v1/teams/{team_id}/weeks/{week}/plans", json={"time_limit": 120},
                                          headers=token)
        assert response.status_code == 202 and response.get_json()["status"] == "queued"
        job_id = response.get_json()["id"]
        db.session.remove()

    log = open(tmp_path / "worker.log", "wb")  # a file, not a pipe: a full pipe would stall the worker
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "huey_consumer"), "caseload.worker.huey", "--workers", "1", "--quiet"],
        cwd=ROOT, env=_worker_env(database_url, queue_url), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=log)
    try:
        def status():
            with db.engine.connect() as conn:
                return conn.execute(select(SolveJob.status, SolveJob.progress).where(SolveJob.id == job_id)).one()

        _wait_for(lambda: status()[0] == "running" and (status()[1] or {}).get("elapsed", 0) > 0, 90,
                  "the worker to start solving", worker, log)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its solver child, mid-solve
        worker.wait(10)
    assert status()[0] == "running"  # nobody is left to say otherwise...

    # ... until the time limit and the grace period have passed: then the job is reported failed.
    db.session.expire_all()
    job = db.session.get(SolveJob, job_id)
    job.started_at -= timedelta(seconds=120 + planning.STALE_AFTER_S + 5)
    db.session.commit()
    api = ApiClient(demo_app.test_client(), "leader")
    job = api.get("/jobs/{job_id}", job_id=job_id).get_json()
    assert job["status"] == "failed", job
    assert "worker stopped" in job["message"] and "published plan is untouched" in job["message"]
    assert _snapshot(published_id) == before
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM plans")).scalar() == 1
