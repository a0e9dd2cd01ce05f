"""Limits that hold in total, not per process (issue 12, kind 8): sign-in and password tries count in the app
database (or Redis) shared by every web process; a password change ends the API token."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from caseload import ratelimit
from caseload.database import make_engine
from caseload.extensions import db, limiter
from caseload.models import AuditEvent
from tests.conftest import POSTGRES, Auth, _make_app, _reset_schema
from tests.web import access_matrix as m

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def limited(demo_app):
    """The demo app with rate limiting switched on, counting in its database."""
    demo_app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(demo_app)  # the limiter reads the switch and the storage at init
    limiter.reset()
    yield demo_app
    limiter.reset()


def test_the_store_is_the_database_unless_redis_or_a_url_is_given():
    assert ratelimit.storage_uri({"QUEUE_URL": "sqlite:///q.db"}) == ratelimit.DATABASE_URI
    assert ratelimit.storage_uri({"QUEUE_URL": "redis://cache:6379/0"}) == "redis://cache:6379/0"
    assert ratelimit.storage_uri({"QUEUE_URL": "redis://cache:6379/0",
                                  "RATELIMIT_STORAGE_URL": "memory://"}) == "memory://"


def test_two_engines_on_one_database_share_the_count(limited, tmp_path):
    # Two engines stand for two processes: each hit is one atomic upsert, so the counts add up.
    first = ratelimit.DatabaseStorage(ratelimit.DATABASE_URI, engine=db.engine)
    second = ratelimit.DatabaseStorage(ratelimit.DATABASE_URI, engine=make_engine(limited.config["DATABASE_URL"]))
    try:
        assert [first.incr("k", 60), second.incr("k", 60), first.incr("k", 60)] == [1, 2, 3]
        assert second.get("k") == 3 and time.time() < first.get_expiry("k") <= time.time() + 60
        assert first.incr("short", 0.2) == 1
        time.sleep(0.3)
        assert second.get("short") == 0 and second.incr("short", 60) == 1  # a new window starts from zero
        second.clear("k")
        assert first.get("k") == 0 and first.check()
    finally:
        second.engine.dispose()


def test_password_guesses_are_limited_per_account(limited):
    here = limited.test_client()
    Auth(here).login("leader")
    statuses = [here.post("/account/password", data={"current": f"guess-{i}", "new": "a-new-password"}).status_code
                for i in range(5)]
    assert statuses == [400] * 5
    blocked = here.post("/account/password", data={"current": "demo", "new": "a-new-password"})
    assert blocked.status_code == 429  # even the right password waits now
    # The count is the account's: another user's session is not held up by it.
    other = limited.test_client()
    Auth(other).login("admin")
    assert other.post("/account/password", data={"current": "nope", "new": "a-new-password"}).status_code == 400


def test_a_password_change_ends_the_api_token_and_says_so(demo_app, demo_client, demo_auth):
    token = m.issue_token("leader")
    assert demo_client.get("/api/v1/me", headers=token).status_code == 200
    demo_auth.login("leader")
    page = demo_client.get("/account/password").get_data(as_text=True)
    assert "ends your API token" in page and "you hold one now" in page
    response = demo_client.post("/account/password", data={"current": "demo", "new": "a-new-password"},
                                follow_redirects=True)
    assert "your API token has ended" in response.get_data(as_text=True)
    assert demo_client.get("/api/v1/me", headers=token).status_code == 401
    db.session.expire_all()
    assert m.user("leader").api_token_hash is None
    revoked = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token_revoked")).all()
    assert [(e.detail or {}).get("reason") for e in revoked] == ["password changed"]


# --- real processes ------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post_login(port: int) -> int:
    data = urllib.parse.urlencode({"username": "leader", "password": "wrong-password"}).encode()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", data=data, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def _wait_ready(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, f"server on {port} exited: {server.stderr.read().decode()[-2000:]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"server on {port} did not start")


@pytest.mark.real_clock  # it starts a process that reads the real clock (tests/clock.py)
def test_the_login_limit_holds_across_gunicorn_processes(tmp_path):
    """Two gunicorn servers of two workers each (four processes) on one database allow 10 tries in total."""
    url = os.environ["CASELOAD_TEST_DATABASE_URL"] if POSTGRES else f"sqlite:///{tmp_path / 'shared.db'}"
    app = _make_app(url)
    _reset_schema(app)
    with app.app_context():
        from caseload.models import Role
        from caseload.services.people.users import create_user

        create_user("leader", "Lee Leader", Role.LEADER, "demo-password")
        db.session.remove()
        db.engine.dispose()
    env = {**os.environ, "CASELOAD_ENV": "development", "CASELOAD_DATABASE_URL": url,
           "CASELOAD_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}", "CASELOAD_WTF_CSRF_ENABLED": "false",
           "CASELOAD_LOGIN_RATE_LIMIT": "10 per minute"}
    env.pop("CASELOAD_RATELIMIT_STORAGE_URL", None)
    ports = [_free_port(), _free_port()]
    servers = [subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                                 "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
               for port in ports]
    try:
        for port, server in zip(ports, servers):
            _wait_ready(port, server)
        # Alternate the servers; each server's connections are shared out among its workers.
        statuses = [_post_login(ports[i % 2]) for i in range(16)]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    assert statuses.count(401) == 10 and statuses[10:] == [429] * 6, statuses
