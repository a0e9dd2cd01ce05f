"""Two saves at the same moment of look-alike names (differing only by case or ZWNJ/ZWJ) cannot both succeed: the
check before writing passes for both, and the database's UNIQUE name keys (clients.reference_key per team,
teams.name_key: models.name_keys) refuse the second, which each path turns into its field's error (the typed text
kept, nothing saved), never a 500.

How the other save is made, on PostgreSQL and on SQLite: tests/web/race_support.py."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import Client, Team
from tests.web.race_support import committed_when_writing, kept as _kept

WITH_ZWNJ = "علی\u200cرضا"
WITHOUT = "علیرضا"


def _count(model, **where) -> int:
    return db.session.scalar(select(func.count(model.id)).filter_by(**where))


def test_a_racing_look_alike_reference_on_the_client_form_is_a_field_error(leader, north):
    team, _ = north
    with committed_when_writing(Client, team_id=team.id, reference=WITH_ZWNJ, name="Saved first", complexity=1,
                                version_id=1) as twin:
        response = leader.post(f"/rota/t/{team.id}/clients/new", data={
            "reference": WITHOUT, "name": "Kept Typed Name", "named_advisor": 0, "need": 0, "complexity": 1})
    page = response.get_data(as_text=True)
    assert twin, "the twin was not written: the race did not happen"
    assert response.status_code == 400, page[-1500:]
    assert f"Team north already has a client with reference {WITHOUT}" in page
    if _kept():  # the refusal names the stored twin when it stays
        assert f"{WITHOUT} (stored as {WITH_ZWNJ}: they differ only by an invisible joiner" in page
    assert "Kept Typed Name" in page
    db.session.expire_all()
    assert _count(Client, team_id=team.id, name="Kept Typed Name") == 0
    assert _count(Client, team_id=team.id, name="Saved first") == int(_kept())


def test_a_racing_look_alike_reference_in_a_clients_import_names_its_row(leader, north):
    team, _ = north
    before = _count(Client, team_id=team.id)
    with committed_when_writing(Client, bulk=True, team_id=team.id, reference="RACE-2", name="Saved first",
                                complexity=1, version_id=1) as twin:
        response = leader.post(f"/rota/t/{team.id}/import/clients", data={
            "file": (io.BytesIO(b"reference,name\r\nrace-1,One\r\nrace-2,Two\r\n"), "c.csv")},
            content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert twin, "the twin was not written: the race did not happen"
    assert response.status_code == 400, page[-1500:]
    if _kept():  # the row is named, with the stored twin
        assert "<td>3</td><td>reference</td>" in page
        assert "team north gained race-2 (stored as RACE-2: they differ only by case) while the file was read" in page
    else:  # the twin went with the refused transaction: the field alone
        assert "<td>reference</td><td>team north gained one of these references while the file was read" in page
    db.session.expire_all()
    assert _count(Client, team_id=team.id) == before + int(_kept())  # nothing of the file was saved


def test_a_racing_look_alike_team_name_is_a_field_error_on_create_and_rename(demo_client, demo_auth):
    demo_auth.login("admin")
    with committed_when_writing(Team, name="Équipe Ouest", timezone="UTC") as twin:
        created = demo_client.post("/admin/teams", data={"name": "équipe ouest", "timezone": "Europe/London",
                                                         "leader": 0})
    page = created.get_data(as_text=True)
    assert twin and created.status_code == 400, page[-1500:]
    assert "There is already a team called équipe ouest" in page
    if _kept():
        assert "équipe ouest (stored as Équipe Ouest: they differ only by case)" in page
    assert 'value="équipe ouest"' in page  # what was typed is kept
    south = db.session.scalar(select(Team).where(Team.name == "south"))
    with committed_when_writing(Team, name="تیم\u200cجنوب", timezone="UTC") as twin:
        renamed = demo_client.post(f"/admin/teams/{south.id}", data={
            "name": "تیمجنوب", "timezone": "Europe/London", "leader": 0, "version": south.edit_version})
    assert twin and renamed.status_code == 400, renamed.get_data(as_text=True)[-1500:]
    assert "There is already a team called تیمجنوب" in renamed.get_data(as_text=True)
    if _kept():
        assert "(stored as تیم\u200cجنوب: they differ only by an invisible joiner" in renamed.get_data(as_text=True)
    db.session.expire_all()
    assert _count(Team, name="équipe ouest") == 0 and db.session.get(Team, south.id).name == "south"


def test_the_database_itself_refuses_a_look_alike_and_a_rename_or_erasure_moves_the_key(north):
    """The keys are filled on every write: an ORM insert, and a rename (erasure replaces the reference)."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    team, _ = north
    first = Client(team=team, reference="Élise-7", name="One", complexity=1)
    db.session.add(first)
    db.session.commit()
    assert first.reference_key == "élise-7"
    db.session.add(Client(team=team, reference="ÉLISE-7", name="Two", complexity=1))
    with pytest.raises(IntegrityError, match="reference_key"):
        db.session.commit()
    db.session.rollback()
    first.reference = "ERASED-x"
    db.session.commit()
    assert db.session.scalar(select(Client.reference_key).where(Client.id == first.id)) == "erased-x"
    db.session.add(Client(team=team, reference="ÉLISE-7", name="Two", complexity=1))
    db.session.commit()  # the key was freed by the rename


def test_the_imports_bulk_insert_fills_each_key(leader, north):
    """The import's one bulk INSERT goes round the ORM's unit of work: the column default still fills each key."""
    team, _ = north
    response = leader.post(f"/rota/t/{team.id}/import/clients", data={
        "file": (io.BytesIO(f"reference,name\r\nBULK-É1,One\r\n{WITH_ZWNJ}-2,Two\r\n".encode()), "c.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    keys = dict(db.session.execute(select(Client.reference, Client.reference_key).where(
        Client.team_id == team.id, Client.name.in_(["One", "Two"]))).all())
    assert keys == {"BULK-É1": "bulk-é1", f"{WITH_ZWNJ}-2": f"{WITHOUT}-2"}
