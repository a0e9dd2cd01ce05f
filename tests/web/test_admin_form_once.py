"""The administrator's forms that add a record (a user, team, skill, advisor, appointment type) are saved once, as
the leader's forms are (caseload.form_once): a double click or a browser's resend of "Add user" said "The username
... is already taken" although the first send had saved it. Now the repeat adds nothing and goes to the saved
record saying so; the used form sent with other entries saves nothing, is shown again as typed (409) with a fresh
token, and sending that saves the new record."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import Advisor, AppointmentType, Skill, Team, User
from tests.web.test_double_submit import _token
from tests.web.test_form_used_again import _typist


def _team_id() -> int:
    return db.session.scalar(select(Team.id).order_by(Team.id))


# (form page, where it posts, the record's model, its edit page's prefix, the first entries, other entries)
FORMS = {
    "user": ("/admin/users", "/admin/users", User, "/admin/users/",
             lambda: {"username": "dana.k", "display_name": "Dana K", "role": "advisor", "password": "long-enough-1"},
             {"username": "eli.m", "display_name": "Eli M", "password": "long-enough-2"}),
    "team": ("/admin/teams", "/admin/teams", Team, "/admin/teams/",
             lambda: {"name": "Riverside", "timezone": "Europe/London", "leader": 0}, {"name": "Hillside"}),
    "skill": ("/admin/skills", "/admin/skills", Skill, "/admin/skills/",
              lambda: {"name": "Debt advice", "code": ""}, {"name": "Housing law"}),
    "advisor": ("/admin/advisors/new", "/admin/advisors/new", Advisor, "/admin/advisors/",
                lambda: {"name": "Priya Shah", "team": _team_id(), "does_support": "y",
                         "work_pattern": "mon 09:00-17:00", "protected_minutes": 60, "active": "y"},
                {"name": "Tom Reyes"}),
    "appointment type": ("/admin/types", "/admin/types", AppointmentType, "/admin/types/",
                         lambda: {"code": "debt-review", "name": "Debt review", "kind": "support", "skill": 0,
                                  "default_minutes": 30, "active": "y"},
                         {"code": "rent-check", "name": "Rent check"}),
}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin(demo_client, demo_auth):
    demo_auth.login("admin")
    return demo_client


@pytest.mark.parametrize("what", FORMS)
def test_a_double_submit_adds_one_record_and_says_it_was_saved(admin, what):
    page, url, model, record_page, entries, _ = FORMS[what]
    shown = admin.get(page).get_data(as_text=True)
    sent = {**entries(), "submission": _token(shown), "typist": _typist(shown)}
    before = _count(model)
    first = admin.post(url, data=sent)
    assert first.status_code in (302, 303), first.get_data(as_text=True)[:2000]
    assert _count(model) == before + 1
    second = admin.post(url, data=sent)  # the double click: the same form, the same token
    assert second.status_code == 303, second.get_data(as_text=True)[:2000]
    assert _count(model) == before + 1
    saved = db.session.scalar(select(model).order_by(model.id.desc()))
    assert second.headers["Location"] == f"{record_page}{saved.id}"  # the saved record's own page
    answer = admin.get(second.headers["Location"]).get_data(as_text=True)
    assert "sent twice" in answer and "nothing was added again" in answer
    assert "already taken" not in answer


@pytest.mark.parametrize("what", FORMS)
def test_a_used_form_with_other_entries_is_shown_again_not_saved(admin, what):
    page, url, model, _, entries, other = FORMS[what]
    shown = admin.get(page).get_data(as_text=True)
    token = _token(shown)
    sent = {**entries(), "submission": token, "typist": _typist(shown)}
    assert admin.post(url, data=sent).status_code in (302, 303)
    before = _count(model)
    changed = {**sent, **other}
    again = admin.post(url, data=changed)  # Back to the form, other entries, Send
    answer = again.get_data(as_text=True)
    assert again.status_code == 409, answer[:2000]
    assert "already been used to save an earlier entry" in answer and "NOT saved" in answer
    assert "sent twice" not in answer and "already taken" not in answer
    typed = next(v for k, v in other.items() if k != "password")
    assert f'value="{typed}"' in answer  # what was typed is kept
    assert _count(model) == before
    fresh = _token(answer)
    assert fresh != token
    saved = admin.post(url, data={**changed, "submission": fresh, "typist": _typist(answer)})
    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:2000]
    assert _count(model) == before + 1


def test_a_refused_add_user_does_not_use_the_token_up(admin):
    shown = admin.get("/admin/users").get_data(as_text=True)
    sent = {"username": "admin", "display_name": "Twin", "role": "advisor", "password": "long-enough-1",
            "submission": _token(shown), "typist": _typist(shown)}
    refused = admin.post("/admin/users", data=sent)
    assert refused.status_code == 400 and "already taken" in refused.get_data(as_text=True)
    corrected = admin.post("/admin/users", data={**sent, "username": "twin.a"})
    assert corrected.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.scalar(select(User).filter_by(username="twin.a")) is not None


def test_an_edit_form_carries_no_token(admin):
    """Edits are guarded by their version (a save since is a 409), not a one-time token."""
    team_id = _team_id()
    assert not re.search(r'name="submission"', admin.get(f"/admin/teams/{team_id}").get_data(as_text=True))
