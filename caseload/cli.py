"""Command line: `flask --app caseload db upgrade|downgrade|check|revision`, `seed-demo`, `create-user`,
`rename-user`, `check-names`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from caseload import migrate
from caseload.extensions import db
from caseload.models import Role, User
from caseload.region_cli import region_cli
from caseload.services.demo import CLIENTS_PER_TEAM, REQUESTS_PER_TEAM, DemoClash, seed_demo
from caseload.services.people.users import UsernameTaken, UserError, account_to_rename, create_user, rename_user
from caseload.services.stored_names import stored_name_findings
from caseload.week_cli import week_cli

db_cli = AppGroup("db", help="Database migrations (Alembic).")


def _url() -> str:
    return current_app.config["DATABASE_URL"]


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Apply migrations up to REVISION (default: head)."""
    migrate.upgrade(_url(), revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision):
    """Undo migrations down to REVISION (default: one step)."""
    migrate.downgrade(_url(), revision)


@db_cli.command("check")
def db_check():
    """Fail if the models have changes no migration covers."""
    migrate.check(_url())
    click.echo("No changes in schema detected.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message):
    """Autogenerate a migration from model changes."""
    migrate.revision(_url(), message)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when there are no users yet.")
@click.option("--teams", type=click.IntRange(1, 500), default=2, show_default=True,
              help="How many teams: north, south, then office03, office04, … (a region).")
@click.option("--clients", "clients", type=click.IntRange(1, 5000), default=None,
              help="Clients per team (default 150).")
@click.option("--requests", "requests", type=click.IntRange(1, 5000), default=None,
              help="Appointment requests per team this week (default 190).")
@click.option("--holidays/--no-holidays", default=True, show_default=True,
              help="Close the office on the public holidays (England and Wales) this year and next.")
@click.option("--past/--no-past", default=True, show_default=True,
              help="Book past appointments (last week, this week before now) with their attendance.")
def seed_demo_command(if_empty, teams, clients, requests, holidays, past):
    """Create (or complete) the demo office: teams north and south (or --teams N), advisors, clients, a week of
    requests, the public holidays as closures and past appointments with their attendance."""
    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Database already has users; demo not loaded.")
        return
    try:
        summary = seed_demo(current_app.config["DEMO_PASSWORD"], teams=teams,
                            clients_per_team=clients or CLIENTS_PER_TEAM,
                            requests_per_team=requests or REQUESTS_PER_TEAM,
                            holidays=holidays, past=past, ahead=True)  # requests a new user can place today
    except DemoClash as err:  # before seed_demo's one commit: what it added to the session is dropped
        db.session.rollback()
        raise click.ClickException(str(err)[0].upper() + str(err)[1:]) from None
    except IntegrityError as err:  # seed_demo commits once, at its end: nothing was written
        db.session.rollback()
        raise click.ClickException("the demo clashes with what the database holds (" + str(err.orig).splitlines()[0]
                                   + "); nothing was changed. Load it into an empty database.") from None
    click.echo(summary)


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["administrator", "team_leader", "advisor"]), required=True)
@click.option("--name", "display_name", default=None)
@click.password_option()
def create_user_command(username, role, display_name, password):
    """Create a user account."""
    try:
        user = create_user(username=username, display_name=display_name or username, role=Role(role),
                           password=password)
    except UserError as err:
        raise click.ClickException(f"{'--name' if err.field == 'display_name' else err.field}: {err}") from None
    click.echo(f"Created {user.username} ({user.role.label}).")


@click.command("rename-user")
@click.argument("old")
@click.argument("new")
def rename_user_command(old, new):
    """Rename the account OLD to NEW, keeping everything else (its work, password, history; a signed-in user stays
    signed in). OLD as stored, any case, or #ID as `flask check-names` lists it; a look-alike it lists (its key
    unset) gets its key. Audited as user_renamed; one sentence and exit status 1 when refused."""
    try:
        user = account_to_rename(old)
        was = user.username
        changed = rename_user(user, new)
    except UserError as err:
        db.session.rollback()
        words = f"the username {err}" if isinstance(err, UsernameTaken) else str(err)
        raise click.ClickException(words[:1].upper() + words[1:] + ".") from None
    if not changed:
        click.echo(f"{was} already has that username; nothing was changed.")
    elif "username" not in changed:
        click.echo(f"{was} kept its username; its key is now stored, so the database holds it unique.")
    else:
        click.echo(f"Renamed {was} to {user.username}.")


@click.command("check-names")
def check_names_command():
    """List stored names the checks now refuse (invisible or control characters; team names, a team's client
    references or usernames that differ only by case or ZWNJ/ZWJ). Changes nothing; exit status 1 when any is
    listed."""
    findings = stored_name_findings()
    db.session.rollback()  # read only: nothing to keep
    for finding in findings:
        click.echo(finding.line())
    if findings:
        click.echo(f"{len(findings)} stored name(s) to retype by hand; nothing was changed.", err=True)
        raise SystemExit(1)
    click.echo("Every stored name passes the checks.")


def init_app(app) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(rename_user_command)
    app.cli.add_command(check_names_command)
    app.cli.add_command(week_cli)  # the team leader's week (export-problem, plan, export-plan)
    app.cli.add_command(region_cli)  # every team's week on the shared queue (plan, status, cancel)
