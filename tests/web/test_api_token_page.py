"""Each user's API token page (issue once, revoke) and the administrators' revoke on the users page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from caseload.extensions import db
from caseload.models import AuditEvent, User
from caseload.services.people.zone import service_zone

PAGE = "/account/api-token"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _issue(client) -> str:
    """Press "Issue" and read the token off the page it answers with."""
    response = client.post(PAGE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Copy it now" in page
    return re.search(r'id="api-token"[^>]*value="([^"]+)"', page).group(1)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _audited(action: str, username: str) -> list[AuditEvent]:
    user = _user(username)
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == "User", AuditEvent.object_id == user.id)))


@pytest.mark.parametrize("username, role", [("admin", "administrator"), ("leader", "team_leader"),
                                            ("advisor1", "advisor")])
def test_issue_on_the_page_then_use_the_api_then_revoke(demo_client, demo_auth, username, role):
    demo_auth.login(username)
    page = demo_client.get(PAGE)
    assert page.status_code == 200 and b"You have no API token" in page.data
    assert b'href="/account/api-token"' in page.data  # linked from the navigation

    token = _issue(demo_client)
    assert demo_client.get("/api/v1/me", headers=_bearer(token)).get_json() == {"username": username, "role": role}
    teams = demo_client.get("/api/v1/teams", headers=_bearer(token))
    assert teams.status_code == 200 and teams.get_json()
    assert len(_audited("api_token_issued", username)) == 1
    assert _audited("api_token_issued", username)[0].user_id == _user(username).id

    reloaded = demo_client.get(PAGE).get_data(as_text=True)
    assert token not in reloaded and "You have an API token, issued" in reloaded

    asked = demo_client.post(PAGE + "/revoke")  # asks first, in the page (it was a script-only dialog)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Revoke your API token?" in text and "data-confirm" not in text
    assert demo_client.get("/api/v1/teams", headers=_bearer(token)).status_code == 200  # nothing revoked yet
    response = demo_client.post(PAGE + "/revoke", data={"confirm": "revoke"})
    assert response.status_code == 302
    assert demo_client.get("/api/v1/teams", headers=_bearer(token)).status_code == 401
    assert len(_audited("api_token_revoked", username)) == 1
    assert b"You have no API token" in demo_client.get(PAGE).data


def test_a_new_token_replaces_the_old_one(demo_client, demo_auth):
    demo_auth.login("leader")
    first = _issue(demo_client)
    second = _issue(demo_client)
    assert first != second
    assert demo_client.get("/api/v1/me", headers=_bearer(first)).status_code == 401
    assert demo_client.get("/api/v1/me", headers=_bearer(second)).status_code == 200


def test_the_page_only_touches_the_signed_in_users_token(demo_client, demo_auth):
    """A non-administrator has no way to revoke someone else's token: the page acts on its own user,
    extra form fields are ignored, and the administrators' revoke route is refused."""
    demo_auth.login("leader")
    leader_token = _issue(demo_client)
    demo_auth.logout()
    demo_auth.login("advisor1")
    leader = _user("leader")
    assert demo_client.post(PAGE + "/revoke", data={"user_id": leader.id}).status_code == 302
    assert demo_client.post(f"/admin/users/{leader.id}/api-token/revoke").status_code == 403
    assert demo_client.get("/api/v1/me", headers=_bearer(leader_token)).get_json()["username"] == "leader"
    assert _audited("api_token_revoked", "leader") == []


def test_administrator_revokes_anyones_token_from_the_users_page(demo_client, demo_auth):
    demo_auth.login("leader")
    token = _issue(demo_client)
    demo_auth.logout()
    demo_auth.login("admin")
    leader = _user("leader")
    users_page = demo_client.get("/admin/users").get_data(as_text=True)
    assert f'action="/admin/users/{leader.id}/api-token/revoke"' in users_page
    response = demo_client.post(f"/admin/users/{leader.id}/api-token/revoke", data={"confirm": "revoke"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    assert demo_client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    [event] = _audited("api_token_revoked", "leader")
    assert event.user_id == _user("admin").id
    assert b"had no API token" in demo_client.post(f"/admin/users/{leader.id}/api-token/revoke",
                                                   follow_redirects=True).data
    assert demo_client.post("/admin/users/99999/api-token/revoke").status_code == 404


def test_issuing_and_revoking_need_the_csrf_token(demo_app, demo_client, demo_auth):
    demo_auth.login("leader")
    token = _issue(demo_client)
    demo_app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert demo_client.post(PAGE).status_code == 400
        assert demo_client.post(PAGE + "/revoke").status_code == 400
    finally:
        demo_app.config["WTF_CSRF_ENABLED"] = False
    assert demo_client.get("/api/v1/me", headers=_bearer(token)).status_code == 200


def test_issue_time_reads_as_a_date_in_the_viewers_zone(demo_client, demo_auth):
    """"Mon 23 Nov 2026 10:53 Europe/London" on the holder's page (their team's zone), the office's zone on the admin users page (not UTC)."""
    from caseload.localtime import moment_text
    from caseload.services.people.api_tokens import issued_at

    demo_auth.login("advisor1")
    _issue(demo_client)
    advisor = _user("advisor1")
    issued, zone = issued_at([advisor.id])[advisor.id], advisor.advisor.team.timezone
    page = demo_client.get(PAGE).get_data(as_text=True)
    assert f"You have an API token, issued {moment_text(issued, zone)}." in page
    assert re.search(r"issued \w{3} \d\d \w{3} \d{4} \d\d:\d\d ", page)
    demo_auth.logout()
    demo_auth.login("admin")
    users = demo_client.get("/admin/users").get_data(as_text=True)
    with demo_client.application.app_context():
        office = service_zone()
    assert office != "UTC"
    assert f"issued {moment_text(issued, office)}" in users and f"issued {moment_text(issued)}" not in users
