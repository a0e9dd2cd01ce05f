"""`flask week plan` holds the week while it solves (services/planning/cli_run.py): its run is the week's planning
job, so a leader's "Plan", the API and a region start are refused meanwhile, the page shows the run as the command
line's, and the run ends succeeded, failed (Ctrl-C, an error) or cancelled; a dead command line never holds the
week longer than the reaper's job_watch.DEAD_AFTER_S.

Real solves and real processes: the command line in a thread or a child process, a real SIGINT."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from caseload.extensions import db
from caseload.models import AuditEvent, Plan, SolveJob, utcnow
from caseload.services.planning import cli_run, job_watch
from caseload.services.planning.boundary import previous_plan
from caseload.services.demo import seed_demo
from caseload.services.planning.week_to_plan import week_to_plan
from caseload.services.region import runs as region
from tests.conftest import _make_app, _reset_schema
from tests.web import access_matrix as m

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture
def overbooked(tmp_path):
    """An app on an office whose two teams have more requests (400 each) than their advisors' hours hold: the
    planner cannot prove its best plan in seconds (measured: 330 of 400 placed, 0.1 % from the bound after a
    20 s limit), so a 60 s solve lasts while the test acts on it (the demo office's week is proved optimal in
    about 5 s). Built on the test's clock (pinned, or the real one for `real_clock`)."""
    app = _make_app(f"sqlite:///{tmp_path / 'overbooked.db'}")
    _reset_schema(app)
    ctx = app.app_context()
    ctx.push()
    seed_demo("demo", teams=2, clients_per_team=400, requests_per_team=400)
    yield app
    db.session.remove()
    ctx.pop()
    db.engine.dispose()


def _jobs(team, week) -> list[tuple]:
    """(id, status, worker, heartbeat_at, started_at, message) of the week's jobs, read on a fresh connection
    (as another process would see them)."""
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(SolveJob.id, SolveJob.status, SolveJob.worker, SolveJob.heartbeat_at, SolveJob.started_at,
                   SolveJob.message).where(SolveJob.team_id == team.id, SolveJob.week_start == week)
            .order_by(SolveJob.id))]


def _wait_for_beating_run(team, week, seconds: float = 60, alive=lambda: True) -> tuple:
    """The command line's run once its JobWatch has beaten once (heartbeat after the start): by then the command
    is inside its solve, not between taking the week and starting to watch it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and alive():
        rows = [r for r in _jobs(team, week) if r[1] == "running" and (r[2] or "").startswith("cli:")]
        if rows and rows[-1][3] > rows[-1][4]:
            return rows[-1]
        time.sleep(0.2)
    raise AssertionError(f"no beating command-line run for {team.name}'s week: {_jobs(team, week)}")


def _plans(team) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count(Plan.id)).where(Plan.team_id == team.id)).scalar()


def test_a_solving_command_line_run_refuses_the_page_the_api_and_the_region(overbooked):
    """The command line solves north's week (a real solve, limit 60 s) in a thread: the leader's Plan says the
    week is already being planned and starts nothing, the API answers 409, a region start skips north; the
    week page shows the run as the command line's. The leader cancels it from the page: the command line stops,
    saves nothing, and says so."""
    north = m.team("north")
    week = week_to_plan(north)
    plans_before = _plans(north)
    outcome = {}

    def command_line():
        outcome["result"] = overbooked.test_cli_runner().invoke(
            args=["week", "plan", "--team", "north", "--week", week.isoformat(), "--time-limit", "60"])

    thread = threading.Thread(target=command_line)
    thread.start()
    try:
        run_id = _wait_for_beating_run(north, week, alive=thread.is_alive)[0]

        leader = overbooked.test_client()
        leader.post("/login", data={"username": "leader", "password": "demo"})
        refused = leader.post(f"/rota/t/{north.id}/{week}/plan", data={"time_limit": 5}, follow_redirects=True)
        assert refused.status_code == 200 and b"already being planned" in refused.data
        page = leader.get(f"/rota/t/{north.id}/{week}/").get_data(as_text=True)
        assert f"Planning run {run_id}" in page and "Planning from the command line" in page

        api = overbooked.test_client().post(f"/api/v1/teams/{north.id}/weeks/{week}/plans",
                                            json={"time_limit": 5}, headers=m.issue_token("leader"))
        assert api.status_code == 409 and "already being planned" in api.get_json()["message"]

        started = region.start_region(week, None, time_limit=1)
        assert [t.name for t in started.busy] == ["north"] and [j.team.name for j in started.started] == ["south"]
        assert [r[0] for r in _jobs(north, week) if r[1] in ("queued", "running")] == [run_id]  # nothing else

        cancelled = leader.post(f"/rota/jobs/{run_id}/cancel", headers={"Accept": "application/json"})
        assert cancelled.get_json()["status"] == "cancelled"
    finally:
        thread.join(90)
    result = outcome["result"]
    assert result.exit_code == 1 and f"planning run {run_id} cancelled" in result.output, result.output
    assert "nothing saved" in result.output
    assert [r[1] for r in _jobs(north, week)] == ["cancelled"]
    assert _plans(north) == plans_before  # north's solve was discarded


def test_the_command_line_run_is_recorded_and_ends_succeeded_with_its_draft(demo_app):
    """A short real solve: the week's job is the command line's (its worker token, no user; the audit says the
    command line started it), ends succeeded naming the draft it saved, and the week can be planned again."""
    north = m.team("north")
    week = week_to_plan(north)
    result = demo_app.test_cli_runner().invoke(args=["week", "plan", "--team", "north", "--week", week.isoformat(),
                                                     "--time-limit", "1"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    job = db.session.scalar(select(SolveJob).where(SolveJob.team_id == north.id, SolveJob.week_start == week))
    draft = db.session.scalars(select(Plan).order_by(Plan.id.desc())).first()
    assert job.status == "succeeded" and job.plan_id == draft.id and draft.status == "draft"
    assert f"Draft plan {draft.id}" in result.output and f"planning run {job.id}" in result.output
    assert job.worker.startswith("cli:") and job.created_by_id is None and job.finished_at is not None
    assert "Planned from the command line." in job.message and "placed" in job.message
    started = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan_job_started",
                                                         AuditEvent.object_id == job.id))
    assert started.detail["source"] == cli_run.SOURCE and started.user_id is None

    again = demo_app.test_client().post(f"/api/v1/teams/{north.id}/weeks/{week}/plans", json={"time_limit": 1},
                                        headers=m.issue_token("leader"))
    assert again.status_code == 202, again.get_json()


@pytest.mark.real_clock  # the command line runs in its own process, on the real clock (tests/clock.py)
def test_ctrl_c_fails_the_command_line_run_and_frees_the_week(overbooked):
    """A real SIGINT (Ctrl-C) to `flask week plan` in the middle of a 60 s solve: the command stops, its run is
    failed at once saying so (not left running for the reaper), nothing is saved, and the leader can plan."""
    north = m.team("north")
    week = week_to_plan(north)
    plans_before = _plans(north)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASELOAD_")}
    env.update(CASELOAD_DATABASE_URL=overbooked.config["DATABASE_URL"], CASELOAD_SOLVER_WORKERS="1",
               PYTHONPATH=str(ROOT))
    command = subprocess.Popen([sys.executable, "-m", "flask", "--app", "caseload", "week", "plan", "--team", "north",
                                "--week", week.isoformat(), "--time-limit", "60"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        run_id = _wait_for_beating_run(north, week, alive=lambda: command.poll() is None)[0]
        command.send_signal(signal.SIGINT)
        output, _ = command.communicate(timeout=60)
    finally:
        if command.poll() is None:
            command.kill()
    assert command.returncode == 1 and "Aborted!" in output, output
    [(job_id, status, _, _, _, message)] = _jobs(north, week)
    assert (job_id, status, message) == (run_id, "failed", cli_run.INTERRUPTED)
    assert _plans(north) == plans_before
    again = overbooked.test_client().post(f"/api/v1/teams/{north.id}/weeks/{week}/plans", json={"time_limit": 1},
                                        headers=m.issue_token("leader"))
    assert again.status_code == 202, again.get_json()


def test_an_error_during_the_run_fails_it_with_the_reason(demo_app):
    """The run's row as the command line holds it, with its real heartbeat: an error while it runs ends it
    failed with the error's public reason (a database error's SQL never shown), guarded by the run's token."""
    north = m.team("north")
    week = week_to_plan(north)
    job, token = cli_run.hold_week(north, week, 30, previous_plan(north, week))
    with job_watch.JobWatch(db.engine, job.id, token, 30) as watch:
        cli_run.fail_run(watch, OSError("No space left on device"))
    db.session.refresh(job)
    assert job.status == "failed" and job.finished_at is not None
    assert job.message == "Planning failed: No space left on device. The published plan is untouched."


def test_a_dead_command_line_run_does_not_hold_the_week(demo_app):
    """A command line killed outright (SIGKILL, a closed terminal) leaves its run running with no heartbeat: after
    job_watch.DEAD_AFTER_S of silence the leader's start reaps it (failed, 'stopped answering') and plans."""
    north = m.team("north")
    week = week_to_plan(north)
    job, _ = cli_run.hold_week(north, week, 30, previous_plan(north, week))
    silent_since = utcnow() - timedelta(seconds=job_watch.DEAD_AFTER_S + 5)
    db.session.execute(update(SolveJob).where(SolveJob.id == job.id).values(started_at=silent_since,
                                                                             heartbeat_at=silent_since))
    db.session.commit()
    started = demo_app.test_client().post(f"/api/v1/teams/{north.id}/weeks/{week}/plans", json={"time_limit": 1},
                                          headers=m.issue_token("leader"))
    assert started.status_code == 202, started.get_json()
    db.session.expire_all()
    dead = db.session.get(SolveJob, job.id)
    assert dead.status == "failed" and "stopped answering" in dead.message


def test_a_live_command_line_run_is_not_reaped(demo_app):
    """The same row beating (its JobWatch, as while the command line solves) past DEAD_AFTER_S still holds the
    week: the staleness rule is the heartbeat's age, not the run's."""
    north = m.team("north")
    week = week_to_plan(north)
    job, token = cli_run.hold_week(north, week, 60, previous_plan(north, week))
    long_ago = utcnow() - timedelta(seconds=job_watch.DEAD_AFTER_S + 5)
    db.session.execute(update(SolveJob).where(SolveJob.id == job.id).values(started_at=long_ago,
                                                                             heartbeat_at=long_ago))
    db.session.commit()
    with job_watch.JobWatch(db.engine, job.id, token, 60):
        time.sleep(job_watch.HEARTBEAT_S + 1)  # one beat
        refused = demo_app.test_client().post(f"/api/v1/teams/{north.id}/weeks/{week}/plans",
                                              json={"time_limit": 1}, headers=m.issue_token("leader"))
        assert refused.status_code == 409
        db.session.expire_all()
        assert db.session.get(SolveJob, job.id).status == "running"
