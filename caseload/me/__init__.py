"""The `me` blueprint: importing this package registers its routes on `bp`."""
from caseload.me import views  # noqa: F401 - each module adds its routes to bp
from caseload.me.blueprint import bp

__all__ = ["bp"]
