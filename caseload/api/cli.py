"""`flask --app caseload api-token USERNAME`: issue (or --revoke) a user's API token."""
from __future__ import annotations

import click
from sqlalchemy import func, select

from caseload.api.blueprint import bp
from caseload.extensions import db
from caseload.models import User
from caseload.services.people.api_tokens import issue_api_token, revoke_api_token


@bp.cli.command("api-token")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="Remove the user's token instead of issuing one.")
def api_token(username, revoke):
    """Issue a new API token for USERNAME (replacing any earlier one) and print it once."""
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None or not user.active:
        raise click.ClickException(f"no active user called {username!r}")
    if revoke:
        if revoke_api_token(user):
            click.echo(f"The API token of {user.username} is revoked.")
        else:
            click.echo(f"{user.username} had no API token.")
        return
    click.echo(issue_api_token(user))
