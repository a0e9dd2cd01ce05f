"""End-to-end tests in headless Chromium (Debian's `chromium`, driven by Playwright for Python).

The app runs in a thread on a free localhost port, on its own copy of the demo office in a SQLite
file, with CSRF on as in production. The browser is Debian's package (.ci/debian-packages installs
it); Playwright's own browser downloads are never used.
"""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
OUTPUT.mkdir(exist_ok=True)  # screenshots land here; a fresh clone has no such folder (it is git-ignored)


class LiveURL(str):
    """The live server's base URL; `.app` is the Flask app behind it (for a test to look data up)."""

    app = None


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The app on http://127.0.0.1:<port>, for the tests of one module (the app owns the global db meanwhile)."""
    from werkzeug.serving import make_server

    from caseload.extensions import db
    from caseload.services.demo import seed_demo
    from tests import clock
    from tests.conftest import _make_app, _reset_schema

    path = tmp_path_factory.mktemp("browser") / "demo.db"
    app = _make_app(f"sqlite:///{path}", WTF_CSRF_ENABLED=True, SOLVER_TIME_LIMIT_S=3.0)
    _reset_schema(app)
    with app.app_context(), clock.pinned():  # the tests then run at the pinned moment too (tests/clock.py)
        seed_demo("demo")
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    url = LiveURL(f"http://127.0.0.1:{server.server_port}")
    url.app = app
    yield url
    server.shutdown()
    thread.join(10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    if not shutil.which("chromium") and not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `bash .ci/debian-packages` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies). Script errors, CSP refusals and broken page resources fail the test;
    a page itself may answer 4xx (a wrong password is a 401), and the browser's own favicon probe is ignored."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    tab = context.new_page()
    errors: list[str] = []

    def console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def response(reply):
        if reply.status >= 400 and reply.request.resource_type != "document" and not reply.url.endswith("/favicon.ico"):
            errors.append(f"{reply.status} {reply.url}")

    tab.on("console", console)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("response", response)
    yield tab
    context.close()
    assert not errors, f"errors in the browser: {errors}"


def sign_in(page, username: str, password: str = "demo"):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
