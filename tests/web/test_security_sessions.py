"""Sessions, cookies, security headers, login rate limiting and password rules."""
from __future__ import annotations

import pytest

from caseload.extensions import db
from caseload.form_expiry import KEEPS_ATTR
from caseload.models import Role
from config import ProductionConfig
from tests.conftest import Auth
from tests.web import access_matrix as m


def _session_cookie_header(response) -> str:
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert cookies, "no session cookie was set"
    return cookies[-1]


def _signed_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _signed_in(response) -> bool:
    """The leader's /rota/ answered (their one team's week is a redirect away), not sent to sign in."""
    return response.status_code in (200, 302) and not _signed_out(response)


# --- cookies and headers ---------------------------------------------------------------------------

def test_session_cookie_is_httponly_and_samesite_lax(demo_auth):
    header = _session_cookie_header(demo_auth.login("leader"))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # plain http in development and tests


@pytest.fixture
def production_app(tmp_path, monkeypatch):
    monkeypatch.setenv("CASELOAD_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("CASELOAD_QUEUE_URL", "memory://")
    monkeypatch.setenv("CASELOAD_SECRET_KEY", "a-long-random-production-secret-0123456789")
    monkeypatch.setenv("CASELOAD_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("CASELOAD_WTF_CSRF_ENABLED", "false")  # checked on its own below
    from caseload import create_app
    from caseload.services.people.users import create_user

    app = create_app(ProductionConfig)
    with app.app_context():
        db.create_all()
        create_user("boss", "Boss", Role.ADMIN, "a-good-long-password")
        yield app
        db.session.remove()
        db.engine.dispose()


def test_production_cookies_are_secure_and_pages_send_hsts(production_app):
    client = production_app.test_client()
    response = client.post("/login", data={"username": "boss", "password": "a-good-long-password"},
                           base_url="https://localhost")
    assert response.status_code == 302
    header = _session_cookie_header(response)
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    page = client.get("/admin/", base_url="https://localhost")
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("url, username", [
    ("/login", None), ("/rota/", "leader"), ("/me/", "advisor1"), ("/admin/", "admin"), ("/no-such-page", "admin"),
])
def test_pages_carry_security_headers(demo_client, demo_auth, url, username):
    if username:
        demo_auth.login(username)
    response = demo_client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp  # no inline scripts or styles anywhere
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"  # case data is not kept in shared caches
    assert "Strict-Transport-Security" not in response.headers  # only with Secure cookies (production)


def test_api_responses_carry_security_headers(demo_client):
    response = demo_client.get("/api/v1/me", headers=m.issue_token("leader"))
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_templates_have_no_inline_scripts_or_styles():
    """The CSP would block them in the browser; catch them here with a clear message instead."""
    import re

    from caseload import ROOT

    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\sstyle=\"", r"<style\b", r"\son[a-z]+=\""):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert not offenders, "\n".join(offenders)


# --- signing in and out --------------------------------------------------------------------------

def test_login_is_rate_limited(demo_app):
    demo_app.config["RATELIMIT_ENABLED"] = True
    from caseload.extensions import limiter

    limiter.init_app(demo_app)  # pick up the switch (the limiter reads it at init)
    limiter.reset()
    try:
        auth = Auth(demo_app.test_client())
        statuses = [auth.login("leader", "wrong-password").status_code for _ in range(10)]
        assert statuses == [401] * 10
        blocked = auth.login("leader", "demo")  # even the right password waits now
        assert blocked.status_code == 429
        assert b"Too Many Requests" in blocked.data
        assert auth.client.get("/login").status_code == 200  # the page itself still opens
    finally:
        limiter.reset()


def test_logout_makes_the_old_cookie_useless(demo_client, demo_auth):
    demo_auth.login("leader")
    assert _signed_in(demo_client.get("/rota/"))
    old = demo_client.get_cookie("session").value
    demo_auth.logout()
    demo_client.set_cookie("session", old)  # an attacker replays the cookie captured before logout
    assert _signed_out(demo_client.get("/rota/"))


def test_password_change_signs_out_other_sessions_and_old_cookies(demo_app):
    here, elsewhere = demo_app.test_client(), demo_app.test_client()
    Auth(here).login("leader")
    Auth(elsewhere).login("leader")
    before = here.get_cookie("session").value
    response = here.post("/account/password", data={"current": "demo", "new": "a-new-password"})
    assert response.status_code == 302
    assert _signed_in(here.get("/rota/"))  # this session goes on
    assert _signed_out(elsewhere.get("/rota/"))
    replay = demo_app.test_client()
    replay.set_cookie("session", before)
    assert _signed_out(replay.get("/rota/"))
    assert Auth(demo_app.test_client()).login("leader", "demo").status_code == 401
    assert Auth(demo_app.test_client()).login("leader", "a-new-password").status_code == 302


def test_passwords_are_argon2_and_have_a_minimum_length(demo_app, demo_client, demo_auth):
    demo_app.config["PASSWORD_MIN_LENGTH"] = 10
    leader = m.user("leader")
    assert leader.password_hash.startswith("$argon2id$")
    demo_auth.login("leader")
    response = demo_client.post("/account/password", data={"current": "demo", "new": "nine-char"})
    assert response.status_code == 400
    assert b"at least 10 characters" in response.data
    db.session.expire_all()
    assert Auth(demo_app.test_client()).login("leader", "demo").status_code == 302  # unchanged
    from caseload.services.people.users import UserError, create_user

    with pytest.raises(UserError):
        create_user("shorty", "Shorty", Role.ADVISOR, "short-pw1")


def test_login_ignores_an_offsite_next_address(demo_client):
    response = demo_client.post("/login?next=https://evil.example/", data={"username": "leader", "password": "demo"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/") and "evil" not in response.headers["Location"]


def test_failed_logins_are_audited_without_the_password(demo_auth):
    from sqlalchemy import select

    from caseload.models import AuditEvent

    demo_auth.login("leader", "guess-one")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()[-1]
    assert event.detail["username"] == "leader"
    assert "guess-one" not in str(event.detail)


# --- CSRF on every state-changing HTML route -------------------------------------------------------

def test_every_html_post_route_needs_a_csrf_token(demo_app):
    """With CSRF on, a signed-in user's POST without a token to each POST route is refused (400)."""
    from flask import current_app

    demo_app.config["WTF_CSRF_ENABLED"] = True
    samples = m.samples_for_demo()
    clients = {}
    for role, username in m.USERNAMES.items():
        client = demo_app.test_client()
        with client.session_transaction() as session:  # signed in without a form post
            session["_user_id"] = m.user(username).get_id()
            session["_fresh"] = True
        clients[role] = client
    wrong, checked = [], 0
    for rule in current_app.url_map.iter_rules():
        if m.is_api(rule) or not ({"POST", "PUT", "PATCH", "DELETE"} & rule.methods):
            continue
        roles = m.allowed_roles(rule.endpoint) or m.ALL
        client = clients[sorted(roles, key=lambda r: r.value)[0]]
        for method in sorted({"POST", "PUT", "PATCH", "DELETE"} & rule.methods):
            response = client.open(samples.url(rule), method=method, data={"anything": "x"})
            checked += 1
            refused = response.status_code == 400 and b"security token" in response.data
            # A view that keeps typed text (form_expiry) runs its own checks first: not found, or home for the
            # sign-in page of someone signed in; its form never validates (tests/web/test_form_expiry.py).
            kept = getattr(current_app.view_functions[rule.endpoint], KEEPS_ATTR, False) and (
                response.status_code == 404 or (rule.endpoint == "auth.login" and response.status_code == 302))
            if not (refused or kept):
                wrong.append(f"{method} {rule.rule} -> {response.status_code}")
    assert checked >= 20  # the app has many forms; an empty loop would prove nothing
    assert not wrong, "\n".join(wrong)


def test_signing_in_starts_a_fresh_session(demo_client, demo_auth):
    """Whatever a visitor's session held before signing in (say, planted by an attacker) is dropped."""
    with demo_client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = demo_client.get_cookie("session").value
    demo_auth.login("leader")
    with demo_client.session_transaction() as session:
        assert "planted" not in session and session["_user_id"] == m.user("leader").get_id()
    assert demo_client.get_cookie("session").value != before


def test_a_deactivated_user_is_signed_out_at_once(demo_client, demo_auth):
    demo_auth.login("leader")
    assert _signed_in(demo_client.get("/rota/"))
    m.user("leader").active = False
    db.session.commit()
    assert _signed_out(demo_client.get("/rota/"))
    assert demo_auth.login("leader").status_code == 401
