"""A client's own data: export it (subject access) and erase it (right to erasure).

Erasing removes what identifies the client or says something about them (name, reference,
contact notes, handover note text, the purpose of each appointment) and keeps the anonymous
rows that plans and continuity figures are built from (contacts, requests, plan items), so past
plans and reports still add up. Both actions are audited; the audit entry names the client by id only.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.models import (
    AppointmentRequest, Client, ClientNote, Contact, HandoverNote, Plan, PlanItem, User, hold_version, utcnow,
)
from caseload.services import audit
from caseload.services.clients import erased_reference, name_search
from caseload.services.desk import attendance

EXPORT_FORMAT = "caseload-client-export/1"
ERASED_NAME = "Erased client"


class ClientDataError(ValueError):
    pass


class ErasureConflict(ClientDataError):
    """The client changed since the caller read it (optimistic lock)."""


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _person(obj) -> str | None:
    if obj is None:
        return None
    return getattr(obj, "name", None) or getattr(obj, "display_name", None)


def _requests(client: Client) -> list[AppointmentRequest]:
    return list(db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.client_id == client.id)
                                   .order_by(AppointmentRequest.week_start, AppointmentRequest.id)))


def _handovers(client: Client) -> list[HandoverNote]:
    return list(db.session.scalars(select(HandoverNote).where(HandoverNote.client_id == client.id)
                                   .order_by(HandoverNote.created_at, HandoverNote.id)))


def _plan_items(client: Client) -> list[tuple[PlanItem, Plan]]:
    rows = db.session.execute(
        select(PlanItem, Plan).join(Plan, PlanItem.plan_id == Plan.id)
        .join(AppointmentRequest, PlanItem.request_id == AppointmentRequest.id)
        .where(AppointmentRequest.client_id == client.id).order_by(Plan.week_start, Plan.id, PlanItem.id))
    return [(item, plan) for item, plan in rows]


def _authors(ids) -> dict[int, User]:
    ids = {i for i in ids if i}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def client_summary(client: Client) -> dict[str, int]:
    """How many records of each kind hold this client's data (shown before erasing)."""
    data = export_document(client)
    return {key: len(data[key]) for key in ("contacts", "notes", "handovers", "requests", "plan_items")}


def export_document(client: Client) -> dict:
    """Everything Caseload holds about the client, as plain JSON-ready data."""
    notes = list(db.session.scalars(select(ClientNote).where(ClientNote.client_id == client.id)
                                    .order_by(ClientNote.created_at, ClientNote.id)))
    handovers = _handovers(client)
    authors = _authors([n.author_id for n in notes] + [h.author_id for h in handovers])
    return {
        "format": EXPORT_FORMAT,
        "client": {
            "id": client.id, "reference": client.reference, "name": client.name, "team": client.team.name,
            "named_advisor": _person(client.named_advisor), "need": client.need.code if client.need else None,
            "complexity": client.complexity, "erased_at": _time(client.erased_at),
        },
        "contacts": [{"occurred_at": _time(c.occurred_at), "advisor": _person(c.advisor), "kind": c.kind}
                     for c in db.session.scalars(select(Contact).where(Contact.client_id == client.id)
                                                 .order_by(Contact.occurred_at, Contact.id))],
        "notes": [{"created_at": _time(n.created_at), "author": _person(authors.get(n.author_id)), "body": n.body}
                  for n in notes],
        "handovers": [{"created_at": _time(h.created_at), "from_advisor": _person(h.from_advisor),
                       "to_advisor": _person(h.to_advisor), "author": _person(authors.get(h.author_id)),
                       "body": h.body} for h in handovers],
        "requests": [{"id": r.id, "week_start": r.week_start.isoformat(), "type": r.type.code,
                      "duration_minutes": r.duration_minutes, "purpose": r.purpose,
                      "pinned_advisor": _person(r.pinned_advisor), "pinned_start": _time(r.pinned_start),
                      "windows": [{"start": _time(w.starts_at), "end": _time(w.ends_at)} for w in r.windows]}
                     for r in _requests(client)],
        "plan_items": [{"plan_id": plan.id, "plan_status": plan.status, "published_version": plan.published_version,
                        "week_start": plan.week_start.isoformat(), "request_id": item.request_id,
                        "advisor": _person(item.advisor), "starts_at": _time(item.starts_at),
                        "ends_at": _time(item.ends_at), "unassigned_reason": item.unassigned_reason}
                       for item, plan in _plan_items(client)],
    }


def export_client(client: Client, by=None) -> dict:
    """The client's data for download; the export itself is audited (who took a copy, when)."""
    document = export_document(client)
    document["exported_at"] = utcnow().isoformat()
    audit.record("client_exported", user=by, obj=client)
    db.session.commit()
    return document


def erase_client(client: Client, by, expected_version: int | None = None) -> Client:
    """Remove the client's personal data; keep plan history as anonymous rows. Audited."""
    if client.erased_at is not None:
        raise ClientDataError("This client's data has already been erased.")
    if expected_version is not None and client.version_id != expected_version:
        raise ErasureConflict("Someone changed this client since you opened it. Nothing was erased: reload and check.")
    _no_upcoming_appointments(client)
    counts = client_summary(client)
    try:
        # Lock the client at the version seen (or as read now) before changing anything: no autoflush meets a stale row.
        if not hold_version(db.session, client, client.version_id if expected_version is None else expected_version):
            raise StaleDataError("the client moved on")
        client.name = ERASED_NAME
        client.reference = erased_reference.placeholder(client)  # never a typed reference's key
        client.erased_at = utcnow()
        for note in db.session.scalars(select(ClientNote).where(ClientNote.client_id == client.id)):
            db.session.delete(note)
        for handover in _handovers(client):
            handover.body = ""
        for request in _requests(client):
            request.purpose = None
        audit.record("client_erased", user=by, obj=client, removed={k: counts[k] for k in ("notes", "handovers")})
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise ErasureConflict("Someone saved this client at the same moment. Nothing was erased: reload.") from err
    return client


def _no_upcoming_appointments(client: Client) -> None:
    """ClientDataError naming the client's appointments still to come (booked, not cancelled). Erased, the client's
    pages and API answer 404, so those could no longer be cancelled: they held their advisors' time in the
    published plan, and every later draft of the week, which leaves an erased client out, was refused publishing
    for dropping them."""
    upcoming = attendance.client_view(client).upcoming
    if upcoming:
        said = ", ".join(f"{row.start:%a %d %b %H:%M}" + (f" with {row.advisor.name}" if row.advisor else "")
                         for row in upcoming[:5]) + (" …" if len(upcoming) > 5 else "")
        raise ClientDataError(f"{client.reference} has {len(upcoming)} appointment{'s' if len(upcoming) != 1 else ''} "
                              f"still to come ({said}): cancel {'them' if len(upcoming) != 1 else 'it'} at the "
                              "booking desk first, so the advisors' time is free and the published plan says so. "
                              "Nothing was erased.")


def clients_matching(teams, text: str, limit: int = 50) -> list[Client]:
    """Clients in `teams` whose reference or name contains `text` (case-insensitive, ZWNJ/ZWJ ignored on both sides:
    name_search), erased ones too."""
    if not name_search.typed_key(text) or not teams:
        return []
    query = select(Client).where(Client.team_id.in_([t.id for t in teams]),
                                 or_(name_search.column_contains(Client.reference, text),
                                     name_search.column_contains(Client.name, text)))
    return list(db.session.scalars(query.order_by(Client.reference).limit(limit)))
