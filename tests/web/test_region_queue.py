"""A region planned on a shared queue by real huey consumer processes, on Redis and on PostgreSQL.

Ten small teams are planned by two consumers: every job runs exactly once (huey logs each task it executes;
each team gets one plan) and both consumers take work. Then the consumer solving a team's re-plan is killed
with SIGKILL: the surviving consumer's reaper fails the job within job_watch.DEAD_AFTER_S + REAP_EVERY_S + SETTLE_S,
nothing is half-written, the published plan is as it was, and the team plans again at once.

The PostgreSQL queue runs in the PostgreSQL suite (app database and queue on the same server, as a deployment
without Redis would); the Redis queue in the SQLite suite (tests/redis_server.py starts a throwaway server).
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Plan, SolveJob, Team, User
from caseload.services.planning import job_watch
from caseload.services.region import runs as region
from caseload.services.demo import seed_demo
from caseload.services.planning.plans import publish_plan
from tests.conftest import POSTGRES, _make_app, _reset_schema

# It starts consumer processes, which read the real clock (tests/clock.py).
pytestmark = pytest.mark.real_clock

ROOT = Path(__file__).resolve().parents[2]
TEAMS = 10
TIME_LIMIT = 1.0  # small weeks, short limits: this tests the queue, not the planner


def _queue_url(tmp_path) -> str:
    if POSTGRES:
        from tests.postgres import create_database

        return create_database("caseload_region_queue")
    from tests.redis_server import ensure_redis_url

    return ensure_redis_url()


def _database_url(tmp_path) -> str:
    if POSTGRES:
        from tests.postgres import create_database

        return create_database("caseload_region")
    return f"sqlite:///{tmp_path / 'region.db'}"


def _consumer(database_url, queue_url, log_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASELOAD_")}
    env.update(CASELOAD_DATABASE_URL=database_url, CASELOAD_QUEUE_URL=queue_url, CASELOAD_SOLVER_WORKERS="1",
               PYTHONPATH=str(ROOT))
    log = open(log_path, "wb")  # a file, not a pipe: a full pipe would stall the consumer
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "huey_consumer"), "caseload.worker.huey", "--workers", "1",
         "--delay", "0.1", "--max-delay", "0.5"],
        cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return process


def _executed(log_path) -> list[str]:
    """The huey task ids this consumer executed (huey logs 'Executing caseload…run_plan_job: <id>')."""
    return re.findall(r"Executing caseload\.services\.planning\.runs\.run_plan_job: ([0-9a-f-]+)",
                      Path(log_path).read_text(errors="replace"))


def _fresh():
    """Look again: end this session's transaction (SQLite keeps a reader's snapshot) and forget loaded rows."""
    db.session.rollback()
    db.session.expire_all()


def _wait(predicate, seconds, what, logs, describe=lambda: ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tails = "\n".join(Path(p).read_text(errors="replace")[-1500:] for p in logs)
    pytest.fail(f"timed out waiting for {what} ({describe()}); consumer logs:\n{tails}")


@pytest.mark.slow
def test_ten_teams_two_consumers_each_job_once_and_a_killed_consumer_is_reaped(tmp_path):
    queue_url, database_url = _queue_url(tmp_path), _database_url(tmp_path)
    app = _make_app(database_url, QUEUE_IMMEDIATE=False, QUEUE_URL=queue_url)
    _reset_schema(app)
    consumers, logs = [], [tmp_path / "consumer1.log", tmp_path / "consumer2.log"]
    with app.app_context():
        seed_demo("demo", teams=1)  # north at full size: its re-plan below runs long enough to be killed
        seed_demo("demo", teams=TEAMS, clients_per_team=20, requests_per_team=20)  # nine small teams more
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        week = this_week_start("Europe/London")
        try:
            consumers = [_consumer(database_url, queue_url, log) for log in logs]
            began = time.monotonic()
            started = region.start_region(week, admin, time_limit=TIME_LIMIT)
            assert len(started.started) == TEAMS and not started.busy

            def settled():
                _fresh()
                return all(r["state"] in ("succeeded", "failed", "cancelled")
                           for r in region.region_status(week)["rows"])

            _wait(settled, 120, "the region's ten runs", logs,
                  lambda: [(r["team"].name, r["state"], r["message"]) for r in region.region_status(week)["rows"]])
            wall = time.monotonic() - began
            status = region.region_status(week)
            assert [r["state"] for r in status["rows"]] == ["succeeded"] * TEAMS, [r["message"] for r in status["rows"]]
            executed = [_executed(log) for log in logs]
            assert sum(map(len, executed)) == TEAMS and len(set(sum(executed, []))) == TEAMS, executed
            assert all(executed), f"one consumer took every job: {[len(e) for e in executed]}"
            tokens = {r["job"].worker.rsplit(":", 1)[0] for r in status["rows"]}
            assert len(tokens) == 2, tokens  # host:pid of both consumers
            plans_per_team = dict(db.session.execute(select(Plan.team_id, func.count(Plan.id)).group_by(Plan.team_id)).all())
            assert sorted(plans_per_team.values()) == [1] * TEAMS
            totals = status["totals"]
            assert totals["placed"] + totals["unplaced"] == totals["appointments"] == (TEAMS - 1) * 20 + 190
            print(f"{TEAMS} teams planned by 2 consumers in {wall:.1f} s ({[len(e) for e in executed]} jobs each)")

            # Publish north's plan, then re-plan north with a long limit and kill the consumer solving it.
            north = db.session.scalar(select(Team).where(Team.name == "north"))
            plan = db.session.get(Plan, status["rows"][[r["team"].name for r in status["rows"]].index("north")]["job"].plan_id)
            publish_plan(plan, admin, plan.version_id)
            db.session.commit()
            published = (plan.id, plan.status, plan.published_version, plan.version_id,
                         sorted((i.request_id, i.advisor_id, i.starts_at) for i in plan.items))
            from caseload.services.planning import runs as planning

            job = planning.start_plan_job(north, week, admin, time_limit=300)
            job_id = job.id

            def running_worker():
                _fresh()
                current = db.session.get(SolveJob, job_id)
                return current.status == "running" and (current.progress or {}).get("elapsed", 0) > 0 and current.worker

            worker = _wait(running_worker, 60, "a consumer to start solving north's re-plan", logs,
                           lambda: (db.session.get(SolveJob, job_id).status, db.session.get(SolveJob, job_id).message,
                                    db.session.get(SolveJob, job_id).progress))
            victim = next(c for c in consumers if f":{c.pid}:" in worker)
            survivor = next(c for c in consumers if c is not victim)
            os.kill(victim.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            victim.wait(10)

            def reaped():
                _fresh()
                return db.session.get(SolveJob, job_id).status != "running"

            _wait(reaped, job_watch.DEAD_AFTER_S + job_watch.REAP_EVERY_S + 10, "the reaper", logs)
            detected = time.monotonic() - killed_at
            dead = db.session.get(SolveJob, job_id)
            assert dead.status == "failed" and "worker stopped" in dead.message, dead.message
            assert dead.plan_id is None
            assert detected <= job_watch.DEAD_AFTER_S + job_watch.REAP_EVERY_S + job_watch.SETTLE_S + 2, detected
            print(f"killed consumer's job failed by the survivor's reaper {detected:.1f} s after SIGKILL")
            _fresh()
            plan = db.session.get(Plan, plan.id)
            assert (plan.id, plan.status, plan.published_version, plan.version_id,
                    sorted((i.request_id, i.advisor_id, i.starts_at) for i in plan.items)) == published
            assert db.session.scalar(select(func.count(Plan.id)).where(Plan.team_id == north.id)) == 1

            again = planning.start_plan_job(north, week, admin, time_limit=TIME_LIMIT)
            _wait(lambda: (_fresh(), db.session.get(SolveJob, again.id).status)[1] == "succeeded",
                  60, "the surviving consumer to plan north again", logs)
            assert survivor.poll() is None
        finally:
            for consumer in consumers:
                try:
                    os.killpg(consumer.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                consumer.wait(10)
            db.session.remove()
            db.engine.dispose()
