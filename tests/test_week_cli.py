"""The `week` command line: export the demo week's problem, plan it, export the plan, and check it
with the scheduler's own checker in a separate process."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from caseload.services.demo import REQUESTS_PER_TEAM
from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Plan, SolveJob, Team

pytestmark = pytest.mark.slow


def test_export_plan_and_check_the_demo_week(demo_app, tmp_path):
    runner = demo_app.test_cli_runner()
    week = this_week_start("Europe/London").isoformat()
    problem_path, solution_path = tmp_path / "problem.json", tmp_path / "solution.json"

    exported = runner.invoke(args=["week", "export-problem", "--team", "north", "--week", week, "--out", str(problem_path)])
    assert exported.exit_code == 0, exported.output
    problem = json.loads(problem_path.read_text())
    assert problem["format"] == "caseload-problem/1" and len(problem["appointments"]) == REQUESTS_PER_TEAM

    planned = runner.invoke(args=["week", "plan", "--team", "north", "--week", week, "--time-limit", "3"])
    assert planned.exit_code == 0, planned.output
    assert "fill" in planned.output and "continuity" in planned.output
    plan = db.session.scalars(select(Plan).order_by(Plan.id.desc())).first()
    assert plan.status == "draft" and plan.team.name == "north"

    out = runner.invoke(args=["week", "export-plan", "--team", "north", "--week", week, "--out", str(solution_path)])
    assert out.exit_code == 0, out.output
    solution = json.loads(solution_path.read_text())
    assert solution["format"] == "caseload-solution/1"
    assert len(solution["assignments"]) + len(solution["unassigned"]) == len(problem["appointments"])

    check = subprocess.run([sys.executable, "-m", "scheduler", "check", str(problem_path), str(solution_path)],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("args, message", [
    (["--team", "nowhere", "--week", "2026-11-23"], "no team named"),
    (["--team", "north", "--week", "2026-11-24"], "is a Tuesday: give the Monday that starts the week"),
])
def test_bad_team_or_week_is_refused(demo_app, tmp_path, args, message):
    result = demo_app.test_cli_runner().invoke(args=["week", "export-problem", *args, "--out", str(tmp_path / "p.json")])
    assert result.exit_code != 0 and message in result.output


def test_export_plan_without_a_plan_fails_clearly(demo_app, tmp_path):
    team = db.session.scalar(select(Team).where(Team.name == "south"))
    week = this_week_start(team.timezone).isoformat()
    result = demo_app.test_cli_runner().invoke(args=["week", "export-plan", "--team", "south", "--week", week,
                                                     "--out", str(tmp_path / "s.json")])
    assert result.exit_code != 0 and "has no plan" in result.output


def test_a_solver_crash_saves_no_draft(demo_app, monkeypatch):
    """The runner hands back a valid fallback plan marked `solver_error` when the solver process died:
    the command fails as the page's planning job does, and saves nothing."""
    from caseload.services.planning import runs as planning
    from scheduler import solve

    def crashed(problem, **options):
        return dict(solve(problem, time_limit=1, workers=1),
                    solver_error="the solver process ended unexpectedly (exit code -9)")

    monkeypatch.setattr(planning, "solver", lambda: crashed)
    before = db.session.scalars(select(Plan)).all()
    week = this_week_start("Europe/London").isoformat()
    planned = demo_app.test_cli_runner().invoke(args=["week", "plan", "--team", "north", "--week", week])
    assert planned.exit_code == 1
    assert "exit code -9" in planned.output and "nothing saved" in planned.output
    assert db.session.scalars(select(Plan)).all() == before


def test_plan_is_refused_while_the_week_has_a_queued_run(demo_app):
    """One run per week, as on the pages (their start is a 409): the command names the run and saves nothing."""
    team = db.session.scalar(select(Team).where(Team.name == "north"))
    week = this_week_start(team.timezone)
    job = SolveJob(team_id=team.id, week_start=week, status="queued", time_limit=3)  # a leader's run, not yet taken
    db.session.add(job)
    db.session.commit()
    plans_before = db.session.scalar(select(func.count(Plan.id)))

    result = demo_app.test_cli_runner().invoke(args=["week", "plan", "--team", "north", "--week", week.isoformat(),
                                                     "--time-limit", "3"])
    assert result.exit_code != 0
    assert f"job {job.id} is queued" in result.output and "already being planned" in result.output
    assert db.session.scalar(select(func.count(Plan.id))) == plans_before
