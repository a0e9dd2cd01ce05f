"""The `auth` blueprint: importing this package registers its routes on `bp`."""
from caseload.auth import token_views, views  # noqa: F401 - each module adds its routes to bp
from caseload.auth.blueprint import bp

__all__ = ["bp"]
