"""The `rota` blueprint: importing this package registers its routes on `bp`."""
from caseload.rota import client_views, import_views, plan_views, views  # noqa: F401 - each module adds its routes to bp
from caseload.rota.blueprint import bp

__all__ = ["bp"]
