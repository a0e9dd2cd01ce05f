"""One consumer with huey's process workers (`huey_consumer caseload.worker.huey -k process --workers 2`), a real
process: the way to run W = cores ÷ CASELOAD_SOLVER_WORKERS solves on one machine from one supervised command.

Each worker is a forked process with its own database connections (none is inherited from the parent: the app
is created before the fork, its engine's pool must not be shared), so two teams' weeks are solved at the same
time by two different worker processes, each job once, and each solve in its own child process (the runner).
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
from caseload.models import Plan, SolveJob, User
from caseload.services.demo import seed_demo
from caseload.services.region import runs as region
from tests.conftest import _make_app, _reset_schema

# It starts consumer processes, which read the real clock (tests/clock.py).
pytestmark = pytest.mark.real_clock

ROOT = Path(__file__).resolve().parents[2]
TEAMS = 4


@pytest.mark.slow
def test_a_process_worker_consumer_runs_each_job_once_in_two_processes(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    queue_url = f"sqlite:///{tmp_path / 'queue.db'}"
    app = _make_app(database_url, QUEUE_IMMEDIATE=False, QUEUE_URL=queue_url)
    _reset_schema(app)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASELOAD_")}
    env.update(CASELOAD_DATABASE_URL=database_url, CASELOAD_QUEUE_URL=queue_url, CASELOAD_SOLVER_WORKERS="1",
               PYTHONPATH=str(ROOT))
    log_path = tmp_path / "consumer.log"
    with app.app_context():
        seed_demo("demo", teams=TEAMS, clients_per_team=20, requests_per_team=20)
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        week = this_week_start("Europe/London")
        with open(log_path, "wb") as log:
            consumer = subprocess.Popen(
                [str(Path(sys.executable).parent / "huey_consumer"), "caseload.worker.huey", "-k", "process",
                 "--workers", "2", "--delay", "0.1", "--max-delay", "0.5"],
                cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
        try:
            started = region.start_region(week, admin, time_limit=3.0)
            ids = [job.id for job in started.started]
            assert len(ids) == TEAMS
            deadline = time.monotonic() + 180
            while True:
                db.session.rollback()
                db.session.expire_all()
                rows = db.session.scalars(select(SolveJob).where(SolveJob.id.in_(ids))).all()
                if all(r.status not in ("queued", "running") for r in rows):
                    break
                assert consumer.poll() is None, log_path.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, ([(r.status, r.message) for r in rows],
                                                     log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.2)
            assert [r.status for r in rows] == ["succeeded"] * TEAMS, [r.message for r in rows]
            # Each job once: one plan per team, and the consumer's log names each task once.
            assert db.session.scalar(select(func.count(Plan.id))) == TEAMS
            executed = re.findall(r"Executing caseload\.services\.planning\.runs\.run_plan_job: ([0-9a-f-]+)",
                                  log_path.read_text(errors="replace"))
            assert len(executed) == len(set(executed)) == TEAMS, executed
            # The jobs were claimed by two different worker processes (the token is host:pid:random) ...
            pids = {r.worker.split(":")[1] for r in rows}
            assert len(pids) == 2 and str(consumer.pid) not in pids, (pids, consumer.pid)
            # ... and two of them ran at the same time.
            spans = sorted((r.started_at, r.finished_at) for r in rows)
            assert any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:])), spans
        finally:
            os.killpg(consumer.pid, signal.SIGTERM)
            try:
                consumer.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(consumer.pid, signal.SIGKILL)
