"""The command line ends bad input with one clear sentence and a non-zero exit, never a traceback: a username
taken but for case, a file that cannot be written, a week outside the app's range (said with its year in full)."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import Advisor, Role, Team, User
from caseload.services.people.accounts import authenticate
from caseload.services.people.users import UserError, create_user

PASSWORD = "longenoughpassword1"


def _users(name: str) -> int:
    return db.session.scalar(select(func.count(User.id)).where(func.lower(User.username) == name.lower()))


@pytest.mark.parametrize("username", ["leader", "Leader", "LEADER"])
def test_create_user_refuses_a_username_taken_but_for_case(demo_app, username):
    """`leader` again was a raw IntegrityError traceback; `Leader` made an account sign-in never reaches
    (accounts.authenticate matches lower(username) and takes the first)."""
    out = demo_app.test_cli_runner().invoke(args=["create-user", username, "--role", "advisor",
                                                  "--password", PASSWORD])
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), (out.output, out.exception)  # ClickException
    assert "Traceback" not in out.output and "IntegrityError" not in out.output
    assert f"{username} is already taken" in out.output
    assert _users("leader") == 1
    assert authenticate("leader", "demo") is not None  # the demo account still signs in


def test_the_service_refuses_it_for_every_path(demo_app):
    with pytest.raises(UserError) as refused:
        create_user("Leader", "Another Leader", Role.ADVISOR, PASSWORD)
    assert refused.value.field == "username" and "as leader" in str(refused.value)
    assert _users("leader") == 1


def test_a_new_username_is_still_created(demo_app):
    out = demo_app.test_cli_runner().invoke(args=["create-user", "newcomer", "--role", "advisor",
                                                  "--password", PASSWORD])
    assert out.exit_code == 0, out.output
    assert authenticate("newcomer", PASSWORD) is not None


def test_seed_demo_takes_an_account_made_by_hand_but_for_case_as_its_own(app):
    """An `Admin` made with create-user, then seed-demo: the demo added `admin` beside it (two accounts
    sign-in cannot tell apart)."""
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-user", "Admin", "--role", "administrator", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    seeded = runner.invoke(args=["seed-demo", "--clients", "6", "--requests", "4", "--no-past", "--no-holidays"])
    assert seeded.exit_code == 0, seeded.output
    assert _users("admin") == 1


def test_seed_demo_takes_a_team_named_but_for_case_as_its_own(app):
    """A team `North` made by an administrator, then seed-demo: a raw IntegrityError traceback (teams.name_key),
    as the demo looked for `north` exactly."""
    db.session.add(Team(name="North", timezone="Europe/London"))
    db.session.commit()
    seeded = app.test_cli_runner().invoke(args=["seed-demo", "--clients", "6", "--requests", "4", "--no-past",
                                                "--no-holidays"])
    assert seeded.exit_code == 0, (seeded.output, seeded.exception)
    assert sorted(db.session.scalars(select(Team.name))) == ["North", "south"]


@pytest.mark.parametrize("username, role, needed", [("Leader", "advisor", "leader as team leader"),
                                                     ("Advisor1", "administrator", "advisor1 as advisor")])
def test_seed_demo_never_takes_over_an_account_of_another_role(app, username, role, needed):
    """An advisor `Leader` became north's team leader; an administrator `Advisor1` was given a caseload. Now the
    demo stops with one sentence naming the account and its role, exit 1, and nothing of it is written."""
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-user", username, "--role", role, "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    seeded = runner.invoke(args=["seed-demo", "--clients", "6", "--requests", "4", "--no-past", "--no-holidays"])
    assert seeded.exit_code == 1 and isinstance(seeded.exception, SystemExit), (seeded.output, seeded.exception)
    assert "Traceback" not in seeded.output
    assert f"The account {username} exists as {Role(role).label.lower()}, and the demo needs {needed}" in seeded.output
    assert "nothing was changed" in seeded.output
    db.session.expire_all()
    assert list(db.session.scalars(select(User.username))) == [username]  # no demo account, team or advisor made
    assert db.session.scalar(select(func.count(Team.id))) == 0
    assert db.session.scalar(select(func.count(Advisor.id))) == 0
    assert db.session.scalar(select(User.role).where(User.username == username)) == Role(role)


def test_seed_demo_run_again_keeps_its_own_accounts(app):
    runner = app.test_cli_runner()
    args = ["seed-demo", "--clients", "6", "--requests", "4", "--no-past", "--no-holidays"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 0 and "nothing added" in again.output, again.output


@pytest.mark.parametrize("command", [["export-problem"], ["export-plan"]])
def test_an_out_path_in_a_missing_folder_is_a_clean_error(demo_app, tmp_path, command):
    """`--out /nonexistent/dir/p.json` ended in a FileNotFoundError traceback (export-problem)."""
    path = tmp_path / "nowhere" / "p.json"
    out = demo_app.test_cli_runner().invoke(args=["week", *command, "--team", "north", "--week", "this",
                                                  "--out", str(path)])
    assert out.exit_code == 2 and not isinstance(out.exception, OSError), out.output
    assert str(path) in out.output and "does not exist" in out.output
    assert not path.parent.exists()


def test_a_problem_out_in_a_missing_folder_is_refused_before_anything_is_written(demo_app, tmp_path):
    out_path, problem_path = tmp_path / "s.json", tmp_path / "gone" / "p.json"
    out = demo_app.test_cli_runner().invoke(args=["week", "export-plan", "--team", "north", "--week", "this",
                                                  "--out", str(out_path), "--problem-out", str(problem_path)])
    assert out.exit_code == 2 and str(problem_path) in out.output
    assert not out_path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_out_path_in_a_read_only_folder_is_a_clean_error(demo_app, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        out = demo_app.test_cli_runner().invoke(args=["week", "export-problem", "--team", "north", "--week", "this",
                                                      "--out", str(folder / "p.json")])
    finally:
        folder.chmod(0o700)
    assert out.exit_code == 2 and "not writable" in out.output and str(folder / "p.json") in out.output


def test_an_out_path_that_is_a_folder_is_a_clean_error(demo_app, tmp_path):
    out = demo_app.test_cli_runner().invoke(args=["week", "export-problem", "--team", "north", "--week", "this",
                                                  "--out", str(tmp_path)])
    assert out.exit_code == 2 and "is a directory" in out.output


@pytest.mark.parametrize("week, said", [
    ("0001-01-01", "The week of 0001-01-01 is outside the weeks the app plans"),
    ("0001-01-02", "0001-01-02 is a Tuesday"),
    ("0999-12-30", "The week of 0999-12-30 is outside"),
])
def test_a_week_far_outside_the_range_is_said_with_its_year_in_full(demo_app, tmp_path, week, said):
    """It printed "The week of 1-01-01" (strftime's %Y does not pad years before 1000)."""
    out = demo_app.test_cli_runner().invoke(args=["week", "export-problem", "--team", "north", "--week", week,
                                                  "--out", str(tmp_path / "p.json")])
    assert out.exit_code == 2 and said in out.output, out.output


@pytest.mark.parametrize("typed", ["North", " NORTH ", "nor\u200dth"])
def test_team_is_found_by_its_name_but_for_case_and_joiners(demo_app, tmp_path, typed):
    """`--team North` was 'no team named' for the stored `north` (Team.name == name), though names are unique
    and searched by values.name_key everywhere else."""
    out = demo_app.test_cli_runner().invoke(args=["week", "export-problem", "--team", typed, "--week", "this",
                                                  "--out", str(tmp_path / "p.json")])
    assert out.exit_code == 0, (out.output, out.exception)
    assert (tmp_path / "p.json").exists()


def test_a_team_name_two_old_look_alikes_share_is_refused_as_ambiguous_unless_typed_exactly(demo_app, tmp_path):
    """A look-alike stored before 0021 (its name_key left NULL) beside `north`: 'NORTH' names neither exactly,
    so it is refused in words naming both; 'North' typed exactly is that team."""
    db.session.execute(Team.__table__.insert().values(name="North", name_key=None, timezone="Europe/London"))
    db.session.commit()
    runner = demo_app.test_cli_runner()
    out = runner.invoke(args=["week", "export-problem", "--team", "NORTH", "--week", "this",
                              "--out", str(tmp_path / "p.json")])
    assert out.exit_code == 2 and "ambiguous" in out.output and "North, north" in out.output, out.output
    assert not (tmp_path / "p.json").exists()
    exact = runner.invoke(args=["week", "export-problem", "--team", "North", "--week", "this",
                                "--out", str(tmp_path / "p.json")])
    assert exact.exit_code != 2 and "ambiguous" not in exact.output, exact.output
