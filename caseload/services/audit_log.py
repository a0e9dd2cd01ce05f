"""Reading the audit log: who changed what and when, filtered and a page at a time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import AuditEvent

PER_PAGE = 50


@dataclass
class AuditPage:
    events: list
    total: int
    page: int
    pages: int


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
    return AuditPage(events, total, page, pages)
