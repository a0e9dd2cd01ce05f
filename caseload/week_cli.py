"""Command line for a team's week: `flask --app caseload week export-problem|plan|export-plan`.

Used by scripts and checks; the same services as the web pages.
"""
from __future__ import annotations

import json
import os
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from caseload.extensions import db
from caseload.models import Team
from caseload.services.planning.boundary import previous_plan, to_problem
from caseload.services.planning.plans import latest_plan
from caseload.services.planning.week_to_plan import week_to_plan
from caseload.services.people.team_lookup import AmbiguousTeam, team_named
from caseload.services.planning import cli_run, runs
from caseload.values import ValueRejected, parse_week

week_cli = AppGroup("week", help="Plan a team's week from the command line.")


class Seconds(click.FloatRange):
    """A solver time limit, 1-3600 seconds: -5, 0, inf and nan are none a run can keep (FloatRange alone lets
    nan through, as every comparison with nan is false)."""

    def convert(self, value, param, ctx):
        seconds = super().convert(value, param, ctx)
        if seconds != seconds:  # nan
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return seconds


SECONDS = Seconds(1, 3600)


def _team(name: str) -> Team:
    """The team `--team` names, found as the pages find names: case and ZWNJ/ZWJ ignored (team_lookup)."""
    try:
        team = team_named(name)
    except AmbiguousTeam as err:
        raise click.BadParameter(str(err), param_hint="--team") from None
    if team is None:
        raise click.BadParameter(f"no team named {name!r}", param_hint="--team")
    return team


def _week(text: str, team: Team) -> date:
    """The week's Monday from `--week`: a date, or `this` for the week the pages open on in the team's
    time zone (planning.week_to_plan: the current week, from Saturday on the next, or the next when only it has
    requests to place; the demo office's week)."""
    if text.strip().lower() == "this":
        return week_to_plan(team)
    try:
        return parse_week(text.strip())
    except ValueRejected as err:
        raise click.BadParameter(str(err), param_hint="--week") from None
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date like 2026-11-23, nor `this`", param_hint="--week") from None


class OutFile(click.Path):
    """A file the command will write: not a folder, in a folder that exists and may be written, refused before
    any work with the path named (click.Path alone checks only a file that already exists)."""

    def __init__(self):
        super().__init__(dir_okay=False, writable=True)

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            self.fail(f"cannot write {path!r}: the folder {folder!r} does not exist", param, ctx)
        if not os.path.exists(path) and not os.access(folder, os.W_OK):
            self.fail(f"cannot write {path!r}: the folder {folder!r} is not writable", param, ctx)
        return path


def _write(document: dict, out: str) -> None:
    """`document` as JSON in `out`; a click error naming the path when it cannot be written (a full disk, a folder
    removed since the options were read), not a traceback."""
    try:
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
    except OSError as err:
        raise click.FileError(out, hint=err.strerror or str(err)) from None


team_option = click.option("--team", "team_name", required=True, help="Team name, e.g. north.")
week_option = click.option("--week", "week_text", required=True,
                           help="The week's Monday, YYYY-MM-DD, or `this`: the week the pages open on "
                                "(the current one; from Saturday on, the next).")


@week_cli.command("export-problem")
@team_option
@week_option
@click.option("--out", required=True, type=OutFile())
def export_problem(team_name, week_text, out):
    """Write the week's caseload-problem/1 document (the published plan, if any, as `previous`)."""
    team = _team(team_name)
    week = _week(week_text, team)
    problem, maps = to_problem(team, week, previous=previous_plan(team, week))
    _write(problem, out)
    click.echo(f"{len(problem['appointments'])} appointments, {len(problem['advisors'])} advisors -> {out}")
    _report(maps)


def _report(maps) -> None:
    """What was left out of the problem, and pins that were ignored, on stderr."""
    for request_id, reason in maps.skipped.items():
        click.echo(f"  left out request {request_id}: {reason}", err=True)
    for warning in maps.warnings:
        click.echo(f"  note: {warning}", err=True)


def _format_figures(figures: dict) -> str:
    return "  ".join(f"{key} {value * 100:.1f}%" if isinstance(value, (int, float)) else f"{key} -"
                     for key, value in figures.items())


def _refuse_if_planning(team: Team, week: date) -> None:
    """A click error naming the week's active job (runs.latest_job, reaping a dead one first, as the web start
    does before raising PlanningBusy)."""
    job = runs.latest_job(team, week)
    if job is not None and job.status in runs.ACTIVE:
        raise click.ClickException(f"team {team.name}'s week of {week} is already being planned: job {job.id} is "
                                   f"{job.status}; wait for it to end or cancel it (nothing was planned or saved)")


@week_cli.command("plan")
@team_option
@week_option
@click.option("--time-limit", type=SECONDS, default=None,
              help="Seconds, 1-3600 (default: SOLVER_TIME_LIMIT_S).")
def plan(team_name, week_text, time_limit):
    """Solve the week here and now, save it as a draft plan and print the figures. Refused while a queued or
    running job plans the same week (the one-run-per-week rule the pages keep); while it solves, the run is the
    week's job (services/planning/cli_run.py), so the pages, the API and the region are refused in turn."""
    team = _team(team_name)
    week = _week(week_text, team)
    _refuse_if_planning(team, week)
    limit = time_limit or current_app.config["SOLVER_TIME_LIMIT_S"]
    try:
        run = cli_run.plan_here(team, week, limit)
    except runs.PlanningBusy:  # a run started between the look above and ours: name it
        _refuse_if_planning(team, week)
        raise click.ClickException(f"{runs.BUSY} (nothing was planned or saved)") from None
    if run.plan is None:  # a solver crash, no plan in time, or cancelled from the page: as the page says it
        raise click.ClickException(f"planning run {run.job.id} {run.job.status}: {run.job.message} "
                                   "(nothing saved)")
    saved = run.plan
    placed = sum(1 for item in saved.items if item.advisor_id is not None)
    click.echo(f"Draft plan {saved.id} for team {team.name}, week of {week}: {placed}/{len(saved.items)} placed, "
               f"status {saved.solver_status}, score {saved.score}, bound {saved.bound} (planning run {run.job.id})")
    click.echo(_format_figures(saved.figures or {}))
    _report(run.maps)


@week_cli.command("export-plan")
@team_option
@week_option
@click.option("--out", required=True, type=OutFile())
@click.option("--problem-out", type=OutFile(), default=None,
              help="Also write the problem this plan solved (to check it even if the week changed since).")
def export_plan(team_name, week_text, out, problem_out):
    """Write the week's latest plan as a caseload-solution/1 document."""
    team = _team(team_name)
    week = _week(week_text, team)
    found = latest_plan(team, week)
    if found is None or not found.solution:
        raise click.ClickException(f"team {team.name} has no plan for the week of {week}")
    _write(found.solution, out)
    if problem_out:
        _write(found.problem, problem_out)
    click.echo(f"Plan {found.id} ({found.status}) -> {out}")
