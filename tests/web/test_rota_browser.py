"""In a real browser (headless Chromium): the week page's planning panel polls the job and updates live,
and its cancel button stops a run. The app runs on a live server with a real queue and a worker thread."""
from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Plan, SolveJob, Team

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live(demo_app, monkeypatch):
    """A live server and a queue worker on the demo office; yields (base url, app)."""
    from caseload import create_app
    from caseload.jobs import huey
    from config import TestConfig

    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    app = create_app(dict(config, DATABASE_URL=demo_app.config["DATABASE_URL"], QUEUE_IMMEDIATE=False))
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    stop = threading.Event()

    def work():
        while not stop.is_set():
            task = huey.dequeue()
            if task is None:
                time.sleep(0.1)
            else:
                huey.execute(task)

    threads = [threading.Thread(target=server.serve_forever, daemon=True), threading.Thread(target=work, daemon=True)]
    for thread in threads:
        thread.start()
    yield f"http://127.0.0.1:{port}", app
    stop.set()
    server.shutdown()
    threads[1].join(10)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser.new_page()
        browser.close()


def _slow_solver(seconds: float):
    """A stand-in solver that reports progress for `seconds` (stopping early when asked), then returns."""
    def solve(problem, time_limit, workers, progress):
        began = time.monotonic()
        while time.monotonic() - began < seconds:
            if progress({"elapsed": round(time.monotonic() - began, 1), "score": 4242, "bound": 5000}):
                break
            time.sleep(0.2)
        return {"format": "caseload-solution/1", "status": "feasible", "assignments": [], "allocations": [],
                "unassigned": [{"appointment": a["id"], "reason": "stand-in"} for a in problem["appointments"]],
                "protected": [], "score": 0, "bound": 5000, "solve_seconds": seconds,
                "figures": {"fill": 0.0, "continuity": None, "separation": None, "protected": 0.0, "gap": 1.0}}
    return solve


def _sign_in_and_open_week(page, base, app):
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "north"))
        url = f"{base}/rota/t/{team.id}/{this_week_start(team.timezone)}/"
    page.goto(f"{base}/login")
    page.fill("#username", "leader")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.goto(url)


def _start_planning(live, page, monkeypatch, seconds: float):
    """Sign in as the leader, open this week and start a run whose solver takes `seconds`; wait until it runs."""
    from caseload.services.planning import runs as planning

    base, app = live
    monkeypatch.setattr(planning, "solver", lambda: _slow_solver(seconds))
    _sign_in_and_open_week(page, base, app)
    page.click("form.plan-form button")
    page.wait_for_selector(".job-panel[data-status=running]", timeout=10000)
    return app


def test_progress_panel_updates_live_until_the_plan_is_ready(live, page, monkeypatch):
    from playwright.sync_api import expect

    # 6 s: progress is written every job_watch.HEARTBEAT_S (2 s); a 2.5 s stand-in ended before the page saw any
    # on a loaded CI machine (the panel went from '—' to the result's 0).
    _start_planning(live, page, monkeypatch, 6)
    expect(page.locator(".job-score")).to_have_text("4242", timeout=10000)  # progress shown while solving
    page.wait_for_selector(".job-result:not(.hidden)", timeout=20000)  # no reload: rota.js polled
    assert page.text_content(".job-status") == "succeeded"
    assert page.is_hidden(".job-cancel")
    assert page.eval_on_selector(".job-bar", "bar => bar.value === bar.max")  # ended early, shown complete
    page.click(".job-result")
    assert "Plan " in page.text_content("h1") and "stand-in" in page.content()


def test_cancel_button_stops_the_run_and_saves_nothing(live, page, monkeypatch):
    app = _start_planning(live, page, monkeypatch, 30)
    began = time.monotonic()
    page.click(".job-cancel button")  # asks first, in the page (no browser dialog): the run goes on meanwhile
    assert "Cancel this planning run?" in page.text_content("#cancel-run-q")
    page.click(".job-cancel button[name=confirm]")
    page.wait_for_selector(".job-panel[data-status=cancelled]", timeout=15000)
    assert time.monotonic() - began < 10
    assert page.eval_on_selector(".job-bar", "bar => bar.value === bar.max")  # a cancelled run has ended
    with app.app_context():
        job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
        assert job.status == "cancelled" and job.plan_id is None
        assert not db.session.scalars(select(Plan)).all()
