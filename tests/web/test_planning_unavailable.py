"""Planning when the queue or the database cannot take the write: a plain 503 with nothing left half-done.

The queue is a real Redis URL on a localhost port with nothing listening (the connection is refused), not a
stand-in; the busy database is a second sqlite3 connection holding BEGIN EXCLUSIVE on the app's file."""
from __future__ import annotations

import shutil
import socket
import sqlite3

import pytest
from sqlalchemy import select

from caseload.extensions import db
from caseload.jobs import QUEUE_DOWN
from caseload.localtime import this_week_start
from caseload.models import SolveJob, Team
from caseload.services.region.runs import RegionStart, not_queued_words
from tests.conftest import POSTGRES, _make_app
from tests.web import access_matrix as m

pytestmark = pytest.mark.skipif(POSTGRES, reason="copies the SQLite demo file")


def _dead_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed on leaving: nothing listens there


@pytest.fixture
def app_on(demo_template, tmp_path):
    """An app on a copy of the demo office with the given config overrides (QUEUE_URL, …)."""
    contexts = []

    def make(**overrides):
        copy = tmp_path / "demo.db"
        shutil.copy(demo_template.removeprefix("sqlite:///"), copy)
        app = _make_app(f"sqlite:///{copy}", **overrides)
        ctx = app.app_context()
        ctx.push()
        contexts.append(ctx)
        return app, copy

    yield make
    for ctx in contexts:
        db.session.remove()
        ctx.pop()
        db.engine.dispose()


def _unreachable_queue(app_on):
    app, _ = app_on(QUEUE_IMMEDIATE=False, QUEUE_URL=f"redis://127.0.0.1:{_dead_port()}/0")
    return app


def _jobs(team=None):
    query = select(SolveJob).order_by(SolveJob.id)
    if team is not None:
        query = query.where(SolveJob.team_id == team.id)
    return list(db.session.scalars(query))


def test_api_start_with_the_queue_unreachable_is_503_and_the_job_is_failed_so_the_week_can_start_again(app_on):
    app = _unreachable_queue(app_on)
    north = db.session.scalar(select(Team).where(Team.name == "north"))
    week = this_week_start(north.timezone).isoformat()
    client, headers = app.test_client(), m.issue_token("leader")
    url = f"/api/v1/teams/{north.id}/weeks/{week}/plans"

    first = client.post(url, json={"time_limit": 3}, headers=headers)
    assert first.status_code == 503, first.get_data(as_text=True)
    assert first.get_json() == {"error": "Planning queue unavailable", "message": QUEUE_DOWN}
    db.session.expire_all()
    [job] = _jobs(north)
    assert job.status == "failed" and job.message == QUEUE_DOWN and job.finished_at is not None

    again = client.post(url, json={"time_limit": 3}, headers=headers)  # not 409 "already being planned"
    assert again.status_code == 503
    db.session.expire_all()
    assert [j.status for j in _jobs(north)] == ["failed", "failed"]


def test_the_week_page_start_with_the_queue_unreachable_says_so_in_words(app_on):
    app = _unreachable_queue(app_on)
    north = db.session.scalar(select(Team).where(Team.name == "north"))
    week = this_week_start(north.timezone).isoformat()
    client = app.test_client()
    client.post("/login", data={"username": "leader", "password": "demo"})  # tests run without CSRF tokens
    response = client.post(f"/rota/t/{north.id}/{week}/plan", data={"time_limit": 3})
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert "could not be reached" in page and "published plan is untouched" in page
    db.session.expire_all()
    assert [j.status for j in _jobs(north)] == ["failed"]


def test_region_start_with_the_queue_unreachable_fails_every_team_and_leaves_none_queued(app_on):
    app = _unreachable_queue(app_on)
    teams = list(db.session.scalars(select(Team).order_by(Team.name)))
    assert len(teams) >= 2
    week = this_week_start(teams[0].timezone).isoformat()
    response = app.test_client().post(f"/api/v1/region/weeks/{week}/plans", json={"time_limit": 3},
                                      headers=m.issue_token("admin"))
    assert response.status_code == 503 and response.get_json()["message"] == QUEUE_DOWN
    db.session.expire_all()
    jobs = _jobs()
    assert sorted(j.team_id for j in jobs) == sorted(t.id for t in teams)  # one per team, each saying why
    assert all(j.status == "failed" and j.message == QUEUE_DOWN for j in jobs)


def test_region_cli_with_the_queue_unreachable_is_a_clear_error(app_on):
    app = _unreachable_queue(app_on)
    week = this_week_start("Europe/London").isoformat()
    result = app.test_cli_runner().invoke(args=["region", "plan", "--week", week, "--time-limit", "3"])
    assert result.exit_code != 0 and "could not be reached" in result.output
    assert "Traceback" not in result.output
    db.session.expire_all()
    assert _jobs() and all(j.status == "failed" for j in _jobs())


def test_a_locked_database_answers_503_busy_not_500_and_saves_nothing(app_on):
    app, path = app_on(SQLITE_BUSY_TIMEOUT_S=0.5)
    north = db.session.scalar(select(Team).where(Team.name == "north"))
    week = this_week_start(north.timezone).isoformat()
    client, headers = app.test_client(), m.issue_token("leader")
    db.session.remove()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        response = client.post(f"/api/v1/teams/{north.id}/weeks/{week}/plans", json={"time_limit": 3},
                               headers=headers)
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json() == {"error": "Database busy", "message": "The database is busy, try again in a "
                                                                            "moment; nothing was saved."}
        assert response.headers["Retry-After"] == "5"
        page = client.get(f"/api/v1/teams/{north.id}/weeks/{week}/plans", headers=headers)
        assert page.status_code in (200, 503)  # WAL readers may read; never a 500
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _jobs(north) == []
    after = client.post(f"/api/v1/teams/{north.id}/weeks/{week}/plans", json={"time_limit": 3}, headers=headers)
    assert after.status_code == 202  # the session was rolled back: the next request works


def test_a_locked_database_on_a_page_is_a_503_page(app_on):
    app, path = app_on(SQLITE_BUSY_TIMEOUT_S=0.5)
    north = db.session.scalar(select(Team).where(Team.name == "north"))
    week = this_week_start(north.timezone).isoformat()
    client = app.test_client()
    client.post("/login", data={"username": "leader", "password": "demo"})
    db.session.remove()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        response = client.post(f"/rota/t/{north.id}/{week}/plan", data={"time_limit": 3})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert "The database is busy, try again in a moment; nothing was saved." in page


def test_a_region_start_the_queue_refused_part_way_names_who_goes_on_and_who_was_not_queued():
    """All teams refused: the usual words. Part-way: not 'nothing was planned' (the queued teams' runs go on), but
    which teams were queued and which were not, so a retry (those teams now busy) is no surprise."""
    north, south, east = Team(name="north"), Team(name="south"), Team(name="east")
    assert not_queued_words(RegionStart(not_queued=[north, south, east])) == QUEUE_DOWN
    words = not_queued_words(RegionStart(started=[SolveJob(team=north)], not_queued=[south, east]))
    assert "nothing was planned, the published plan" not in words
    assert "queued for north go on" in words and "south, east" in words
