"""A planning run that crashes, runs out of time, or loses its worker leaves the published plan as it was,
and the job says it failed and why."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Plan, SolveJob
from caseload.services.planning import runs as planning
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.boundary import save_plan, to_problem
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient

ROOT = Path(__file__).resolve().parents[2]


def _published_week():
    """North's week with a published plan that places one appointment (built by hand, no solver)."""
    north = m.team("north")
    week = this_week_start(north.timezone)
    problem, maps = to_problem(north, week)
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


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (its children, theirs, ...), read from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has finished; only its exit status is left


def _solver_children(pid: int) -> set[int]:
    found = set()
    for child in _descendants(pid):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(child)
        except OSError:
            pass
    return found


@pytest.mark.real_clock  # it starts a process that reads the real clock (tests/clock.py)
def test_a_consumer_killed_mid_solve_is_detected_and_the_week_can_be_planned_again(demo_app, tmp_path):
    """A real huey consumer is SIGKILLed (only the consumer, not its process group) in the middle of a solve:
    its solver child dies with it, the job is failed within job_watch.DEAD_AFTER_S by the heartbeat reaper
    (run here by the job page, as no consumer is left), the published plan is as it was, and the team can
    plan the week again."""
    from caseload.services.planning import job_watch
    from tests.conftest import _make_app

    north, week, published = _published_week()
    team_id, published_id = north.id, published.id
    before = _snapshot(published_id)
    database_url = demo_app.config["DATABASE_URL"]
    queue_url = f"sqlite:///{tmp_path / 'queue.db'}"
    web = _make_app(database_url, QUEUE_IMMEDIATE=False, QUEUE_URL=queue_url)  # the web process: only queues
    token = m.issue_token("leader")
    with web.app_context():
        response = web.test_client().post(f"/api/v1/teams/{team_id}/weeks/{week}/plans", json={"time_limit": 300},
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
        solvers = _wait_for(lambda: _solver_children(worker.pid), 30, "the solver child process", worker, log)
        os.kill(worker.pid, signal.SIGKILL)  # the consumer alone: its child must not outlive it
        killed_at = time.monotonic()
        worker.wait(10)

        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in solvers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in solvers), "the solver child outlived its killed consumer"

        api = ApiClient(demo_app.test_client(), "leader")
        seen = api.get("/jobs/{job_id}", job_id=job_id).get_json()
        assert seen["status"] == "running"  # killed a moment ago: not yet judged dead
        while seen["status"] == "running" and time.monotonic() - killed_at < job_watch.DEAD_AFTER_S + 10:
            time.sleep(0.5)  # the page polls about once a second
            seen = api.get("/jobs/{job_id}", job_id=job_id).get_json()
        detected = time.monotonic() - killed_at
    finally:
        try:
            os.killpg(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        log.close()
    print(f"dead consumer detected {detected:.1f} s after SIGKILL (threshold {job_watch.DEAD_AFTER_S} s)")
    assert seen["status"] == "failed", seen
    assert detected <= job_watch.DEAD_AFTER_S + job_watch.SETTLE_S + 2, detected
    assert "worker stopped" in seen["message"] and "published plan is untouched" in seen["message"]
    assert "SELECT" not in seen["message"] and "UPDATE" not in seen["message"]
    assert _snapshot(published_id) == before
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM plans")).scalar() == 1

    with web.app_context():  # the team can plan the week again at once
        again = web.test_client().post(f"/api/v1/teams/{team_id}/weeks/{week}/plans", json={"time_limit": 5},
                                       headers=token)
        assert again.status_code == 202, again.get_json()
        db.session.remove()


def _hold_write_lock(database_url: str):
    """Another connection takes the database's (SQLite) or the jobs table's (PostgreSQL) write lock; returns it."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        import sqlite3

        conn = sqlite3.connect(url.database, isolation_level=None, timeout=30)
        conn.execute("BEGIN EXCLUSIVE")  # in WAL mode: readers go on, every writer waits
        return conn
    import psycopg

    conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    conn.execute("LOCK TABLE solve_jobs IN EXCLUSIVE MODE")  # reads go on, every write of a job waits
    return conn


def test_a_heartbeat_that_lands_just_after_a_lock_goes_saves_the_job_from_the_reaper(demo_app):
    """The race behind a flaky run: a long lock ends, the reaper wins the freed lock a moment before the
    consumer's queued heartbeat, and sees a 15 s old heartbeat. The reaper looks again SETTLE_S later and
    fails only a job whose silence goes on: the job whose heartbeat lands 0.3 s after the reaper's first look
    keeps running; the one that stays silent is failed."""
    import threading
    from datetime import timedelta

    from caseload.models import utcnow
    from caseload.services.planning import job_watch

    north = m.team("north")
    old = utcnow() - timedelta(seconds=job_watch.DEAD_AFTER_S + 5)
    weeks = [this_week_start(north.timezone) + timedelta(days=7 * k) for k in (1, 2)]  # one active job a week
    rows = [SolveJob(team_id=north.id, week_start=week, status="running", time_limit=3, started_at=old,
                     heartbeat_at=old, worker="w", created_by_id=m.user("leader").id) for week in weeks]
    db.session.add_all(rows)
    db.session.commit()
    jobs = [row.id for row in rows]
    live, silent = jobs

    def late_heartbeat():  # the consumer's write that was queued behind the lock
        time.sleep(0.3)
        with db.engine.begin() as conn:
            conn.execute(update(SolveJob).where(SolveJob.id == live).values(heartbeat_at=utcnow()))

    beat = threading.Thread(target=late_heartbeat)
    began = time.monotonic()
    beat.start()
    reaped = job_watch.reap_dead_jobs(db.session)
    db.session.commit()
    beat.join()
    with db.engine.connect() as conn:
        status = dict(conn.execute(select(SolveJob.id, SolveJob.status).where(SolveJob.id.in_(jobs))).all())
    assert status == {live: "running", silent: "failed"} and reaped == 1, status
    assert time.monotonic() - began >= job_watch.SETTLE_S


def test_a_database_locked_for_15_seconds_does_not_fail_the_run(demo_app, caplog):
    """Another connection holds the write lock for 15 s while a job solves: the heartbeat/progress writes that
    miss are logged and skipped, the final write waits and is retried, and the run succeeds. The leader's page,
    polling all the while, never gets an error and the reaper does not mistake the lock for a dead worker."""
    import logging
    import threading

    caplog.set_level(logging.INFO, logger="caseload")
    north = m.team("north")
    job = SolveJob(team_id=north.id, week_start=this_week_start(north.timezone), status="queued", time_limit=3,
                   created_by_id=m.user("leader").id)
    db.session.add(job)
    db.session.commit()
    job_id, token = job.id, m.issue_token("leader")

    def run():
        with demo_app.app_context():
            planning.run_job(job_id)

    def row():
        with db.engine.connect() as conn:
            return conn.execute(select(SolveJob.status, SolveJob.message, SolveJob.plan_id)
                                .where(SolveJob.id == job_id)).one()

    worker = threading.Thread(target=run, name="worker")
    worker.start()
    deadline = time.monotonic() + 30
    while row()[0] != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    lock = _hold_write_lock(demo_app.config["DATABASE_URL"])
    locked_at = time.monotonic()
    answers = []

    def poll():  # the leader's page, asking about the job about once a second
        page = demo_app.test_client()
        while time.monotonic() - locked_at < 20:
            answers.append(page.get(f"/api/v1/jobs/{job_id}", headers=token).status_code)
            time.sleep(1)

    poller = threading.Thread(target=poll, name="page")
    poller.start()
    try:
        time.sleep(15)
    finally:
        lock.rollback()
        lock.close()
    worker.join(120)
    poller.join(30)
    status, message, plan_id = row()
    assert status == "succeeded" and plan_id is not None, message
    assert "SELECT" not in message and "UPDATE" not in message
    assert any("heartbeat/progress not written" in r.getMessage() for r in caplog.records)  # a write did miss
    assert answers and set(answers) == {200}, answers


@pytest.mark.real_clock  # it starts a process that reads the real clock (tests/clock.py)
def test_a_live_consumer_reaps_another_consumers_dead_job(demo_app, tmp_path):
    """Consumers run the reaper themselves (every job_watch.REAP_EVERY_S), so a dead worker's job is failed
    even when nobody looks at it; the app database is the only thing they share."""
    from caseload.models import utcnow
    from caseload.services.planning import job_watch

    north = m.team("north")
    dead = SolveJob(team_id=north.id, week_start=this_week_start(north.timezone), status="running", time_limit=600,
                    worker="elsewhere:1:gone", started_at=utcnow(), heartbeat_at=utcnow())
    db.session.add(dead)
    db.session.commit()
    job_id = dead.id
    database_url = demo_app.config["DATABASE_URL"]
    log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "huey_consumer"), "caseload.worker.huey", "--workers", "1", "--quiet"],
        cwd=ROOT, env=_worker_env(database_url, f"sqlite:///{tmp_path / 'queue.db'}"), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=log)
    try:
        def status():
            with db.engine.connect() as conn:
                return conn.execute(select(SolveJob.status).where(SolveJob.id == job_id)).scalar()

        _wait_for(lambda: status() == "failed", job_watch.DEAD_AFTER_S + job_watch.REAP_EVERY_S + 30,
                  "the consumer's reaper", worker, log)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        log.close()
