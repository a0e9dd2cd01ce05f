from flask import Blueprint

# cli_group=None: the blueprint's commands (api-token) sit at the top level of `flask`.
bp = Blueprint("api", __name__, cli_group=None)

from caseload.api import cli, openapi, plan_views, views  # noqa: E402,F401
