"""The `admin` blueprint: importing this package registers its routes on `bp`."""
from caseload.admin import (  # noqa: F401 - each module adds its routes to bp
    audit_views, client_data_views, closure_views, holiday_views, policy_views, region_views, report_views, views,
    weights_views,
)
from caseload.admin.blueprint import bp

__all__ = ["bp"]
