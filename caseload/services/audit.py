"""The append-only audit log: writing an event (with the change it records) and reading the log back,
filtered and a page at a time (who changed what and when)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import AuditEvent, Team, User


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


PER_PAGE = 50

# The model class names audit.record stores in object_type, as the pages call those things.
OBJECT_NAMES = {
    "SolveJob": "Planning run", "AppointmentRequest": "Appointment request", "AppointmentType": "Appointment type",
    "ClientNote": "Client note", "HandoverNote": "Handover note", "WeightProfile": "Weight profile",
    "PlanItem": "Plan item", "ProtectedBlock": "Protected block",
}


@dataclass
class AuditPage:
    events: list
    total: int
    page: int
    pages: int
    labels: dict = field(default_factory=dict)  # event id -> its "What", e.g. "Planning run #1"


def object_name(object_type: str) -> str:
    """A friendly name for a stored class name; unknown ones split into words ("FooBar" -> "Foo bar")."""
    if object_type in OBJECT_NAMES:
        return OBJECT_NAMES[object_type]
    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", object_type) or [object_type]
    return " ".join([words[0]] + [w.lower() for w in words[1:]])


def object_labels(events: list) -> dict[int, str]:
    """Each event's object as a person reads it: "Planning run #1", "User #5 (jsmith)", "Team #2 (north)".

    Users and teams also get their name (one query each for the page); other objects only their number,
    since clients' details may have been erased and must not reappear here.
    """
    named = {"User": (User, User.username), "Team": (Team, Team.name)}
    names: dict[tuple[str, int], str] = {}
    for kind, (model, column) in named.items():
        ids = {e.object_id for e in events if e.object_type == kind and e.object_id}
        if ids:
            rows = db.session.execute(select(model.id, column).where(model.id.in_(ids)))
            names.update(((kind, i), n) for i, n in rows)
    labels = {}
    for e in events:
        if not e.object_type:
            labels[e.id] = ""
            continue
        label = object_name(e.object_type) + (f" #{e.object_id}" if e.object_id else "")
        name = names.get((e.object_type, e.object_id))
        labels[e.id] = f"{label} ({name})" if name else label
    return labels


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def search_audit(user_id: int | None = None, action: str | None = None, since: date | None = None,
                 until: date | None = None, page: int = 1, per_page: int = PER_PAGE, tz: str = "UTC") -> AuditPage:
    """Newest first. `since` and `until` are whole days (inclusive) in `tz`."""
    conditions = []
    if user_id:
        conditions.append(AuditEvent.user_id == user_id)
    if action:
        conditions.append(AuditEvent.action == action)
    if since:
        conditions.append(AuditEvent.at >= to_utc(since, "00:00", tz))
    if until:
        conditions.append(AuditEvent.at < to_utc(until + timedelta(days=1), "00:00", tz))
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    events = list(db.session.scalars(select(AuditEvent).where(*conditions)
                                     .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                     .offset((page - 1) * per_page).limit(per_page)))
    return AuditPage(events, total, page, pages, object_labels(events))
