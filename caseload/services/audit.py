"""Writing to the append-only audit log."""
from __future__ import annotations

from caseload.extensions import db
from caseload.models import AuditEvent


def record(action: str, user=None, obj=None, **detail) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits with its change)."""
    # Views pass current_user, a proxy: its type name would be logged as "LocalProxy", not "User".
    obj = obj._get_current_object() if hasattr(obj, "_get_current_object") else obj
    event = AuditEvent(
        action=action,
        user_id=getattr(user, "id", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        detail=detail or None,
    )
    db.session.add(event)
    return event
