"""An advisor's week, caseload and client pages: only their own data, from the published plan."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Client, ClientNote, User
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.problem import db_id


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def publish_for(username: str, count: int = 3, cover: int = 1):
    """Publish a hand-made plan for the advisor's team: `count` of their own clients' appointments and
    `cover` appointments of other advisors' clients, one an hour from 09:00 on each appointment's first day."""
    advisor = _user(username).advisor
    team = advisor.team
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    named = {c["id"]: c["named_advisor"] for c in problem["clients"]}
    me = f"a{advisor.id}"
    mine = [p for p in problem["appointments"] if named[p["client"]] == me and p["kind"] == "support"][:count]
    others = [p for p in problem["appointments"] if named[p["client"]] not in (me, None) and p["kind"] == "support"][:cover]
    placed, used = [], set()
    for hour, p in enumerate(mine + others):
        day = p["windows"][0]["start"][:10]
        start = f"{day}T{9 + hour:02d}:00"
        placed.append({"appointment": p["id"], "advisor": me, "start": start})
        used.add(p["id"])
    first_day = problem["horizon"]["start"]
    solution = {
        "format": "caseload-solution/1", "status": "feasible", "assignments": placed,
        "unassigned": [{"appointment": p["id"], "reason": "no advisor free"} for p in problem["appointments"] if p["id"] not in used],
        "allocations": [], "protected": [{"advisor": me, "start": f"{first_day}T15:00", "end": f"{first_day}T16:30"}],
        "score": 1, "bound": 2, "solve_seconds": 0.1,
        "figures": {"fill": 0.1, "continuity": 0.8, "separation": 1.0, "protected": 0.4, "gap": 0.5},
    }
    plan = save_plan(team, week, problem, solution, by=team.leader, skipped=maps.skipped)
    publish_plan(plan, team.leader, plan.version_id, expected_published=0)
    return plan, [db.session.get(Client, db_id(p["client"])) for p in mine], \
        [db.session.get(Client, db_id(p["client"])) for p in others]


def test_week_says_plainly_until_a_plan_is_published(demo_client, demo_auth):
    demo_auth.login("advisor1")
    page = demo_client.get("/me/", follow_redirects=True)
    assert page.status_code == 200
    assert b"has not been published yet" in page.data


def test_week_shows_my_published_appointments_with_purpose_and_last_note(demo_app, demo_client, demo_auth):
    plan, mine, others = publish_for("advisor1")
    db.session.add(ClientNote(client_id=mine[0].id, author_id=_user("advisor1").id, body="Bring the rent statements"))
    db.session.commit()
    demo_auth.login("advisor1")
    page = demo_client.get("/me/").get_data(as_text=True)
    assert "has not been published" not in page
    for client in mine + others:
        assert client.reference in page
    assert "Bring the rent statements" in page
    assert "covering for" in page  # the other advisor's client is marked as cover
    assert "protected" in page
    # Another advisor of the same team sees none of these appointments.
    demo_auth.logout()
    demo_auth.login("advisor2")
    other = demo_client.get("/me/").get_data(as_text=True)
    assert all(f"{c.reference} {c.name}" not in other for c in mine)


def test_week_navigation_and_bad_weeks(demo_client, demo_auth):
    demo_auth.login("advisor1")
    week = this_week_start("Europe/London")
    later = demo_client.get(f"/me/week/{(week + timedelta(days=7)).isoformat()}")
    assert later.status_code == 200 and b"not been published" in later.data
    assert demo_client.get(f"/me/week/{(week + timedelta(days=1)).isoformat()}").status_code == 404
    assert demo_client.get("/me/week/not-a-date").status_code == 404


def test_caseload_lists_only_my_clients(demo_client, demo_auth):
    me = _user("advisor1").advisor
    mine = db.session.scalars(select(Client).where(Client.named_advisor_id == me.id)).all()
    theirs = db.session.scalars(select(Client).where(Client.named_advisor_id != me.id)).all()
    assert mine and theirs
    demo_auth.login("advisor1")
    page = demo_client.get("/me/caseload").get_data(as_text=True)
    assert all(c.reference in page for c in mine)
    assert not any(f">{c.reference} " in page for c in theirs)


def test_other_advisors_client_is_not_found_but_covered_client_is_visible(demo_client, demo_auth):
    plan, mine, others = publish_for("advisor1")
    me = _user("advisor1").advisor
    stranger = db.session.scalar(select(Client).where(Client.named_advisor_id != me.id,
                                                      Client.id.not_in([c.id for c in others])))
    demo_auth.login("advisor1")
    assert demo_client.get(f"/me/clients/{mine[0].id}").status_code == 200
    assert demo_client.get(f"/me/clients/{others[0].id}").status_code == 200  # covering this week
    assert demo_client.get(f"/me/clients/{stranger.id}").status_code == 404
    assert demo_client.post(f"/me/clients/{stranger.id}/notes", data={"body": "x"}).status_code == 404
    assert demo_client.get("/me/clients/999999").status_code == 404
    assert db.session.scalar(select(ClientNote).where(ClientNote.client_id == stranger.id)) is None


def test_other_roles_cannot_use_advisor_pages(demo_client, demo_auth):
    for username in ("leader", "admin"):
        demo_auth.login(username)
        for url in ("/me/", "/me/caseload", "/me/calendar", "/me/time", "/me/handovers"):
            assert demo_client.get(url).status_code == 403, (username, url)
        demo_auth.logout()
    assert demo_client.get("/me/caseload").status_code in (302, 401)


def test_advisor_account_without_a_record_is_told_so(demo_app, demo_client, demo_auth):
    from caseload.models import Role
    from caseload.services.people.users import create_user

    create_user("loose", "Loose End", Role.ADVISOR, "long-enough")
    demo_auth.login("loose", "long-enough")
    page = demo_client.get("/me/")
    assert page.status_code == 200 and b"not linked to an advisor record" in page.data
    for url in ("/me/caseload", "/me/time", "/me/calendar", "/me/handovers"):
        assert demo_client.get(url).status_code == 404, url
    assert demo_client.post("/me/calendar/renew").status_code == 404
