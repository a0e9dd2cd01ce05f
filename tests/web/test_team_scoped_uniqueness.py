"""Client references are unique per team, and no refusal tells a leader what another team holds
(issue 12, kind 10): the form, the CSV import, the API and the database constraint itself."""
from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError

from caseload import migrate
from caseload.database import Base
from caseload.extensions import db
from caseload.models import Advisor, Client, Team
from tests.web import access_matrix as m
from tests.web.api_support import ApiClient


def _team(name: str) -> Team:
    return db.session.scalar(select(Team).where(Team.name == name))


def _clients(team: Team, reference: str) -> list[Client]:
    return list(db.session.scalars(select(Client).where(Client.team_id == team.id, Client.reference == reference)))


def _new_client(leader, team: Team, reference: str, name: str = "Sol Same"):
    return leader.post(f"/rota/t/{team.id}/clients/new", data={
        "reference": reference, "name": name, "named_advisor": 0, "need": 0, "complexity": 1})


def test_a_reference_of_another_team_can_be_used_and_is_not_revealed(leader, north):
    # The example: S0001 belongs to team south; north's leader creates their own S0001.
    team, _ = north
    south = _team("south")
    assert _clients(south, "S0001")
    response = _new_client(leader, team, "S0001")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert len(_clients(team, "S0001")) == 1 and len(_clients(south, "S0001")) == 1
    # A reference already in the leader's own team is refused, naming the team and the field.
    again = _new_client(leader, team, "s0001", "Twin")
    page = again.get_data(as_text=True)
    assert again.status_code == 400 and "Team north already has a client with reference s0001" in page
    assert "south" not in page


def test_the_clients_import_never_looks_at_another_teams_references(leader, north):
    team, _ = north
    south = _team("south")
    body = b"reference,name\r\nS0002,Sam Two\r\nS0003,Sam Three\r\n"
    response = leader.post(f"/rota/t/{team.id}/import/clients", data={"file": (io.BytesIO(body), "c.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert [c.name for c in _clients(team, "S0002")] == ["Sam Two"] and _clients(south, "S0002")
    # Importing the same file again names the leader's own team only.
    again = leader.post(f"/rota/t/{team.id}/import/clients", data={"file": (io.BytesIO(body), "c.csv")},
                        content_type="multipart/form-data")
    page = again.get_data(as_text=True)
    assert again.status_code == 400 and "team north already has S0002" in page
    assert "another team" not in page and "south" not in page


def test_the_database_holds_references_unique_per_team(demo_app):
    north, south = _team("north"), _team("south")
    db.session.add(Client(team=north, reference="S0001", name="Copy", complexity=1))
    db.session.commit()  # another team's reference: allowed
    db.session.add(Client(team=south, reference="S0001", name="Twin", complexity=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("field", ["named_advisor_id", "pinned_advisor_id"])
def test_the_api_answers_another_teams_advisor_like_a_missing_one(demo_client, field):
    api = ApiClient(demo_client, "leader")
    north, south = m.team("north"), m.team("south")
    theirs = db.session.scalars(select(Advisor).where(Advisor.team_id == south.id)).first().id
    missing = db.session.scalar(select(func.max(Advisor.id))) + 1000

    def send(advisor_id):
        if field == "named_advisor_id":
            client = m.client_of("advisor1")
            return api.patch("/clients/{client_id}", client_id=client.id,
                             json={"version": client.version_id, field: advisor_id})
        from caseload.localtime import this_week_start

        week = this_week_start(north.timezone)
        body = {"client_id": m.client_of("advisor1").id, "type": "follow-up", "duration_minutes": 30,
                "windows": [{"start": f"{week}T09:00", "end": f"{week}T12:00"}],
                field: advisor_id, "pinned_start": f"{week}T09:00"}
        return api.post("/teams/{team_id}/weeks/{week}/requests", team_id=north.id, week=week, json=body)

    other_team, nobody = send(theirs), send(missing)
    assert other_team.status_code == nobody.status_code == 422
    assert other_team.get_json() == nobody.get_json()
    assert other_team.get_json()["fields"] == {field: ["no such advisor in this team"]}


def test_the_migration_makes_references_unique_per_team(tmp_path):
    import caseload.models  # noqa: F401

    url = os.environ.get("CASELOAD_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'per-team.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate.upgrade(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO teams (id, name, timezone) VALUES (1, 'north', 'UTC'), (2, 'south', 'UTC')")
            conn.exec_driver_sql("INSERT INTO clients (team_id, reference, name, complexity, version_id) "
                                 "VALUES (1, 'S0001', 'a', 1, 1), (2, 'S0001', 'b', 1, 1)")
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO clients (team_id, reference, name, complexity, version_id) "
                                 "VALUES (2, 'S0001', 'c', 1, 1)")
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM clients")
            conn.exec_driver_sql("DELETE FROM teams")
    finally:
        migrate.downgrade(url, "base")
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        engine.dispose()
