"""Cover and its handover notes: which covering appointments have a note, and which still need one.

Cover is a support appointment placed with someone other than the client's named advisor (policing by someone
else is the separation the plan aims for, not cover, and needs no note). The app's handover model: the named
advisor (or the team leader, from the plan) writes the covering advisor a note about the client.

A note counts for a covering appointment when it goes to that appointment's advisor about its client and either
was written for the same appointment request (the leader's note on a plan's item; a desk booking makes a new
published version with new item rows, and the note still stands) or was written no more than NOTE_DAYS before
the appointment starts (the named advisor's note from the client's page, which names no appointment).

A covering appointment broken by an absence of its advisor or an office closure on its day is not awaiting a note:
it is to be rebooked (the desk's broken list), and a note to an advisor who will not be there helps nobody. So a
note is *needed* only for cover that is not broken (`needs_note`), the one rule every page asks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import Absence, Advisor, AppointmentRequest, Client, HandoverNote, Plan, PlanItem
from caseload.services.closures import closed_days

NOTE_DAYS = 14  # a client-page note older than this before the appointment is about an earlier cover


def is_cover(item: PlanItem) -> bool:
    """A placed support appointment with someone other than the client's named advisor (who has one)."""
    return item.advisor_id is not None and covers(item.request, item.advisor_id)


def covers(request: AppointmentRequest | None, advisor_id: int | None) -> bool:
    """Whether advisor `advisor_id` seeing `request` is cover: a support appointment (policing with someone else is
    the separation aimed for, not cover) of a client whose named advisor is someone else. The one rule of cover."""
    if advisor_id is None or request is None or request.type.kind != "support":
        return False
    named = request.client.named_advisor_id
    return named is not None and named != advisor_id


def supports(request: AppointmentRequest | None, advisor_id: int | None) -> bool:
    """Whether advisor `advisor_id` seeing `request` is a support appointment with them, whatever the client's
    allocation: what opens the client's support notes while live (notes.live_cover), so a client with no named
    advisor is readable by the advisor seeing them, planned or desk-booked alike. Cover (covers) is narrower: it
    needs a named advisor who is someone else (the one who writes the handover note)."""
    return advisor_id is not None and request is not None and request.type.kind == "support"


@dataclass(frozen=True)
class Span:
    """A booked appointment's time with its advisor, for broken_spans: `key` is the caller's id for it (a plan
    item's, a request's), times aware UTC, `timezone` the team's (a closure is a local day)."""

    key: int
    advisor_id: int
    starts_at: datetime
    ends_at: datetime
    team_id: int
    timezone: str


def broken_spans(spans: list[Span]) -> dict[int, str]:
    """key -> why, for the `spans` that an absence of their advisor overlaps ("absent: <reason>") or that fall on a
    day their team's office is closed ("office closed: <reason>"): a broken appointment, to rebook, which is
    neither cover nor awaiting a note. One query for the absences, one per team for closures."""
    if not spans:
        return {}
    absences = list(db.session.scalars(select(Absence).where(
        Absence.advisor_id.in_({s.advisor_id for s in spans}),
        Absence.starts_at < max(s.ends_at for s in spans), Absence.ends_at > min(s.starts_at for s in spans))))
    days = {s.key: to_local(s.starts_at, s.timezone).date() for s in spans}
    closed: dict[int, dict] = {}
    out = {}
    for span in spans:
        hit = next((a for a in absences if a.advisor_id == span.advisor_id
                    and a.starts_at < span.ends_at and span.starts_at < a.ends_at), None)
        if hit is not None:
            out[span.key] = f"absent: {hit.reason or 'absent'}"
            continue
        if span.team_id not in closed:
            mine = [days[s.key] for s in spans if s.team_id == span.team_id]
            closed[span.team_id] = closed_days(span.team_id, min(mine), max(mine))
        day = days[span.key]
        if day in closed[span.team_id]:
            out[span.key] = f"office closed: {closed[span.team_id][day]}"
    return out


def broken_item_ids(items: list[PlanItem]) -> dict[int, str]:
    """item id -> why (broken_spans), for the placed `items` (plans and requests loaded) that an absence of their
    advisor overlaps or that fall on a day their team's office is closed: what the desk's broken list offers to
    rebook."""
    return broken_spans([Span(i.id, i.advisor_id, i.starts_at, i.ends_at, i.plan.team_id, i.plan.team.timezone)
                         for i in items
                         if i.advisor_id is not None and i.starts_at is not None and i.ends_at is not None])


def needs_note_ids(items: list[PlanItem]) -> set[int]:
    """Ids of the covering `items` (is_cover) not broken by an absence or a closure (broken_item_ids): the
    appointments a handover note is for, whether or not one is written yet."""
    cover = [i for i in items if is_cover(i)]
    broken = broken_item_ids(cover)
    return {i.id for i in cover if i.id not in broken}


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
    covers, in published plans, starting from `now` (aware UTC), with no handover note yet, leaving out
    appointments broken by an absence or a closure (to rebook, not to hand over); by start time."""
    rows = list(db.session.scalars(
        select(PlanItem).join(Plan).join(AppointmentRequest, PlanItem.request_id == AppointmentRequest.id)
        .join(Client, AppointmentRequest.client_id == Client.id)
        .where(Plan.status == "published", PlanItem.advisor_id.is_not(None), PlanItem.starts_at >= now,
               AppointmentRequest.cancelled_at.is_(None), Client.erased_at.is_(None),
               Client.named_advisor_id.is_not(None), Client.named_advisor_id != PlanItem.advisor_id,
               or_(Client.named_advisor_id == advisor.id, PlanItem.advisor_id == advisor.id))
        .order_by(PlanItem.starts_at, PlanItem.id)
        .options(selectinload(PlanItem.plan).selectinload(Plan.team), selectinload(PlanItem.request).selectinload(AppointmentRequest.client),
                 selectinload(PlanItem.request).selectinload(AppointmentRequest.type))))
    needing = needs_note_ids(rows)
    rows = [i for i in rows if i.id in needing]
    noted = noted_item_ids(rows)
    missing = [MissingNote(i, i.request.client, i.request.client.named_advisor, i.advisor)
               for i in rows if i.id not in noted]
    return ([m for m in missing if m.named.id == advisor.id], [m for m in missing if m.cover.id == advisor.id])
