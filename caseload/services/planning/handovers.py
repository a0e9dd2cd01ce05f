"""Cover and its handover notes: which covering appointments have a note, and which still need one.

Cover is a support appointment placed with someone other than the client's named advisor (policing by someone
else is the separation the plan aims for, not cover, and needs no note). The app's handover model: the named
advisor (or the team leader, from the plan) writes the covering advisor a note about the client.

A note counts for a covering appointment when it goes to that appointment's advisor about its client and either
was written for the same appointment request (the leader's note on a plan's item; a desk booking makes a new
published version with new item rows, and the note still stands) or was written no more than NOTE_DAYS before
the appointment starts (the named advisor's note from the client's page, which names no appointment).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from caseload.extensions import db
from caseload.models import Advisor, AppointmentRequest, Client, HandoverNote, Plan, PlanItem

NOTE_DAYS = 14  # a client-page note older than this before the appointment is about an earlier cover


def is_cover(item: PlanItem) -> bool:
    """A placed support appointment with someone other than the client's named advisor (who has one)."""
    request = item.request
    if item.advisor_id is None or request is None or request.type.kind != "support":
        return False
    named = request.client.named_advisor_id
    return named is not None and named != item.advisor_id


def noted_item_ids(items: list[PlanItem]) -> set[int]:
    """Ids of the covering `items` (placed, requests loaded) that have a handover note (see the module's rule);
    two queries for any number of items."""
    cover = [i for i in items if is_cover(i)]
    if not cover:
        return set()
    clients = {i.request.client_id for i in cover}
    notes = db.session.execute(
        select(HandoverNote.client_id, HandoverNote.to_advisor_id, HandoverNote.created_at, PlanItem.request_id)
        .outerjoin(PlanItem, HandoverNote.plan_item_id == PlanItem.id)
        .where(HandoverNote.client_id.in_(clients), HandoverNote.to_advisor_id.is_not(None))).all()
    noted = set()
    for item in cover:
        for client_id, to_advisor, written, request_id in notes:
            if (client_id, to_advisor) != (item.request.client_id, item.advisor_id):
                continue
            if request_id == item.request_id or (item.starts_at is not None
                                                 and _aware(written) >= item.starts_at - timedelta(days=NOTE_DAYS)):
                noted.add(item.id)
                break
    return noted


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC times from a bare column select; the items' times are aware."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


@dataclass
class MissingNote:
    """A covering appointment still to come in a published plan, with no handover note yet."""

    item: PlanItem
    client: Client
    named: Advisor  # the client's named advisor, who writes the note
    cover: Advisor  # the advisor covering the appointment, who reads it


def missing_notes(advisor: Advisor, now: datetime) -> tuple[list[MissingNote], list[MissingNote]]:
    """(to write, awaited): the advisor's clients covered by someone else, and the appointments the advisor
    covers, in published plans, starting from `now` (aware UTC), with no handover note yet; by start time."""
    rows = list(db.session.scalars(
        select(PlanItem).join(Plan).join(AppointmentRequest, PlanItem.request_id == AppointmentRequest.id)
        .join(Client, AppointmentRequest.client_id == Client.id)
        .where(Plan.status == "published", PlanItem.advisor_id.is_not(None), PlanItem.starts_at >= now,
               AppointmentRequest.cancelled_at.is_(None), Client.erased_at.is_(None),
               Client.named_advisor_id.is_not(None), Client.named_advisor_id != PlanItem.advisor_id,
               or_(Client.named_advisor_id == advisor.id, PlanItem.advisor_id == advisor.id))
        .order_by(PlanItem.starts_at, PlanItem.id)
        .options(selectinload(PlanItem.request).selectinload(AppointmentRequest.client),
                 selectinload(PlanItem.request).selectinload(AppointmentRequest.type))))
    rows = [i for i in rows if is_cover(i)]
    noted = noted_item_ids(rows)
    missing = [MissingNote(i, i.request.client, i.request.client.named_advisor, i.advisor)
               for i in rows if i.id not in noted]
    return ([m for m in missing if m.named.id == advisor.id], [m for m in missing if m.cover.id == advisor.id])
