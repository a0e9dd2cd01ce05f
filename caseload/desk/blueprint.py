"""The `desk` blueprint object, apart from its views so they can import it without a cycle."""
from flask import Blueprint

bp = Blueprint("desk", __name__)
