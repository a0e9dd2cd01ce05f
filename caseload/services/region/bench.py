"""`flask region bench`: the region planned by 1, 2, … real consumer processes on the shared queue, timed.

Per round: wall time from queueing the first job to the last job's end; jobs per minute; overhead per job =
(consumers × wall − the solvers' own seconds) / jobs, i.e. consumer time spent outside the solver (waiting
for and taking the task, claiming the job, building the problem, starting the solver process, saving the
plan); speed-up = the first round's wall / this round's.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from caseload.extensions import db
from caseload.models import SolveJob
from caseload.services.planning import runs as planning
from caseload.services.region import runs as region


class BenchError(RuntimeError):
    pass


def _consumers(count: int, log_dir: Path) -> list[subprocess.Popen]:
    env = dict(os.environ, CASELOAD_DATABASE_URL=current_app.config["DATABASE_URL"],
               CASELOAD_QUEUE_URL=current_app.config["QUEUE_URL"],
               CASELOAD_SOLVER_WORKERS=str(current_app.config["SOLVER_WORKERS"]))
    consumer = str(Path(sys.executable).parent / "huey_consumer")
    processes = []
    for n in range(count):
        with open(log_dir / f"consumer{n + 1}.log", "wb") as log:
            processes.append(subprocess.Popen([consumer, "caseload.worker.huey", "--workers", "1", "--delay", "0.1",
                                               "--max-delay", "0.5"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                              start_new_session=True))
    return processes


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def run(week: date, teams: int | None, time_limit: float, consumer_counts, echo=print) -> list[dict]:
    """Run one round per consumer count; returns [{consumers, jobs, wall_s, jobs_per_min, overhead_s,
    solve_s, failed, speedup}]. Raises BenchError when the queue is not shared or a round does not end."""
    url = current_app.config["QUEUE_URL"]
    if current_app.config.get("QUEUE_IMMEDIATE") or not url.startswith(("postgresql", "postgres://", "redis")):
        raise BenchError("the bench needs a shared queue: set CASELOAD_QUEUE_URL to postgresql://… or redis://…")
    chosen = region.teams()[:teams] if teams else region.teams()
    rounds = []
    for count in consumer_counts:
        with tempfile.TemporaryDirectory(prefix="caseload-bench-") as logs:
            processes = _consumers(count, Path(logs))
            try:
                time.sleep(3)  # let the consumers import the app and the solver before the clock starts
                began = time.monotonic()
                jobs = [planning.start_plan_job(team, week, None, time_limit=time_limit) for team in chosen]
                ids = [j.id for j in jobs]
                deadline = began + len(ids) * (time_limit + 60) / count + 120
                while True:
                    db.session.rollback()
                    db.session.expire_all()
                    rows = db.session.scalars(select(SolveJob).where(SolveJob.id.in_(ids))).all()
                    if all(r.status not in planning.ACTIVE for r in rows):
                        break
                    if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                        raise BenchError(f"round with {count} consumer(s) did not finish; logs in {logs}")
                    time.sleep(0.2)
                wall = max((r.finished_at - r.created_at).total_seconds() for r in rows)
            finally:
                _stop(processes)
        solve = sum(float((r.progress or {}).get("elapsed") or 0) for r in rows)
        result = {"consumers": count, "jobs": len(rows), "wall_s": round(wall, 1),
                  "jobs_per_min": round(len(rows) / wall * 60, 1), "solve_s": round(solve, 1),
                  "overhead_s": round((count * wall - solve) / len(rows), 2),
                  "failed": sum(r.status != "succeeded" for r in rows)}
        result["speedup"] = round(rounds[0]["wall_s"] / wall, 2) if rounds else 1.0
        rounds.append(result)
        echo(f"{count} consumer(s): {result}")
    return rounds


def table(rounds: list[dict]) -> str:
    lines = ["| consumers | jobs | wall (s) | jobs/min | solver s (sum) | overhead/job (s) | failed | speed-up |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['consumers']} | {r['jobs']} | {r['wall_s']} | {r['jobs_per_min']} | {r['solve_s']} | "
              f"{r['overhead_s']} | {r['failed']} | {r['speedup']}× |" for r in rounds]
    return "\n".join(lines)
