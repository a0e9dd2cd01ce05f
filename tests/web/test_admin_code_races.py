"""Two administrators adding the same code at the same moment: both duplicate checks see it free, and the
database's UNIQUE code (appointment_types.code, skills.code) refuses the second save. That save answers as its
check would (400, the message under the code field, the form as typed), nothing of it saved; it was a 500-class
"Changed at the same moment" page with what was typed gone. The other save is made for real, between the check
and the write (tests/web/race_support.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentType, AuditEvent, Skill
from tests.web.race_support import committed_when_writing, kept


@pytest.fixture
def admin(client, auth, make_user):
    make_user("administrator", "ann")
    auth.login("ann")
    return client


def _count(model, **where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)).filter_by(**where))


def _audited() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def _type_form(**over) -> dict:
    return {"code": "follow-up", "name": "Typed name", "kind": "support", "skill": 0, "default_minutes": 45,
            "active": "y", **over}


def test_a_racing_appointment_type_code_on_create_is_a_code_error_keeping_the_form(admin):
    audited = _audited()
    with committed_when_writing(AppointmentType, code="follow-up", name="Saved first", kind="support",
                                default_minutes=30, active=True, edit_version=1) as twin:
        response = admin.post("/admin/types", data=_type_form(code=" Follow-Up "))
    page = response.get_data(as_text=True)
    assert twin, "the twin was not written: the race did not happen"
    assert response.status_code == 400, page[-1500:]
    assert "There is already an appointment type with code follow-up." in page
    assert 'value="Typed name"' in page and 'value="45"' in page  # what was typed is shown again
    assert _count(AppointmentType, name="Typed name") == 0
    assert _count(AppointmentType, code="follow-up") == int(kept())  # the winner's row alone
    assert _audited() == audited  # no audit event of the refused save either


def test_a_racing_appointment_type_code_on_rename_is_a_code_error(admin):
    home = AppointmentType(code="home-visit", name="Home visit", kind="support", default_minutes=60)
    db.session.add(home)
    db.session.commit()
    with committed_when_writing(AppointmentType, code="follow-up", name="Saved first", kind="support",
                                default_minutes=30, active=True, edit_version=1) as twin:
        response = admin.post(f"/admin/types/{home.id}", data=_type_form(name="Home visit",
                                                                         version=home.edit_version))
    page = response.get_data(as_text=True)
    assert twin and response.status_code == 400, page[-1500:]
    assert "There is already an appointment type with code follow-up." in page
    db.session.expire_all()
    renamed = db.session.get(AppointmentType, home.id)
    assert (renamed.code, renamed.default_minutes, renamed.edit_version) == ("home-visit", 60, 1)  # nothing saved
    # The same form sent again once the clash is gone saves: the refused save left no claim or lock behind.
    if not kept():
        again = admin.post(f"/admin/types/{home.id}", data=_type_form(name="Home visit", version=1))
        assert again.status_code == 302, again.get_data(as_text=True)[-1500:]
        assert _count(AppointmentType, code="follow-up") == 1


@pytest.mark.parametrize("typed_code, made_code", [("debt", "debt"), ("", "debt-advice")])
def test_a_racing_skill_code_is_a_code_error_keeping_the_form(admin, typed_code, made_code):
    """Typed, or made from the name (code_admin.skill_code_from) when left empty: either can be taken since the
    check."""
    with committed_when_writing(Skill, code=made_code, name="Saved first", edit_version=1) as twin:
        response = admin.post("/admin/skills", data={"code": typed_code, "name": "Debt advice"})
    page = response.get_data(as_text=True)
    assert twin, "the twin was not written: the race did not happen"
    assert response.status_code == 400, page[-1500:]
    assert f"There is already a skill with code {made_code}." in page
    assert 'value="Debt advice"' in page
    assert _count(Skill, name="Debt advice") == 0
    assert _count(Skill, code=made_code) == int(kept())


def test_only_a_unique_key_is_named_as_a_taken_code(app):
    """unique_keys.unique_clash tells a UNIQUE key (a racing twin) from another integrity rule (here NOT NULL), which
    must not be answered as "already taken" (it goes on to the 409 safety net, errors.write_race)."""
    from sqlalchemy.exc import IntegrityError

    from caseload.services.unique_keys import unique_clash

    db.session.add(Skill(code="debt", name="Debt"))
    db.session.commit()
    caught = []
    for row in (Skill(code="debt", name="Again"), Skill(code=None, name="No code")):
        db.session.add(row)
        with pytest.raises(IntegrityError) as err:
            db.session.flush()
        db.session.rollback()
        caught.append(unique_clash(err.value))
    assert caught == [True, False]
