"""Absences and advisors are versioned: an edit made from a copy opened before another save is a 409 that
keeps what the user typed and the other change, never a lost write; two saves at the same moment give one
success and one 409 (file SQLite and PostgreSQL)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import Absence, Advisor
from caseload.services.rota import week as rota
from tests.web import access_matrix as m
from tests.web.test_races import _leader_browser, race


def _signed_in(app, username: str):
    browser = app.test_client()
    assert browser.post("/login", data={"username": username, "password": "demo"}).status_code == 302
    return browser


def _an_absence(team, week) -> Absence:
    advisor = m.user("advisor1").advisor
    day = week + timedelta(days=2)
    absence = rota.add_absence(team, week, advisor, to_utc(day, "00:00", team.timezone),
                               to_utc(day + timedelta(days=1), "00:00", team.timezone), "leave", None, m.user("leader"))
    return absence


def _absence_form(absence: Absence, week, reason: str, version) -> dict:
    day = week + timedelta(days=2)
    return {"advisor": absence.advisor_id, "start_day": day.isoformat(), "end_day": day.isoformat(),
            "reason": reason, "version": version}


def test_a_stale_absence_edit_is_a_409_that_keeps_both_changes(leader, north):
    team, week = north
    absence = _an_absence(team, week)
    url = f"/rota/t/{team.id}/absences/{absence.id}"
    opened = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', leader.get(url).get_data(as_text=True))
    version = int(next(g for g in opened.groups() if g))
    assert leader.post(url, data=_absence_form(absence, week, "sick", version)).status_code == 302
    stale = leader.post(url, data=_absence_form(absence, week, "training course", version))
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "This absence was changed since you opened it" in page
    assert 'value="training course"' in page  # what the user typed is still in the form
    db.session.expire_all()
    assert db.session.get(Absence, absence.id).reason == "sick"


def test_two_absence_edits_at_once_give_one_save_and_one_409(demo_app, north):
    team, week = north
    absence = _an_absence(team, week)
    absence_id, version, team_id = absence.id, absence.version_id, team.id
    browsers = [_leader_browser(demo_app) for _ in range(2)]
    forms = [_absence_form(absence, week, reason, version) for reason in ("sick", "training")]

    def save(browser, form):
        return lambda: browser.post(f"/rota/t/{team_id}/absences/{absence_id}", data=form).status_code

    results = race([save(b, f) for b, f in zip(browsers, forms)], "absences")
    assert sorted(results) == [302, 409]
    db.session.expire_all()
    assert db.session.get(Absence, absence_id).reason == forms[results.index(302)]["reason"]


def _advisor_form(advisor: Advisor, name: str, version) -> dict:
    return {"name": name, "team": advisor.team_id, "skills": [s.id for s in advisor.skills], "does_support": "y",
            "work_pattern": "mon 09:00-17:00\ntue 09:00-17:00", "protected_minutes": advisor.protected_minutes,
            "max_appointments_per_day": "", "max_caseload": "", "active": "y", "version": version}


def test_an_advisor_saved_since_the_form_was_opened_is_a_409(demo_client, demo_auth, demo_app):
    advisor = m.user("advisor2").advisor
    demo_auth.login("admin")
    opened = demo_client.get(f"/admin/advisors/{advisor.id}").get_data(as_text=True)
    version = int(re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', opened).group(1)
                  or re.search(r'value="(\d+)"[^>]*name="version"', opened).group(1))
    # Meanwhile the team leader sets the advisor's standing protected target.
    leader = _leader_browser(demo_app)
    team = advisor.team
    week = re.search(r"/rota/t/\d+/(\d{4}-\d{2}-\d{2})/", leader.get(f"/rota/t/{team.id}/").get_data(as_text=True)
                     ).group(1)
    assert leader.post(f"/rota/t/{team.id}/{week}/advisors/{advisor.id}/protected",
                       data={"minutes": 300, "scope": "standing"}).status_code == 302
    stale = demo_client.post(f"/admin/advisors/{advisor.id}", data=_advisor_form(advisor, "Renamed Advisor", version))
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "This advisor was changed since you opened the form" in page
    assert 'value="Renamed Advisor"' in page
    db.session.expire_all()
    saved = db.session.get(Advisor, advisor.id)
    assert saved.protected_minutes == 300 and saved.name != "Renamed Advisor"


def test_two_advisor_saves_at_once_give_one_save_and_one_409(demo_app):
    advisor = m.user("advisor2").advisor
    advisor_id, version = advisor.id, advisor.version_id
    forms = [_advisor_form(advisor, name, version) for name in ("First Name", "Second Name")]
    browsers = [_signed_in(demo_app, "admin") for _ in forms]

    def save(browser, form):
        return lambda: browser.post(f"/admin/advisors/{advisor_id}", data=form).status_code

    results = race([save(b, f) for b, f in zip(browsers, forms)], "advisors")
    assert sorted(results) == [302, 409]
    db.session.expire_all()
    assert db.session.get(Advisor, advisor_id).name == forms[results.index(302)]["name"]


def test_two_preferences_added_at_once_lose_neither_silently(demo_app):
    """The advisor's preferred protected time is a list on the advisor row: two adds at once used to keep one."""
    advisor = m.user("advisor1").advisor
    before = len(advisor.protected_preferences or [])
    browsers = [_signed_in(demo_app, "advisor1") for _ in range(2)]

    def add(browser, day):
        return lambda: browser.post("/me/time/weekly", data={"day": day, "start": "14:00", "end": "15:00"}).status_code

    results = race([add(browsers[0], "tue"), add(browsers[1], "thu")], "advisors")
    db.session.expire_all()
    kept = db.session.scalar(select(Advisor).where(Advisor.id == advisor.id)).protected_preferences
    assert len(kept) == before + results.count(302)  # each success is kept; a loser is told (409), not dropped
    assert 302 in results and all(r in (302, 409) for r in results)
