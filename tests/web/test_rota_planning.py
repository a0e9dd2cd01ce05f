"""Background planning jobs: progress, cancel, failure; the published plan is never touched by a failed run."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Plan, SolveJob, Team, utcnow
from caseload.services.planning import runs as planning


def _empty_solution(problem, reason="fake"):
    return {"format": "caseload-solution/1", "status": "feasible", "assignments": [],
            "unassigned": [{"appointment": a["id"], "reason": reason} for a in problem["appointments"]],
            "allocations": [], "protected": [], "score": 0, "bound": 10, "solve_seconds": 0.0,
            "figures": {"fill": 0.0, "continuity": None, "separation": None, "protected": 0.0, "gap": 1.0}}


def _use_solver(monkeypatch, fake):
    monkeypatch.setattr(planning, "solver", lambda: fake)


def _request_cancel(job_id):
    # The leader's click arrives through another connection, as from the web process.
    with db.engine.begin() as connection:
        connection.execute(update(SolveJob).where(SolveJob.id == job_id).values(cancel_requested=True))


def test_planning_runs_in_the_background_and_reports_progress(leader, north, monkeypatch):
    team, week = north
    seen = {}

    def fake(problem, time_limit, workers, progress):
        seen.update(time_limit=time_limit, workers=workers)
        progress({"elapsed": 0.5, "score": 5, "bound": 10, "figures": {"continuity": 0.75}})
        return _empty_solution(problem)

    _use_solver(monkeypatch, fake)
    response = leader.post(f"/rota/t/{team.id}/{week}/plan", data={"time_limit": 7})
    assert response.status_code == 302
    job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    assert seen == {"time_limit": 7.0, "workers": 1}
    status = leader.get(f"/rota/jobs/{job.id}").get_json()
    assert status["status"] == "succeeded" and status["plan_url"].endswith(f"/plans/{status['plan_id']}")
    assert status["progress"]["score"] == 0 and status["progress"]["bound"] == 10
    assert db.session.get(Plan, status["plan_id"]).status == "draft"
    page = leader.get(f"/rota/t/{team.id}/{week}/").data.decode()
    assert f'data-url="/rota/jobs/{job.id}"' in page and "Review the plan" in page


def test_progress_and_heartbeat_are_written_while_solving(demo_app, north):
    from caseload.services.planning import job_watch

    team, _ = north
    job = SolveJob(team_id=team.id, week_start=north[1], status="queued", time_limit=10)
    db.session.add(job)
    db.session.commit()
    token = job_watch.claim(db.session, job.id)
    assert token and job_watch.claim(db.session, job.id) is None  # a second consumer gets nothing
    watch = job_watch.JobWatch(db.engine, job.id, token, 10)
    assert watch({"elapsed": 2.0, "score": 123, "bound": 200, "continuity": 0.5}) is False
    before = utcnow()
    watch.beat()
    db.session.expire_all()
    saved = db.session.get(SolveJob, job.id)
    assert {k: saved.progress[k] for k in ("score", "bound", "continuity")} == {"score": 123, "bound": 200,
                                                                                "continuity": 0.5}
    assert saved.progress["elapsed"] >= 2.0 and saved.heartbeat_at >= before and saved.worker == token


def _wait_for_stop(progress, seconds=10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if progress({"elapsed": 1.0, "score": 1, "bound": 2}):
            return True
        time.sleep(0.1)
    return False


def test_cancel_stops_the_solve_and_saves_nothing(leader, north, monkeypatch):
    team, week = north

    def fake(problem, time_limit, workers, progress):
        job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
        _request_cancel(job.id)
        # scheduler.solve stops its search when progress returns True: the next heartbeat sees the cancel.
        assert _wait_for_stop(progress)
        return _empty_solution(problem)  # the best plan so far, which must be discarded

    _use_solver(monkeypatch, fake)
    leader.post(f"/rota/t/{team.id}/{week}/plan", data={})
    job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    db.session.refresh(job)
    assert job.status == "cancelled" and job.plan_id is None
    assert not db.session.scalars(select(Plan)).all()


def test_cancel_after_the_solver_finishes_discards_the_result(leader, north, monkeypatch):
    team, week = north

    def fake(problem, time_limit, workers, progress):
        _request_cancel(db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first().id)
        return _empty_solution(problem)  # a solver that never calls back

    _use_solver(monkeypatch, fake)
    leader.post(f"/rota/t/{team.id}/{week}/plan", data={})
    job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    db.session.refresh(job)
    assert job.status == "cancelled" and not db.session.scalars(select(Plan)).all()


def test_cancel_button_on_a_queued_job(leader, north):
    team, week = north
    job = SolveJob(team_id=team.id, week_start=week, status="queued", time_limit=10)
    db.session.add(job)
    db.session.commit()
    # Asks first, in the page (it was a script-only dialog): the first press cancels nothing.
    asked = leader.post(f"/rota/jobs/{job.id}/cancel")
    assert asked.status_code == 200 and "Cancel this planning run?" in asked.get_data(as_text=True)
    db.session.refresh(job)
    assert job.status == "queued" and not job.cancel_requested
    assert leader.post(f"/rota/jobs/{job.id}/cancel", data={"confirm": "yes"}).status_code == 302
    db.session.refresh(job)
    assert job.status == "cancelled" and job.cancel_requested
    planning.run_job(job.id)  # the worker picks it up later and skips it
    db.session.refresh(job)
    assert job.status == "cancelled"


@pytest.mark.parametrize("outcome, message", [
    ("crash", "Planning failed: solver exploded"),
    ("unknown", "No plan was found within the time limit"),
])
def test_failed_runs_say_why_and_leave_the_published_plan_alone(leader, north, monkeypatch, outcome, message):
    team, week = north
    published = Plan(team_id=team.id, week_start=week, status="published", published_version=1, solution={})
    db.session.add(published)
    db.session.commit()

    def fake(problem, time_limit, workers, progress):
        if outcome == "crash":
            raise RuntimeError("solver exploded")
        return dict(_empty_solution(problem), status="unknown")

    _use_solver(monkeypatch, fake)
    leader.post(f"/rota/t/{team.id}/{week}/plan", data={})
    job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    db.session.refresh(job)
    assert job.status == "failed" and message in job.message
    assert [(p.id, p.status) for p in db.session.scalars(select(Plan))] == [(published.id, "published")]
    assert job.previous_plan_id == published.id  # re-planning starts from the published plan


def test_a_week_being_planned_cannot_be_planned_twice(leader, north, monkeypatch):
    team, week = north
    db.session.add(SolveJob(team_id=team.id, week_start=week, status="running", time_limit=60, started_at=utcnow()))
    db.session.commit()
    _use_solver(monkeypatch, lambda *a, **k: pytest.fail("must not solve"))
    response = leader.post(f"/rota/t/{team.id}/{week}/plan", data={}, follow_redirects=True)
    assert b"already being planned" in response.data


def test_a_job_whose_worker_died_is_reported_failed(leader, north):
    team, week = north
    job = SolveJob(team_id=team.id, week_start=week, status="running", time_limit=600,
                   started_at=utcnow() - timedelta(minutes=1), heartbeat_at=utcnow() - timedelta(seconds=16))
    db.session.add(job)
    db.session.commit()
    data = leader.get(f"/rota/jobs/{job.id}").get_json()
    assert data["status"] == "failed" and "worker stopped" in data["message"]
    assert "no sign of life for 15 seconds" in data["message"]


def test_a_job_with_a_recent_heartbeat_is_left_running(leader, north):
    team, week = north
    job = SolveJob(team_id=team.id, week_start=week, status="running", time_limit=600,
                   started_at=utcnow() - timedelta(minutes=5), heartbeat_at=utcnow() - timedelta(seconds=5))
    db.session.add(job)
    db.session.commit()
    assert leader.get(f"/rota/jobs/{job.id}").get_json()["status"] == "running"


def test_cancel_ends_an_orphaned_run_at_once_and_the_week_can_be_planned(leader, north, monkeypatch):
    """A running job whose consumer is gone (heartbeat a few seconds old, not yet reaped): cancel marks it
    cancelled at once, and planning the week is allowed straight away."""
    team, week = north
    job = SolveJob(team_id=team.id, week_start=week, status="running", time_limit=600, worker="gone:1:x",
                   started_at=utcnow() - timedelta(seconds=30), heartbeat_at=utcnow() - timedelta(seconds=4))
    db.session.add(job)
    db.session.commit()
    assert leader.post(f"/rota/jobs/{job.id}/cancel", data={"confirm": "yes"}).status_code == 302
    db.session.refresh(job)
    assert job.status == "cancelled" and job.finished_at is not None
    _use_solver(monkeypatch, lambda problem, **_: _empty_solution(problem))
    leader.post(f"/rota/t/{team.id}/{week}/plan", data={})
    latest = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    db.session.refresh(latest)
    assert latest.id != job.id and latest.status == "succeeded"


def test_jobs_of_another_team_are_not_found(leader, north):
    south = db.session.scalar(select(Team).where(Team.name == "south"))
    job = SolveJob(team_id=south.id, week_start=north[1], status="queued", time_limit=10)
    db.session.add(job)
    db.session.commit()
    assert leader.get(f"/rota/jobs/{job.id}").status_code == 404
    assert leader.post(f"/rota/jobs/{job.id}/cancel").status_code == 404


def test_the_web_request_only_queues_and_the_worker_solves(demo_app, monkeypatch):
    """With a real queue the request returns at once with a queued job; a worker thread runs it later."""
    import threading

    from caseload import create_app
    from caseload.jobs import huey
    from config import TestConfig

    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    app = create_app(dict(config, DATABASE_URL=demo_app.config["DATABASE_URL"], QUEUE_IMMEDIATE=False))
    calls = []

    def fake(problem, time_limit, workers, progress):
        calls.append(threading.current_thread().name)
        return _empty_solution(problem)

    _use_solver(monkeypatch, fake)
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "north"))
        week = this_week_start(team.timezone)
        web = app.test_client()
        web.post("/login", data={"username": "leader", "password": "demo"})
        assert web.post(f"/rota/t/{team.id}/{week}/plan", data={}).status_code == 302
        job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
        assert job.status == "queued" and not calls and len(huey.pending()) == 1
        db.session.remove()

    worker = threading.Thread(target=lambda: huey.execute(huey.dequeue()), name="worker")
    worker.start()
    worker.join(30)
    with app.app_context():
        data = app.test_client()
        data.post("/login", data={"username": "leader", "password": "demo"})
        status = data.get(f"/rota/jobs/{job.id}").get_json()
    assert calls == ["worker"] and status["status"] == "succeeded" and status["plan_id"]


def test_a_fallback_plan_says_why(leader, north, monkeypatch):
    """When the solver process dies the runner returns the booking-desk plan with a note; the leader sees it."""
    team, week = north
    _use_solver(monkeypatch, lambda problem, **_: dict(_empty_solution(problem), note="the solver process ended unexpectedly"))
    leader.post(f"/rota/t/{team.id}/{week}/plan", data={})
    job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    db.session.refresh(job)
    assert job.status == "succeeded" and "the solver process ended unexpectedly" in job.message


def test_a_silent_solver_still_shows_time_passing_and_cancel_is_marked_at_once(leader, north, monkeypatch):
    """scheduler.solve calls back only on a better plan: the worker ticks meanwhile."""
    team, week = north
    seen = {}

    def read(job_id, column, until, seconds=8.0):
        """Poll the job row (as the page does) until `until(value)` or time runs out."""
        deadline = time.monotonic() + seconds
        while True:
            with db.engine.connect() as connection:
                value = connection.execute(select(column).where(SolveJob.id == job_id)).scalar()
            if until(value) or time.monotonic() > deadline:
                return value
            time.sleep(0.2)

    def quiet(problem, time_limit, workers, progress):
        job_id = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first().id
        seen["progress"] = read(job_id, SolveJob.progress, lambda p: (p or {}).get("elapsed", 0) >= 1.0)
        _request_cancel(job_id)
        seen["status"] = read(job_id, SolveJob.status, lambda s: s == "cancelled")
        return _empty_solution(problem)

    _use_solver(monkeypatch, quiet)
    leader.post(f"/rota/t/{team.id}/{week}/plan", data={"time_limit": 10})
    assert seen["progress"]["elapsed"] >= 1.0 and seen["progress"]["time_left"] <= 9.0
    assert seen["status"] == "cancelled"  # shown before the solver returned
    job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    db.session.refresh(job)
    assert job.status == "cancelled" and job.plan_id is None and not db.session.scalars(select(Plan)).all()


def test_a_solver_crash_marks_the_job_failed_even_with_a_fallback_plan(leader, north, monkeypatch):
    """The runner hands back a fallback plan with `solver_error` when the solver process died."""
    team, week = north
    plans_before = db.session.scalar(select(func.count(Plan.id)))

    def crashed(problem, time_limit, workers, progress):
        return dict(_empty_solution(problem), solver_error="the solver process ended unexpectedly (exit code -9)")

    _use_solver(monkeypatch, crashed)
    leader.post(f"/rota/t/{team.id}/{week}/plan", data={})
    job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    data = leader.get(f"/rota/jobs/{job.id}").get_json()
    assert data["status"] == "failed"
    assert "exit code -9" in data["message"] and "published plan is untouched" in data["message"]
    assert db.session.scalar(select(func.count(Plan.id))) == plans_before


@pytest.mark.parametrize("status", ["queued", "running", "succeeded", "failed", "cancelled"])
def test_the_progress_bar_is_full_once_a_run_has_ended(leader, north, status):
    """A run that ends early (an optimal plan, a failure, a cancel) shows complete, not stuck at elapsed/limit;
    rota.js does the same when the polled status is no longer queued or running."""
    import re

    team, week = north
    job = SolveJob(team=team, week_start=week, status=status, time_limit=30, progress={"elapsed": 2.5})
    db.session.add(job)
    db.session.commit()
    page = leader.get(f"/rota/t/{team.id}/{week}/").data.decode()
    assert f'data-url="/rota/jobs/{job.id}"' in page
    bar = re.search(r'<progress class="job-bar" max="([^"]+)" value="([^"]+)">', page)
    assert float(bar.group(1)) == 30
    assert float(bar.group(2)) == (2.5 if status in ("queued", "running") else 30)


def test_a_database_error_in_a_run_reaches_the_leader_without_sql(leader, north, monkeypatch, caplog):
    """The run fails on a real database error (its table is gone): the leader reads a plain reason; the SQL and
    its parameters go to the worker's log only."""
    from sqlalchemy import text

    team, week = north
    _use_solver(monkeypatch, lambda *a, **k: pytest.fail("must not get as far as solving"))
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE request_windows"))
    leader.post(f"/rota/t/{team.id}/{week}/plan", data={})
    job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    data = leader.get(f"/rota/jobs/{job.id}").get_json()
    assert data["status"] == "failed" and "internal error" in data["message"], data
    assert "published plan is untouched" in data["message"]
    for leak in ("SELECT", "request_windows", "[SQL", "parameters"):
        assert leak not in data["message"]
    assert any("request_windows" in (r.exc_text or "") or "request_windows" in str(r.exc_info) for r in caplog.records)
