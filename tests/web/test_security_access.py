"""Route × role matrix over every url rule in the app, and object scoping (no IDOR)."""
from __future__ import annotations

import pytest
from flask import current_app

from caseload.models import Role
from tests.web import access_matrix as m


def _rules():
    return [rule for rule in current_app.url_map.iter_rules()]


def _login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def test_every_route_has_an_expectation(demo_app):
    unknown = [rule.endpoint for rule in _rules()
               if rule.endpoint not in m.PUBLIC and m.allowed_roles(rule.endpoint) is None]
    assert not unknown, f"say who may use these routes in tests/web/access_matrix.py: {unknown}"


def test_public_routes(demo_client):
    assert demo_client.get("/login").status_code == 200
    assert demo_client.get("/healthz").get_json() == {"status": "ok"}
    assert demo_client.get("/static/app.css").status_code == 200
    favicon = demo_client.get("/favicon.ico")
    assert favicon.status_code == 301 and favicon.headers["Location"].endswith("/static/favicon.svg")
    assert demo_client.get("/static/favicon.svg").mimetype == "image/svg+xml"
    assert _login_redirect(demo_client.get("/"))
    assert demo_client.get("/me/calendar/not-a-real-token.ics").status_code == 404
    assert demo_client.get("/me/calendar/.ics").status_code == 404


def test_strangers_are_sent_to_login_or_get_401_everywhere(demo_client):
    samples = m.samples_for_demo()
    wrong = []
    for rule in _rules():
        if rule.endpoint in m.PUBLIC:
            continue
        url = samples.url(rule)
        for method in m.methods(rule):
            response = demo_client.open(url, method=method)
            if m.is_api(rule):
                ok = response.status_code == 401 and response.is_json
            else:
                ok = _login_redirect(response)
            if not ok:
                wrong.append(f"{method} {url} -> {response.status_code} {response.headers.get('Location', '')}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_reaches_exactly_its_routes(demo_client, demo_auth, role):
    """Other roles' routes give 403 for every method; the role's own pages open (GET)."""
    samples = m.samples_for_demo()
    username = m.USERNAMES[role]
    token = m.issue_token(username)
    assert demo_auth.login(username).status_code == 302
    wrong = []
    for rule in _rules():
        if rule.endpoint in m.PUBLIC:
            continue
        url = samples.url(rule)
        headers = token if m.is_api(rule) else {}
        allowed = role in m.allowed_roles(rule.endpoint)
        for method in m.methods(rule):
            if allowed and method != "GET":
                continue  # state-changing calls are exercised by each area's own tests
            response = demo_client.open(url, method=method, headers=headers)
            if allowed:
                ok = response.status_code not in (401, 403) and response.status_code < 500 and not _login_redirect(response)
            else:
                ok = response.status_code == 403
            if not ok:
                wrong.append(f"{role.value} {method} {url} -> {response.status_code} (allowed: {allowed})")
    assert not wrong, "\n".join(wrong)


def test_a_session_cookie_does_not_open_the_api(demo_client, demo_auth):
    """The API has no CSRF token, so it takes bearer tokens only; a signed-in browser gets 401."""
    demo_auth.login("admin")
    assert demo_client.get("/admin/").status_code == 200
    response = demo_client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert demo_client.get("/api/v1/me", headers=m.issue_token("admin")).get_json()["username"] == "admin"


def test_a_bad_or_revoked_token_is_refused(demo_client):
    headers = m.issue_token("leader")
    assert demo_client.get("/api/v1/me", headers=headers).status_code == 200
    assert demo_client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert demo_client.get("/api/v1/me", headers={"Authorization": "Basic bGVhZGVyOmRlbW8="}).status_code == 401
    m.user("leader").active = False
    from caseload.extensions import db

    db.session.commit()
    assert demo_client.get("/api/v1/me", headers=headers).status_code == 401


# --- object scoping: out-of-scope objects are "not found" ----------------------------------------

def _other_team_urls():
    """URLs of south's objects, and north URLs with a south object id slipped in."""
    north, south = m.team("north"), m.team("south")
    week = m.samples_for_demo().values["week"]
    south_client = m.client_of("advisor13")
    south_advisor = m.user("advisor13").advisor
    plan, job = m.make_plan(south), m.make_job(south)
    from sqlalchemy import select

    from caseload.extensions import db
    from caseload.models import AppointmentRequest

    request = db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.team_id == south.id))
    from datetime import timedelta

    from caseload.models import Absence, PlanItem, utcnow

    north_plan = m.make_plan(north)
    item = PlanItem(plan=plan, request=request, advisor=south_advisor)
    absence = Absence(advisor=south_advisor, starts_at=utcnow(), ends_at=utcnow() + timedelta(hours=2))
    db.session.add_all([item, absence])
    db.session.commit()
    gets = [
        f"/rota/t/{south.id}/", f"/rota/t/{south.id}/{week}/", f"/rota/t/{south.id}/clients",
        f"/rota/t/{south.id}/{week}/requests", f"/rota/t/{south.id}/clients/{south_client.id}",
        f"/rota/t/{north.id}/clients/{south_client.id}", f"/rota/t/{north.id}/requests/{request.id}",
        f"/rota/t/{south.id}/import/clients/template.csv",
        f"/rota/plans/{plan.id}", f"/rota/plans/{plan.id}/publish", f"/rota/jobs/{job.id}", f"/admin/reports?team={south.id}",
        f"/admin/reports/{m.samples_for_demo().values['name']}.json?team={south.id}",
        f"/rota/plans/{plan.id}/items/{item.id}/handover", f"/rota/plans/{north_plan.id}/items/{item.id}/handover",
        f"/rota/t/{north.id}/absences/{absence.id}", f"/rota/t/{south.id}/clients/new",
        f"/rota/t/{south.id}/{week}/requests/new", f"/rota/t/{south.id}/import/clients",
        f"/rota/t/{south.id}/{week}/import/requests", f"/admin/clients/{south_client.id}",
    ]
    posts = [
        f"/rota/t/{south.id}/{week}/plan", f"/rota/plans/{plan.id}/publish", f"/rota/jobs/{job.id}/cancel",
        f"/rota/t/{north.id}/{week}/advisors/{south_advisor.id}/protected",
        f"/rota/t/{north.id}/requests/{request.id}/delete", f"/rota/t/{south.id}/clients/{south_client.id}",
        f"/rota/plans/{plan.id}/move", f"/rota/plans/{plan.id}/resolve", f"/rota/t/{north.id}/absences/{absence.id}",
        f"/rota/t/{north.id}/absences/{absence.id}/delete", f"/rota/t/{south.id}/{week}/absences",
        f"/rota/plans/{plan.id}/items/{item.id}/handover", f"/admin/clients/{south_client.id}/erase",
    ]
    return gets, posts


def test_a_leader_cannot_reach_another_teams_objects(demo_client, demo_auth):
    gets, posts = _other_team_urls()
    demo_auth.login("leader")
    wrong = [f"GET {u} -> {r.status_code}" for u in gets if (r := demo_client.get(u)).status_code not in (403, 404)]
    wrong += [f"POST {u} -> {r.status_code}" for u in posts
              if (r := demo_client.post(u, data={"time_limit": 1, "expected_version": 1})).status_code not in (403, 404)]
    assert not wrong, "\n".join(wrong)


def test_the_other_teams_leader_can_reach_them(demo_client, demo_auth):
    """The same URLs open for south's leader, so the refusals above are about scope, not broken URLs."""
    gets, _posts = _other_team_urls()
    demo_auth.login("leader2")
    north_id = m.team("north").id
    own = [u for u in gets if f"/t/{north_id}/" not in u and "/items/" not in u]
    wrong = [f"GET {u} -> {r.status_code}" for u in own
             if (r := demo_client.get(u)).status_code not in (200, 302) or _login_redirect(r)]
    assert not wrong, "\n".join(wrong)


def test_an_advisor_cannot_reach_another_advisors_client(demo_client, demo_auth):
    theirs = m.client_of("advisor2")
    mine = m.client_of("advisor1")
    demo_auth.login("advisor1")
    assert demo_client.get(f"/me/clients/{mine.id}").status_code == 200
    assert demo_client.get(f"/me/clients/{theirs.id}").status_code == 404
    assert demo_client.post(f"/me/clients/{theirs.id}/notes", data={"body": "hello"}).status_code == 404
    assert demo_client.post(f"/me/clients/{theirs.id}/handover", data={"body": "hi", "to_advisor": 1}).status_code == 404
    from caseload.services.clients.notes import client_notes

    assert all(n.body != "hello" for n in client_notes(theirs))


def test_an_advisor_cannot_hand_over_to_someone_outside_the_clients_cover(demo_client, demo_auth):
    from sqlalchemy import select

    from caseload.extensions import db
    from caseload.models import HandoverNote

    mine = m.client_of("advisor1")
    outsider = m.user("advisor13").advisor  # south: no business with this client
    demo_auth.login("advisor1")
    response = demo_client.post(f"/me/clients/{mine.id}/handover", data={"to": outsider.id, "body": "secret"})
    assert response.status_code == 400
    assert db.session.scalars(select(HandoverNote).where(HandoverNote.to_advisor_id == outsider.id)).all() == []
