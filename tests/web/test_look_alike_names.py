"""Client references (per team) and team names are unique by values.name_key: two that differ only by case
(over all of Unicode) or by a zero-width non-joiner/joiner (U+200C ZWNJ, U+200D ZWJ) look the same, so the second
is refused on every path that creates or renames one (the new-client form, the clients CSV import, the admin's
team form, creating and renaming), naming the field or row and the stored twin, keeping what was typed, never a
500. `flask check-names` lists the look-alikes (and names now refused) stored before, changing nothing."""
from __future__ import annotations

import io

from sqlalchemy import func, insert, select

from caseload.extensions import db
from caseload.models import Client, Team

WITH_ZWNJ = "علی\u200cرضا"  # a Persian reference with a ZWNJ, as a Persian keyboard writes it
WITHOUT = "علیرضا"  # the same on screen, without it


def _count(model, **where) -> int:
    return db.session.scalar(select(func.count(model.id)).filter_by(**where))


def _new_client(leader, team: Team, reference: str, name: str):
    return leader.post(f"/rota/t/{team.id}/clients/new", data={
        "reference": reference, "name": name, "named_advisor": 0, "need": 0, "complexity": 1})


def _import(leader, team: Team, body: str):
    return leader.post(f"/rota/t/{team.id}/import/clients",
                       data={"file": (io.BytesIO(body.encode()), "c.csv")}, content_type="multipart/form-data")


def test_the_client_form_refuses_a_reference_differing_only_by_a_joiner(leader, north):
    team, _ = north
    assert _new_client(leader, team, WITH_ZWNJ, "Ali Reza").status_code == 302
    twin = _new_client(leader, team, WITHOUT, "Kept Typed Name")
    page = twin.get_data(as_text=True)
    assert twin.status_code == 400
    assert (f"Team north already has a client with reference {WITHOUT} (stored as {WITH_ZWNJ}: they differ only by "
            "an invisible joiner (U+200C ZWNJ or U+200D ZWJ))") in page
    assert "Kept Typed Name" in page  # what was typed is kept in the form
    assert _count(Client, team_id=team.id, name="Kept Typed Name") == 0


def test_the_client_form_refuses_a_reference_differing_only_by_non_ascii_case(leader, north):
    team, _ = north
    assert _new_client(leader, team, "ÉLISE-1", "Élise").status_code == 302
    twin = _new_client(leader, team, "élise-1", "Twin")
    assert twin.status_code == 400
    assert ("already has a client with reference élise-1 (stored as ÉLISE-1: they differ only by case)."
            in twin.get_data(as_text=True))


def test_the_import_refuses_look_alike_references_in_one_file(leader, north):
    team, _ = north
    before = _count(Client, team_id=team.id)
    response = _import(leader, team, f"reference,name\r\n{WITH_ZWNJ},One\r\n{WITHOUT},Two\r\nÉ1,Three\r\né1,Four\r\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported" in page
    assert "<td>3</td><td>reference</td>" in page and "<td>5</td><td>reference</td>" in page
    assert f"{WITHOUT} is also on line 2 (written as {WITH_ZWNJ}: they differ only by an invisible joiner" in page
    assert "é1 is also on line 4 (written as É1: they differ only by case)" in page
    assert _count(Client, team_id=team.id) == before


def test_the_import_refuses_a_reference_that_looks_like_a_stored_one(leader, north):
    team, _ = north
    assert _new_client(leader, team, WITH_ZWNJ, "Ali Reza").status_code == 302
    response = _import(leader, team, f"reference,name\r\n{WITHOUT},Two\r\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "<td>2</td><td>reference</td>" in page
    assert f"team north already has {WITHOUT} (stored as {WITH_ZWNJ}: they differ only by an invisible joiner" in page
    assert _count(Client, team_id=team.id, name="Two") == 0
    # Asked to update, the row updates the stored client (under its stored reference), as case always did.
    update = leader.post(f"/rota/t/{team.id}/import/clients", data={
        "file": (io.BytesIO(f"reference,name\r\n{WITHOUT},Renamed\r\n".encode()), "c.csv"), "replace": "y"},
        content_type="multipart/form-data")
    assert update.status_code == 302, update.get_data(as_text=True)[:800]
    assert db.session.scalar(select(Client.name).where(Client.team_id == team.id,
                                                       Client.reference == WITH_ZWNJ)) == "Renamed"
    assert _count(Client, team_id=team.id, reference=WITHOUT) == 0


def _save_team(admin_client, name: str, team: Team | None = None):
    url = f"/admin/teams/{team.id}" if team else "/admin/teams"
    data = {"name": name, "timezone": "Europe/London", "leader": 0}
    if team:
        data["version"] = team.edit_version
    return admin_client.post(url, data=data)


def test_the_team_form_refuses_look_alike_names_on_create_and_rename(demo_client, demo_auth):
    demo_auth.login("admin")
    assert _save_team(demo_client, "تیم\u200cشمال").status_code == 302
    assert _save_team(demo_client, "Équipe Est").status_code == 302
    for name, stored, apart in (("تیمشمال", "تیم\u200cشمال", "an invisible joiner"),
                                ("équipe est", "Équipe Est", "case")):
        created = _save_team(demo_client, name)
        page = created.get_data(as_text=True)
        assert created.status_code == 400 and "Name:" in page
        assert f"There is already a team called {name} (stored as {stored}: they differ only by {apart}" in page
        assert _count(Team, name=name) == 0
        south = db.session.scalar(select(Team).where(Team.name == "south"))
        renamed = _save_team(demo_client, name, south)
        assert renamed.status_code == 400 and f"(stored as {stored}: they differ only by {apart}" in renamed.get_data(
            as_text=True)
        db.session.expire_all()
        assert db.session.get(Team, south.id).name == "south"
    # A team keeps its own name in another case: only other teams' names are looked at.
    own = db.session.scalar(select(Team).where(Team.name == "Équipe Est"))
    assert _save_team(demo_client, "ÉQUIPE EST", own).status_code == 302


def test_check_names_lists_stored_names_the_checks_now_refuse_and_changes_nothing(demo_app):
    runner = demo_app.test_cli_runner()
    clean = runner.invoke(args=["check-names"])
    assert clean.exit_code == 0 and "Every stored name passes the checks." in clean.output
    north = db.session.scalar(select(Team).where(Team.name == "north"))
    stored = db.session.scalars(select(Client).where(Client.team_id == north.id).order_by(Client.id)).first()
    # Stored before the checks existed, written straight to the database (the look-alikes as migration 0021 leaves
    # them: their key unset, else the database refuses them):
    spoof = Client(team=north, reference="X-1", name="Ann\u202eenoJ", complexity=1)
    db.session.add(spoof)
    twin = db.session.get(Client, db.session.execute(insert(Client).values(
        team_id=north.id, reference=stored.reference.lower(), reference_key=None, name="Twin", complexity=1,
        version_id=1).returning(Client.id)).scalar_one())
    look_alike_team = db.session.get(Team, db.session.execute(insert(Team).values(
        name="NORTH", name_key=None, timezone="UTC").returning(Team.id)).scalar_one())
    db.session.commit()
    found = runner.invoke(args=["check-names"])
    assert found.exit_code == 1, found.output
    lines = found.output.splitlines()
    assert f'clients #{spoof.id} name "Ann\\u202eenoJ": contains an invisible character that changes' in found.output
    assert (f'clients #{twin.id} reference "{twin.reference}": looks the same as "{stored.reference}" '
            f'(#{stored.id}, same team): they differ only by case or ZWNJ/ZWJ; its key is unset (NULL), so its '
            'uniqueness is not enforced') in lines, lines
    assert (f'teams #{look_alike_team.id} name "NORTH": looks the same as "north" (#{north.id}): they differ only '
            'by case or ZWNJ/ZWJ; its key is unset (NULL), so its uniqueness is not enforced') in lines, lines
    assert "3 stored name(s) to retype by hand; nothing was changed." in found.output
    db.session.expire_all()
    assert db.session.get(Client, spoof.id).name == "Ann\u202eenoJ"
    assert db.session.get(Team, look_alike_team.id).name == "NORTH"
