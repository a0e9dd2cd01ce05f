"""One advisor record, one account: linking a record another account holds is a field error under "Advisor record"
naming that account, the form as typed, nothing saved; also when the other administrator links it at the same
moment (the other save made for real between the check and the write: tests/web/race_support.py). Before, a
record taken since the form was opened was "Not a valid choice" (not saying by whom), and one taken at the same
moment was taken from the first account unseen or answered with the generic 409 page, what was typed gone."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from caseload.extensions import db
from caseload.models import Advisor, AuditEvent, Role, Team, User
from caseload.services.people.users import UsernameTaken, create_user
from tests.web.race_support import committed_when_writing, kept


@pytest.fixture
def office(client, auth, make_user):
    make_user("administrator", "ann")
    bob = make_user("advisor", "bob", display_name="Bob Jones")
    cat = make_user("advisor", "cat", display_name="Cat Smith")
    dan = make_user("advisor", "dan", display_name="Dan Ode")
    team = Team(name="North", timezone="Europe/London")
    db.session.add(team)
    db.session.flush()
    held = Advisor(name="Sam Patel", team_id=team.id, user_id=bob.id)
    free = Advisor(name="Ria Khan", team_id=team.id)
    db.session.add_all([held, free])
    db.session.commit()
    auth.login("ann")
    return {"bob": bob, "cat": cat, "dan": dan, "held": held, "free": free, "team": team}


def _form(user: User, advisor: Advisor, **over) -> dict:
    return {"display_name": "Cat Typed", "role": "advisor", "active": "y", "advisor": advisor.id,
            "version": user.edit_version, **over}


def _links() -> dict[str, str | None]:
    db.session.expire_all()
    return {a.name: a.user.username if a.user else None for a in db.session.scalars(select(Advisor))}


def _audited() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def _chosen(page: str, advisor: Advisor) -> bool:
    return f'<option selected value="{advisor.id}">' in page or f'<option value="{advisor.id}" selected>' in page


def test_linking_a_record_another_account_holds_names_that_account_keeping_the_form(client, office):
    cat, held = office["cat"], office["held"]
    audited = _audited()
    response = client.post(f"/admin/users/{cat.id}", data=_form(cat, held))
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[-1500:]
    assert "Sam Patel is already linked to the account bob (Bob Jones)." in page
    assert 'value="Cat Typed"' in page and _chosen(page, held)  # as typed, the record chosen shown chosen
    assert _links() == {"Sam Patel": "bob", "Ria Khan": None}
    assert db.session.get(User, cat.id).display_name == "Cat Smith" and _audited() == audited


def test_a_record_linked_to_another_account_at_the_same_moment_is_the_same_field_error(client, office):
    cat, dan, free = office["cat"], office["dan"], office["free"]
    audited = _audited()
    with committed_when_writing(Advisor, statements=True, updating=free.id, user_id=dan.id) as twin:
        response = client.post(f"/admin/users/{cat.id}", data=_form(cat, free))
    page = response.get_data(as_text=True)
    assert twin, "the other save was not made: the race did not happen"
    assert response.status_code == 400, page[-1500:]
    assert "Ria Khan is already linked to the account dan (Dan Ode)." in page
    assert 'value="Cat Typed"' in page and _chosen(page, free)
    # The other administrator's link stands (PostgreSQL; on SQLite it went with the refused save): never cat's.
    assert _links() == {"Sam Patel": "bob", "Ria Khan": "dan" if kept() else None}
    assert db.session.get(User, cat.id).display_name == "Cat Smith" and _audited() == audited
    if not kept():  # nothing of the refused save was left behind: the same form, sent again, saves
        again = client.post(f"/admin/users/{cat.id}", data=_form(cat, free, version=1))
        assert again.status_code == 302, again.get_data(as_text=True)[-1500:]
        assert _links() == {"Sam Patel": "bob", "Ria Khan": "cat"}


def test_another_record_linked_to_the_account_at_the_same_moment_is_a_field_error(client, office):
    """The UNIQUE advisors.user_id refuses a second record for one account (a script linking it without the
    form's version, say): an "Advisor record" error, not the generic 409 page."""
    cat, free, team = office["cat"], office["free"], office["team"]
    with committed_when_writing(Advisor, statements=True, name="Linked first", team_id=team.id, user_id=cat.id,
                                does_support=True, does_policing=False, work_pattern={}, protected_minutes=240,
                                protected_preferences=[], active=True, version_id=1) as twin:
        response = client.post(f"/admin/users/{cat.id}", data=_form(cat, free))
    page = response.get_data(as_text=True)
    assert twin and response.status_code == 400, page[-1500:]
    assert "Another advisor record was linked to this account at the same moment" in page
    assert 'value="Cat Typed"' in page and _chosen(page, free)
    assert _links() == {"Sam Patel": "bob", "Ria Khan": None, **({"Linked first": "cat"} if kept() else {})}


def test_create_user_names_a_taken_username_only_for_a_unique_key(app):
    """users.create_user: a UNIQUE key at its write is "already taken"; another integrity rule (here the role's NOT
    NULL) is raised as it is, not reported as a taken username."""
    with pytest.raises(IntegrityError):
        create_user("dana", "Dana", None, "long-enough")  # type: ignore[arg-type]
    db.session.rollback()
    with committed_when_writing(User, username="erin", username_key="erin", display_name="Erin", role="advisor",
                                password_hash="x", active=True, session_version=1, edit_version=1) as twin:
        with pytest.raises(UsernameTaken, match="^Erin is already taken"):
            create_user("Erin", "Erin", Role.ADVISOR, "long-enough")
    assert twin
