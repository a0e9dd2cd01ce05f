"""The `admin` blueprint: importing this package registers its routes on `bp`."""
from caseload.admin import audit_views, client_data_views, region_views, report_views, views, weights_views  # noqa: F401 - each module adds its routes to bp
from caseload.admin.blueprint import bp

__all__ = ["bp"]
