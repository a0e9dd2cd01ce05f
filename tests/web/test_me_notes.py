"""Contact notes, handover notes, protected-time preferences and the calendar feed."""
from __future__ import annotations

import re

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import AuditEvent, Client, ClientNote, HandoverNote, User
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.problem import db_id


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _my_client(username):
    return db.session.scalar(select(Client).where(Client.named_advisor_id == _user(username).advisor.id).order_by(Client.id))


def _publish_cover(covering: str):
    """Publish a plan where `covering` sees one support appointment of another advisor's client."""
    advisor = _user(covering).advisor
    team = advisor.team
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    named = {c["id"]: c["named_advisor"] for c in problem["clients"]}
    me = f"a{advisor.id}"
    mine = [p for p in problem["appointments"] if named[p["client"]] == me][:2]
    other = next(p for p in problem["appointments"] if named[p["client"]] not in (me, None) and p["kind"] == "support")
    placed = [{"appointment": p["id"], "advisor": me, "start": p["windows"][0]["start"][:11] + f"{10 + i}:00"}
              for i, p in enumerate(mine + [other])]
    ids = {a["appointment"] for a in placed}
    solution = {"format": "caseload-solution/1", "status": "feasible", "assignments": placed,
                "unassigned": [{"appointment": p["id"], "reason": "test"} for p in problem["appointments"] if p["id"] not in ids],
                "allocations": [], "protected": [], "score": 1, "bound": 1,
                "figures": {"fill": 0.05, "continuity": 0.6, "separation": 1.0, "protected": 0.0, "gap": 0.0}}
    plan = save_plan(team, week, problem, solution, by=team.leader, skipped=maps.skipped)
    publish_plan(plan, team.leader, plan.version_id, expected_published=0)
    return plan, db.session.get(Client, db_id(other["client"]))


def test_advisor_adds_and_reads_notes_for_own_client(demo_client, demo_auth):
    client = _my_client("advisor1")
    demo_auth.login("advisor1")
    response = demo_client.post(f"/me/clients/{client.id}/notes", data={"body": "Agreed a payment plan; check in 2 weeks"})
    assert response.status_code == 302
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    assert "Agreed a payment plan" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client_note_added"))
    assert event.detail == {"client": client.id}  # the log says a note was written, not what it says


def test_a_note_keeps_its_line_breaks_on_the_page(demo_client, demo_auth):
    client = _my_client("advisor1")
    demo_auth.login("advisor1")
    demo_client.post(f"/me/clients/{client.id}/notes", data={"body": "Agreed CV review.\r\nNext: job search"})
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    assert '<p class="note-body">Agreed CV review.\r\nNext: job search</p>' in page
    css = demo_client.get("/static/app.css").get_data(as_text=True)
    assert re.search(r"\.note-body\s*\{\s*white-space:\s*pre-line", css)


def test_empty_or_long_note_is_refused_naming_the_field(demo_client, demo_auth):
    client = _my_client("advisor1")
    demo_auth.login("advisor1")
    for body in ("   ", "x" * 2001):
        response = demo_client.post(f"/me/clients/{client.id}/notes", data={"body": body})
        assert response.status_code == 400
        assert "Contact note:" in response.get_data(as_text=True)
    assert db.session.scalar(select(ClientNote).where(ClientNote.client_id == client.id)) is None


def test_handover_goes_to_the_cover_and_back_to_the_named_advisor(demo_client, demo_auth):
    plan, covered = _publish_cover("advisor1")
    named_user = covered.named_advisor.user
    cover = _user("advisor1").advisor
    # The named advisor writes to the cover...
    demo_auth.login(named_user.username)
    page = demo_client.get(f"/me/clients/{covered.id}").get_data(as_text=True)
    assert cover.name in page  # offered as the recipient
    assert demo_client.post(f"/me/clients/{covered.id}/handover",
                            data={"to": cover.id, "body": "Prefers mornings; bring the form"}).status_code == 302
    demo_auth.logout()
    # ...the cover reads it on their handover list and answers back.
    demo_auth.login("advisor1")
    assert "Prefers mornings" in demo_client.get("/me/handovers").get_data(as_text=True)
    assert demo_client.post(f"/me/clients/{covered.id}/handover",
                            data={"to": covered.named_advisor_id, "body": "Form done; rent arrears cleared"}).status_code == 302
    # The cover may not hand over to someone unrelated.
    stranger = next(a for a in cover.team.advisors if a.id not in (cover.id, covered.named_advisor_id))
    refused = demo_client.post(f"/me/clients/{covered.id}/handover", data={"to": stranger.id, "body": "x"})
    assert refused.status_code == 400 and "Hand over to" in refused.get_data(as_text=True)
    demo_auth.logout()
    demo_auth.login(named_user.username)
    assert "rent arrears cleared" in demo_client.get("/me/handovers").get_data(as_text=True)
    notes = db.session.scalars(select(HandoverNote).where(HandoverNote.client_id == covered.id)).all()
    assert sorted((n.from_advisor_id, n.to_advisor_id) for n in notes) == sorted(
        [(covered.named_advisor_id, cover.id), (cover.id, covered.named_advisor_id)])


def test_preferences_are_stored_for_the_planner(demo_client, demo_auth):
    demo_auth.login("advisor1")
    page = demo_client.get("/me/time").get_data(as_text=True)
    assert "preferences" in page
    assert demo_client.post("/me/time/weekly", data={"day": "tue", "start": "14:00", "end": "16:00"}).status_code == 302
    bad = demo_client.post("/me/time/weekly", data={"day": "wed", "start": "14:00", "end": "13:00"})
    assert bad.status_code == 400 and "Until:" in bad.get_data(as_text=True)
    off = demo_client.post("/me/time/weekly", data={"day": "sat", "start": "10:00", "end": "12:00"})
    assert off.status_code == 400 and "Day:" in off.get_data(as_text=True)
    advisor = _user("advisor1").advisor
    db.session.refresh(advisor)
    assert advisor.protected_preferences == [{"day": "tue", "start": "14:00", "end": "16:00"}]
    assert demo_client.post("/me/time/remove", data={"entry": "tue 14:00-16:00", "confirm": "yes"}).status_code == 302
    db.session.refresh(advisor)
    assert advisor.protected_preferences == []


def test_a_preference_may_end_at_midnight(demo_client, demo_auth):
    """Until 00:00 (or 24:00) is the midnight closing the day, as in work patterns; it was refused."""
    from caseload.localtime import this_week_start
    from caseload.services.planning.boundary import to_problem

    demo_auth.login("advisor1")
    assert demo_client.post("/me/time/weekly", data={"day": "tue", "start": "20:00", "end": "00:00"}).status_code == 302
    advisor = _user("advisor1").advisor
    db.session.refresh(advisor)
    assert advisor.protected_preferences == [{"day": "tue", "start": "20:00", "end": "24:00"}]
    assert "20:00–24:00" in demo_client.get("/me/time").get_data(as_text=True)
    to_problem(advisor.team, this_week_start(advisor.team.timezone))  # the planner reads it


def _feed_url(demo_client):
    page = demo_client.get("/me/calendar").get_data(as_text=True)
    start = page.index("http://localhost/me/calendar/")
    return page[start:page.index('"', start)].removeprefix("http://localhost")


def test_calendar_feed_validates_and_dies_after_revoke(demo_client, demo_auth):
    plan, covered = _publish_cover("advisor1")
    demo_auth.login("advisor1")
    assert b"feed is off" in demo_client.get("/me/calendar").data
    demo_client.post("/me/calendar/renew")
    url = _feed_url(demo_client)
    demo_auth.logout()  # calendar apps do not sign in
    response = demo_client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = [c for c in cal.walk("VEVENT")]
    mine = [i for i in plan.items if i.advisor_id == _user("advisor1").advisor.id]
    assert len(events) == len(mine) == 3
    for event in events:
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert start.tzinfo is not None and start.utcoffset() == timedelta(0) and end > start
    assert {e.decoded("dtstart") for e in events} == {i.starts_at for i in mine}
    assert covered.name not in response.get_data(as_text=True)  # references only, no names
    # Renewing kills the old address; revoking kills the new one.
    demo_auth.login("advisor1")
    demo_client.post("/me/calendar/renew")
    renewed = _feed_url(demo_client)
    assert renewed != url and demo_client.get(url).status_code == 404
    demo_client.post("/me/calendar/revoke", data={"confirm": "yes"})
    assert demo_client.get(renewed).status_code == 404
    assert demo_client.get("/me/calendar/not-a-token.ics").status_code == 404


def test_feed_buttons_and_notes_need_the_csrf_token(demo_app, demo_client, demo_auth):
    demo_auth.login("advisor1")
    demo_client.post("/me/calendar/renew")
    user = _user("advisor1")
    token = user.calendar_token
    demo_app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert demo_client.post("/me/calendar/revoke").status_code == 400
        client = _my_client("advisor1")
        assert demo_client.post(f"/me/clients/{client.id}/notes", data={"body": "forged"}).status_code == 400
    finally:
        demo_app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert _user("advisor1").calendar_token == token
    assert db.session.scalar(select(ClientNote).where(ClientNote.body == "forged")) is None
