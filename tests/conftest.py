"""Shared fixtures: a fresh app and database per test, the demo office, signing in.

Set CASELOAD_TEST_DATABASE_URL (see tests/postgres.py, used when CASELOAD_TEST_POSTGRES=1)
to run every database test against PostgreSQL instead of SQLite.
"""
from __future__ import annotations

import os
import shutil
from contextlib import nullcontext

import pytest

from caseload import create_app
from caseload.extensions import db as _db
from config import TestConfig
from tests import clock

# The planner raises instead of falling back to its start plan when the search breaks a rule
# (scheduler.solver.STRICT_ENV); set here so solver child processes inherit it.
os.environ.setdefault("SCHEDULER_STRICT", "1")
POSTGRES = os.environ.get("CASELOAD_TEST_POSTGRES") == "1"
DEMO_TEMPLATE_DB = "caseload_demo_template"

if POSTGRES:
    from tests.postgres import ensure_postgres_url

    os.environ["CASELOAD_TEST_DATABASE_URL"] = ensure_postgres_url()
    TestConfig.DATABASE_URL = os.environ["CASELOAD_TEST_DATABASE_URL"]


def _make_app(database_url: str | None = None, **overrides):
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    if database_url:
        config["DATABASE_URL"] = database_url
    config.update(overrides)
    return create_app(config)


def _reset_schema(app):
    with app.app_context():
        _db.drop_all()
        _db.create_all()


@pytest.fixture
def app():
    """An app on an empty database (in-memory SQLite, or the test Postgres database)."""
    app = _make_app()
    _reset_schema(app)
    ctx = app.app_context()
    ctx.push()
    yield app
    _db.session.remove()
    ctx.pop()
    _db.engine.dispose()


@pytest.fixture(autouse=True)
def pinned_clock(request):
    """Every test runs at the pinned moment (tests/clock.py) unless marked `real_clock`."""
    with nullcontext() if _real_clock(request) else clock.pinned():
        yield


def _real_clock(request) -> bool:
    return request.node.get_closest_marker("real_clock") is not None


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory):
    """The demo office loaded once per test session and clock (a SQLite file, or a Postgres template
    database): built at the pinned moment for the pinned tests, at the real time for `real_clock` ones."""
    urls: dict[bool, str] = {}

    def template(real: bool) -> str:
        if real not in urls:
            urls[real] = _seed_template(tmp_path_factory, real)
        return urls[real]

    return template


def _seed_template(tmp_path_factory, real: bool) -> str:
    name = DEMO_TEMPLATE_DB + ("_real" if real else "")
    if POSTGRES:
        from tests.postgres import create_database

        url = create_database(name)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / (name + '.db')}"
    app = _make_app(url)
    _reset_schema(app)
    with app.app_context(), nullcontext() if real else clock.pinned():
        from caseload.services.demo import seed_demo

        seed_demo("demo")
        _db.session.remove()
        _db.engine.dispose()
    return url


@pytest.fixture
def demo_template(demo_templates, request):
    """The demo office's template for this test's clock."""
    return demo_templates(_real_clock(request))


@pytest.fixture
def demo_app(demo_template, request, tmp_path):
    """An app on its own copy of the demo office (password `demo` for every account)."""
    if POSTGRES:
        from tests.postgres import create_database

        template = DEMO_TEMPLATE_DB + ("_real" if _real_clock(request) else "")
        app = _make_app(create_database("caseload_demo", template=template))
    else:
        copy = tmp_path / "demo.db"
        shutil.copy(demo_template.removeprefix("sqlite:///"), copy)
        app = _make_app(f"sqlite:///{copy}")
    ctx = app.app_context()
    ctx.push()
    yield app
    _db.session.remove()
    ctx.pop()
    _db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def db(app):
    return _db


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = "demo"):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def demo_auth(demo_client):
    return Auth(demo_client)


@pytest.fixture
def make_user(app):
    """Create a user: make_user("administrator", "ann", password="secret")."""
    from caseload.models import Role
    from caseload.services.people.users import create_user

    def make(role: str, username: str, password: str = "demo", display_name: str | None = None):
        return create_user(username=username, display_name=display_name or username.title(), role=Role(role),
                           password=password)

    return make
