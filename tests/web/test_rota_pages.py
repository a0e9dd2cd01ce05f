"""The rota pages: scoping, absences, protected time, clients and requests."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import Absence, Advisor, AppointmentRequest, AuditEvent, Client, Team


def _south():
    return db.session.scalar(select(Team).where(Team.name == "south"))


def test_leader_sees_only_their_team(leader, north):
    team, week = north
    south = _south()
    home = leader.get("/rota/")  # their one team: straight to its week
    assert home.status_code == 302 and home.headers["Location"].endswith(f"/rota/t/{team.id}/{week}/")
    assert leader.get(f"/rota/t/{team.id}/{week}/").status_code == 200
    for url in (f"/rota/t/{south.id}/{week}/", f"/rota/t/{south.id}/clients", f"/rota/t/{south.id}/{week}/requests",
                f"/rota/t/{south.id}/import/clients"):
        assert leader.get(url).status_code == 404, url
    south_client = db.session.scalars(select(Client).where(Client.team_id == south.id)).first()
    assert leader.get(f"/rota/t/{team.id}/clients/{south_client.id}").status_code == 404


def test_admin_sees_every_team_and_advisors_are_refused(demo_auth, north):
    team, week = north
    demo_auth.login("admin")
    assert demo_auth.client.get(f"/rota/t/{_south().id}/{week}/").status_code == 200
    demo_auth.logout()
    demo_auth.login("advisor1")
    assert demo_auth.client.get(f"/rota/t/{team.id}/{week}/").status_code == 403


def test_week_page_shows_working_time_and_absences(leader, north):
    team, week = north
    page = leader.get(f"/rota/t/{team.id}/{week}/").data.decode()
    assert "annual leave" in page and "training" in page and "Plan the week" in page
    assert "09:00–12:30" in page
    assert leader.get(f"/rota/t/{team.id}/2026-11-24/").status_code == 404  # not a Monday


def _advisor(team, index=0):
    return db.session.scalars(select(Advisor).where(Advisor.team_id == team.id).order_by(Advisor.id)).all()[index]


def test_add_part_day_absence_cuts_that_afternoon(leader, north):
    team, week = north
    advisor = _advisor(team)
    tuesday = week + timedelta(days=1)
    response = leader.post(f"/rota/t/{team.id}/{week}/absences", data={
        "advisor": advisor.id, "start_day": tuesday.isoformat(), "start_time": "13:30", "end_time": "17:00",
        "reason": "dentist"})
    assert response.status_code == 302
    absence = db.session.scalar(select(Absence).where(Absence.reason == "dentist"))
    assert to_local(absence.starts_at, team.timezone).strftime("%H:%M") == "13:30"
    from caseload.services.planning.problem import availability

    spans = [(s, e) for s, e in availability(absence.advisor, week, team.timezone) if s.date() == tuesday]
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in spans] == [("09:00", "12:30")]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "absence_added")) is not None


@pytest.mark.parametrize("data, message", [
    ({"start_time": "15:00", "end_time": "14:00"}, b"end after it starts"),
    ({"start_day": "2030-01-07"}, b"inside the week"),
    ({"start_time": "15:00"}, b"Give both times"),
    ({"advisor": "999999"}, b"Not a valid choice"),
])
def test_absence_form_rejects_bad_input(leader, north, data, message):
    team, week = north
    advisor = _advisor(team)
    form = {"advisor": advisor.id, "start_day": (week + timedelta(days=1)).isoformat(), "reason": "x"}
    form.update(data)
    response = leader.post(f"/rota/t/{team.id}/{week}/absences", data=form)
    assert response.status_code == 400 and message in response.data
    assert db.session.scalars(select(Absence).where(Absence.reason == "x")).first() is None


def test_advisor_of_another_team_cannot_be_given_an_absence(leader, north):
    team, week = north
    other = _advisor(_south())
    response = leader.post(f"/rota/t/{team.id}/{week}/absences", data={
        "advisor": other.id, "start_day": week.isoformat(), "reason": "x"})
    assert response.status_code == 400
    assert not db.session.scalars(select(Absence).where(Absence.advisor_id == other.id, Absence.reason == "x")).all()


def test_edit_and_remove_an_absence(leader, north):
    team, week = north
    absence = db.session.scalar(select(Absence).join(Advisor).where(Advisor.team_id == team.id,
                                                                    Absence.reason == "annual leave"))
    page = leader.get(f"/rota/t/{team.id}/absences/{absence.id}")
    assert page.status_code == 200
    day = to_local(absence.starts_at, team.timezone).date()
    response = leader.post(f"/rota/t/{team.id}/absences/{absence.id}", data={
        "advisor": absence.advisor_id, "start_day": day.isoformat(), "start_time": "09:00", "end_time": "12:00",
        "reason": "half day"})
    assert response.status_code == 302
    db.session.expire_all()
    assert to_local(db.session.get(Absence, absence.id).ends_at, team.timezone).strftime("%H:%M") == "12:00"
    # Removing asks first, in the page (it was a script-only dialog); only the question's button removes.
    asked = leader.post(f"/rota/t/{team.id}/absences/{absence.id}/delete")
    text = asked.get_data(as_text=True).replace("&#39;", "'")
    assert asked.status_code == 200 and f"Remove {absence.advisor.name}'s absence," in text and "data-confirm" not in text
    db.session.expire_all()
    assert db.session.get(Absence, absence.id) is not None
    assert leader.post(f"/rota/t/{team.id}/absences/{absence.id}/delete", data={"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Absence, absence.id) is None


def test_protected_target(leader, north):
    team, week = north
    advisor = _advisor(team)
    leader.post(f"/rota/t/{team.id}/{week}/advisors/{advisor.id}/protected", data={"minutes": 300, "scope": "standing"})
    db.session.expire_all()
    assert db.session.get(Advisor, advisor.id).protected_minutes == 300
    leader.post(f"/rota/t/{team.id}/{week}/advisors/{advisor.id}/protected", data={"minutes": -5, "scope": "standing"})
    db.session.expire_all()
    assert db.session.get(Advisor, advisor.id).protected_minutes == 300


def test_one_weeks_protected_target_changes_that_week_only_and_the_form_says_which(leader, north):
    from datetime import timedelta

    from caseload.services.planning.boundary import to_problem

    team, week = north
    advisor = _advisor(team)
    standing = advisor.protected_minutes
    url = f"/rota/t/{team.id}/{week}/advisors/{advisor.id}/protected"
    done = leader.post(url, data={"minutes": 60, "scope": "week"}, follow_redirects=True).data.decode()
    assert "for the week of" in done and "only" in done
    db.session.expire_all()
    assert db.session.get(Advisor, advisor.id).protected_minutes == standing  # every other week unchanged

    def target(on):
        problem, _ = to_problem(team, on)
        return next(a["protected_minutes"] for a in problem["advisors"] if a["name"] == advisor.name)

    assert target(week) == 60 and target(week + timedelta(days=7)) == standing
    page = leader.get(f"/rota/t/{team.id}/{week}/").data.decode()
    assert f"60 min <strong>this week only</strong> <span class=\"muted\">(standing {standing})" in page
    nxt = leader.get(f"/rota/t/{team.id}/{week + timedelta(days=7)}/").data.decode()
    assert f"{standing} min <span class=\"muted\">(standing target)" in nxt
    # Changing the standing target leaves the week's own target as it is; going back to standing drops it.
    leader.post(url, data={"minutes": 180, "scope": "standing"})
    assert target(week) == 60 and target(week + timedelta(days=7)) == 180
    leader.post(url, data={"standing_again": "1"})
    assert target(week) == 180
    # Neither scope given: refused, nothing changes.
    leader.post(url, data={"minutes": 30})
    assert target(week) == 180 and target(week + timedelta(days=7)) == 180


def test_client_edit_and_conflict(leader, north):
    team, _ = north
    client = db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.id)).first()
    target = _advisor(team, 3)
    version = client.version_id
    ok = leader.post(f"/rota/t/{team.id}/clients/{client.id}", data={
        "named_advisor": target.id, "need": client.need_id, "complexity": 3, "version": version})
    assert ok.status_code == 302
    db.session.expire_all()
    client = db.session.get(Client, client.id)
    assert (client.named_advisor_id, client.complexity) == (target.id, 3)
    stale = leader.post(f"/rota/t/{team.id}/clients/{client.id}", data={
        "named_advisor": 0, "need": client.need_id, "complexity": 1, "version": version})
    assert stale.status_code == 409 and b"This client was changed since you opened it" in stale.data
    db.session.expire_all()
    assert db.session.get(Client, client.id).named_advisor_id == target.id


def test_add_and_edit_a_request_with_windows_and_pin(leader, north):
    team, week = north
    client = db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.id)).first()
    advisor = _advisor(team)
    from caseload.models import AppointmentType

    follow_up = db.session.scalar(select(AppointmentType).where(AppointmentType.code == "follow-up"))
    response = leader.post(f"/rota/t/{team.id}/{week}/requests/new", data={
        "client": client.reference, "type": follow_up.id, "duration_minutes": 45,
        "windows": "tue 09:00-12:00\nthu 13:00-17:00", "pinned_advisor": advisor.id,
        "pinned_day": (week + timedelta(days=1)).isoformat(), "pinned_time": "10:00"})
    assert response.status_code == 302
    request = db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.client_id == client.id,
                                                                  AppointmentRequest.duration_minutes == 45)).one()
    assert len(request.windows) == 2 and request.pinned_advisor_id == advisor.id
    assert to_local(request.windows[1].starts_at, team.timezone).strftime("%a %H:%M") == "Thu 13:00"
    bad = leader.post(f"/rota/t/{team.id}/requests/{request.id}", data={
        "client": client.reference, "type": follow_up.id, "duration_minutes": 50, "windows": "someday",
        "pinned_advisor": 0, "version": request.version_id})
    assert bad.status_code == 400 and b"multiple of 15" in bad.data
    good = leader.post(f"/rota/t/{team.id}/requests/{request.id}", data={
        "client": client.reference, "type": follow_up.id, "duration_minutes": 30, "windows": "fri 09:00-11:00",
        "pinned_advisor": 0, "version": request.version_id})
    assert good.status_code == 302
    db.session.expire_all()
    request = db.session.get(AppointmentRequest, request.id)
    assert request.duration_minutes == 30 and request.pinned_advisor_id is None and len(request.windows) == 1
    outside = leader.post(f"/rota/t/{team.id}/{week}/requests/new", data={
        "client": client.reference, "type": follow_up.id, "duration_minutes": 30, "windows": "2030-01-01 09:00-10:00",
        "pinned_advisor": 0})
    assert outside.status_code == 400 and b"is not in the week" in outside.data


def test_plans_of_another_team_are_not_found(leader, north):
    from scheduler.baselines import named_first

    from caseload.services.planning.boundary import save_plan, to_problem

    south = _south()
    week = north[1]
    problem, _ = to_problem(south, week)
    plan = save_plan(south, week, problem, named_first(problem))
    item = next(i for i in plan.items if i.advisor_id)
    assert leader.get(f"/rota/plans/{plan.id}").status_code == 404
    for url, data in [(f"/rota/plans/{plan.id}/publish", {"version": plan.version_id, "published": 0}),
                      (f"/rota/plans/{plan.id}/move", {"item": item.id, "advisor": item.advisor_id,
                                                       "day": week.isoformat(), "time": "10:00", "version": 1}),
                      (f"/rota/plans/{plan.id}/resolve", {}),
                      (f"/rota/plans/{plan.id}/items/{item.id}/handover", {"body": "x"})]:
        assert leader.post(url, data=data).status_code == 404, url
    db.session.expire_all()
    assert db.session.get(type(plan), plan.id).status == "draft"


def test_add_a_client(leader, north):
    team, _ = north
    advisor = _advisor(team)
    assert leader.get(f"/rota/t/{team.id}/clients/new").status_code == 200
    response = leader.post(f"/rota/t/{team.id}/clients/new", data={
        "reference": "NEW1", "name": "Nia New", "named_advisor": advisor.id, "need": 0, "complexity": 2})
    assert response.status_code == 302
    client = db.session.scalar(select(Client).where(Client.reference == "NEW1"))
    assert (client.team_id, client.named_advisor_id, client.complexity) == (team.id, advisor.id, 2)
    again = leader.post(f"/rota/t/{team.id}/clients/new", data={
        "reference": "new1", "name": "Twin", "named_advisor": 0, "need": 0, "complexity": 1})
    assert again.status_code == 400 and b"Team north already has a client with reference new1" in again.data
