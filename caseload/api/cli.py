"""`flask --app caseload api-token USERNAME`: issue (or --revoke) a user's API token."""
from __future__ import annotations

import click

from caseload.api.blueprint import bp
from caseload.services.people.api_tokens import issue_api_token, revoke_api_token
from caseload.services.people.users import by_username


@bp.cli.command("api-token")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="Remove the user's token instead of issuing one.")
def api_token(username, revoke):
    """Issue a new API token for USERNAME (replacing any earlier one) and print it once."""
    user = by_username(username)  # as sign-in finds it (case and ZWNJ/ZWJ ignored)
    if user is None or not user.active:
        raise click.ClickException(f"no active user called {username!r}")
    if revoke:
        if revoke_api_token(user):
            click.echo(f"The API token of {user.username} is revoked.")
        else:
            click.echo(f"{user.username} had no API token.")
        return
    click.echo(issue_api_token(user))
