"""The app factory, configuration, health check, demo office, login and role checks."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from caseload import create_app
from caseload.models import AppointmentRequest, Client, Team, User
from config import ConfigError, ProductionConfig


def test_factory_takes_a_dict_of_overrides(app):
    assert app.config["TESTING"] is True
    other = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SOLVER_TIME_LIMIT_S": 7})
    assert other.config["SOLVER_TIME_LIMIT_S"] == 7
    assert other is not app


def test_settings_come_from_prefixed_environment(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("CASELOAD_DATABASE_URL", url)
    monkeypatch.setenv("CASELOAD_SOLVER_TIME_LIMIT_S", "12.5")
    monkeypatch.setenv("CASELOAD_ENV", "development")
    app = create_app()
    assert app.config["DATABASE_URL"] == url
    assert app.config["SOLVER_TIME_LIMIT_S"] == 12.5


def test_default_database_is_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("CASELOAD_DATABASE_URL", raising=False)
    monkeypatch.setenv("CASELOAD_ENV", "development")
    app = create_app()
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert "/instance/caseload.db" in app.config["DATABASE_URL"]


def test_production_refuses_to_start_without_a_real_secret(monkeypatch):
    monkeypatch.delenv("CASELOAD_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="CASELOAD_SECRET_KEY"):
        create_app(ProductionConfig)
    monkeypatch.setenv("CASELOAD_SECRET_KEY", "short")
    with pytest.raises(ConfigError):
        create_app(ProductionConfig)
    monkeypatch.setenv("CASELOAD_SECRET_KEY", "a-long-random-production-secret-0123456789")
    monkeypatch.setenv("CASELOAD_DATABASE_URL", "sqlite://")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_seed_demo_builds_the_office_and_is_idempotent(app):
    from caseload.services.demo import seed_demo

    seed_demo("pw-demo")

    def counts():
        return tuple(app.extensions["caseload_db"].session.scalar(select(func.count(m.id)))
                     for m in (User, Team, Client, AppointmentRequest))

    first = counts()
    users, teams, clients, requests = first
    assert teams == 2 and 250 <= clients <= 350 and requests >= 60 and users >= 25
    names = set(app.extensions["caseload_db"].session.scalars(select(Team.name)))
    assert names == {"north", "south"}
    seed_demo("pw-demo")
    assert counts() == first


@pytest.mark.parametrize("username, landing, marker", [
    ("leader", "/rota/", b"Plan the week"),
    ("admin", "/admin/", b"Administration"),
    ("advisor1", "/me/", b"My week"),
])
def test_each_role_lands_on_its_own_home(demo_auth, demo_client, username, landing, marker):
    response = demo_auth.login(username)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(landing)
    page = demo_client.get(landing, follow_redirects=True)  # a leader of one team goes on to its week
    assert page.status_code == 200
    assert marker in page.data


def test_wrong_password_gets_a_clear_message_and_no_session(demo_auth, demo_client):
    response = demo_auth.login("leader", "not-the-password")
    assert response.status_code == 401
    assert b"Wrong username or password" in response.data
    assert demo_client.get("/rota/").status_code == 302  # sent to login: not signed in
    with demo_client.session_transaction() as session:
        assert "_user_id" not in session


def test_unknown_user_gets_the_same_message(demo_auth):
    response = demo_auth.login("nobody", "whatever")
    assert response.status_code == 401
    assert b"Wrong username or password" in response.data


def test_logout_clears_the_session(demo_auth, demo_client):
    demo_auth.login("leader")
    assert demo_client.get("/rota/", follow_redirects=True).status_code == 200
    assert demo_auth.logout().status_code == 302
    assert "/login" in demo_client.get("/rota/").headers["Location"]


def test_an_advisor_is_denied_admin_and_rota_pages(demo_auth, demo_client):
    demo_auth.login("advisor1")
    assert demo_client.get("/admin/").status_code == 403
    assert demo_client.get("/rota/").status_code == 403


def test_strangers_are_sent_to_login(demo_client):
    for url in ("/admin/", "/rota/", "/me/"):
        response = demo_client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_a_route_without_a_role_declaration_is_denied(app):
    @app.get("/undeclared")
    def undeclared():
        return "should never be served"

    response = app.test_client().get("/undeclared")
    assert response.status_code == 403


def test_forms_without_a_csrf_token_are_rejected(tmp_path):
    import os

    from caseload.extensions import db
    from caseload.models import Role
    from caseload.services.people.users import create_user
    from tests.conftest import _make_app, _reset_schema

    url = os.environ.get("CASELOAD_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'csrf.db'}"
    app = _make_app(url, WTF_CSRF_ENABLED=True)
    _reset_schema(app)
    with app.app_context():
        create_user(username="leader", display_name="Lee", role=Role.LEADER, password="demo")
        db.session.remove()
    client = app.test_client()
    response = client.post("/login", data={"username": "leader", "password": "demo"})
    assert response.status_code == 400
    assert b"security token" in response.data
    with client.session_transaction() as session:
        assert "_user_id" not in session
    # With the token from the form, the same login works.
    page = client.get("/login").data.decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post("/login", data={"username": "leader", "password": "demo", "csrf_token": token})
    assert ok.status_code == 302
    with app.app_context():
        db.engine.dispose()


def test_the_demo_contact_history_falls_on_working_days(demo_app):
    """The demo's past contacts are on weekdays in the office's time (some fell on Saturdays and Sundays)."""
    from caseload.extensions import db
    from caseload.localtime import to_local
    from caseload.models import Contact

    contacts = db.session.scalars(select(Contact)).all()
    assert contacts
    days = {to_local(c.occurred_at, c.client.team.timezone).weekday() for c in contacts}
    assert days <= {0, 1, 2, 3, 4}, sorted(days)
