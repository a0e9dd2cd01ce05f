"""The `api` blueprint object, apart from its views so they can import it without a cycle."""
from flask import Blueprint

# cli_group=None: the blueprint's commands (api-token) sit at the top level of `flask`.
bp = Blueprint("api", __name__, cli_group=None)
