"""The `desk` blueprint (the booking desk): importing this package registers its routes on `bp`."""
from caseload.desk import views  # noqa: F401 - the module adds its routes to bp
from caseload.desk.blueprint import bp

__all__ = ["bp"]
