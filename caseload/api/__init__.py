"""The `api` blueprint: importing this package registers its routes on `bp`."""
from caseload.api import booking_views, cli, closure_views, openapi, plan_views, region_views, views  # noqa: F401 - each module adds its routes to bp
from caseload.api.blueprint import bp

__all__ = ["bp"]
