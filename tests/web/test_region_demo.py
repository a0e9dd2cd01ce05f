"""`flask seed-demo --teams N`: a region of N teams, each with its own leader; bad counts are refused by name."""
from __future__ import annotations

from sqlalchemy import func, select

from caseload.models import AppointmentRequest, Client, Team, User
from tests.clock import DEMO_WEEK


def test_seed_demo_teams_builds_a_region_and_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--teams", "4", "--clients", "6", "--requests", "8"])
    assert result.exit_code == 0, result.output
    assert "teams north, south, office03, office04" in result.output
    session = app.extensions["caseload_db"].session
    teams = {t.name: t for t in session.scalars(select(Team))}
    assert sorted(teams) == ["north", "office03", "office04", "south"]
    assert teams["office04"].leader.username == "leader4"
    for team in teams.values():
        assert session.scalar(select(func.count(Client.id)).where(Client.team_id == team.id)) == 6
        # The week's requests (the past appointments seed-demo books are last week's: test_demo_new_user.py).
        assert session.scalar(select(func.count(AppointmentRequest.id)).where(
            AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == DEMO_WEEK)) == 8
    users = session.scalar(select(func.count(User.id)))
    again = runner.invoke(args=["seed-demo", "--teams", "4", "--clients", "6", "--requests", "8"])
    assert again.exit_code == 0 and "already present" in again.output
    assert session.scalar(select(func.count(User.id))) == users


def test_seed_demo_refuses_a_team_count_below_one(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--teams", "0"])
    assert result.exit_code != 0 and "--teams" in result.output
