"""The append-only audit log: writing an event (with the change it records) and reading the log back,
filtered and a page at a time (who changed what and when)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import AuditEvent
from caseload.services.audit_words import object_name, page_words  # noqa: F401 - object_name: the pages' words


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


def asked_by(by) -> dict:
    """Detail naming the person behind an event a planning run or the command line also records without one
    ({"asked_by": username}, {} for none): their user_id is set to NULL if the account is deleted, and this tells
    "a removed user" from the system afterwards (audit_words.who_words)."""
    by = by._get_current_object() if hasattr(by, "_get_current_object") else by
    return {"asked_by": by.username} if getattr(by, "username", None) else {}


PER_PAGE = 50


@dataclass
class AuditPage:
    events: list
    total: int
    page: int
    pages: int
    labels: dict = field(default_factory=dict)  # event id -> its "What" (audit_words.Named: text, stored ref)
    refs: dict = field(default_factory=dict)  # (event id, detail key) -> the client, advisor, … a detail id names
    who: dict = field(default_factory=dict)  # event id -> who did it (audit_words.who_words: name (username), system)


ACTION_NAMES = {  # the audit log's action codes as the pages name the things done
    "absence_added": "Absence added", "absence_changed": "Absence changed", "absence_removed": "Absence removed",
    "advisor_created": "Advisor added", "appointment_booked": "Appointment booked",
    "appointment_cancelled": "Appointment cancelled", "appointment_rebooked": "Appointment rebooked",
    "min_notice_overridden": "Rebooked inside the minimum notice",
    "appointment_type_created": "Appointment type added", "attendance_marked": "Attendance recorded",
    "calendar_feed_renewed": "Calendar feed renewed", "calendar_feed_revoked": "Calendar feed turned off",
    "client_added": "Client added", "closure_added": "Office closure added", "closure_removed": "Office closure removed", "client_changed": "Client changed", "client_erased": "Client's record erased",
    "client_exported": "Client's data exported", "client_note_added": "Contact note added",
    "clients_imported": "Clients imported", "demo_seeded": "Demo office set up", "handover_written": "Handover note written",
    "login": "Signed in", "login_failed": "Sign-in failed", "logout": "Signed out", "password_changed": "Password changed",
    "plan_adjusted": "Plan changed by hand", "plan_drafted": "Draft plan made", "plan_job_cancelled": "Planning run cancelled",
    "plan_job_started": "Planning run started", "plan_published": "Plan published", "policy_changed": "Service policy changed",
    "protected_preference_added": "Preferred protected time added",
    "protected_preference_removed": "Preferred protected time removed", "protected_target_set": "Protected-time target set",
    "region_plan_cancelled": "Region planning cancelled", "region_plan_started": "Region planning started",
    "request_added": "Appointment request added", "request_changed": "Appointment request changed",
    "request_booked_at_desk": "Appointment request booked at the desk", "request_removed": "Appointment request removed", "requests_imported": "Appointment requests imported",
    "series_booked": "Series booked", "skill_created": "Skill added", "team_created": "Team added",
    "user_created": "User added", "user_renamed": "User renamed", "user_updated": "User changed",
    "weights_changed": "Planning weights changed",
}


def action_name(action: str) -> str:
    """An action code in words ("policy_changed" -> "Service policy changed"); an unknown one with its underscores
    as spaces ("foo_bar" -> "Foo bar")."""
    return ACTION_NAMES.get(action) or action.replace("_", " ").capitalize()


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def search_audit(user_id: int | None = None, action: str | None = None, since: date | None = None,
                 until: date | None = None, page: int = 1, per_page: int = PER_PAGE, tz: str = "UTC") -> AuditPage:
    """Newest first. `since` and `until` are whole days (inclusive) in `tz`. The page's users and the names
    its objects and detail ids stand for (audit_words.page_words) are loaded in bulk: a fixed number of
    queries whatever the page holds."""
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
    events = list(db.session.scalars(select(AuditEvent).options(selectinload(AuditEvent.user)).where(*conditions)
                                     .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                     .offset((page - 1) * per_page).limit(per_page)))
    return AuditPage(events, total, page, pages, *page_words(events))
