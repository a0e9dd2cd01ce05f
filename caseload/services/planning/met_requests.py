"""Requests met by a desk booking: the one rule for "a desk booking has taken this request's place".

A planning request (an appointment asked for, for the planner to place) is met when:
- it was booked from its "Book this request" link (booking.book sets `booked_as_id` and withdraws it), or
- by matching: it is live (not cancelled, not booked from its link), has no time (neither placed by its week's
  published plan nor pinned), and a live desk booking of the same client and appointment type, made after it
  (a higher id), in its week or a later one, has a time. Each request takes the first such booking by id that
  meets no other request: first bookings in its own week (requests in week order, then by id), then bookings in
  later weeks, so a booking meets its own week's request before an earlier week's; a booking made from a link
  meets only its request.

A request met by matching is not sent to the planner (boundary.to_problem leaves it out, saying why), and the
desk's client page, the plan review and the week's requests say it was booked at the desk instead of asking for
it to be booked. Nothing is stored: cancel the booking (or let it lose its time) and the request is live again,
for the planner and on every page. Every way of booking (the desk's pages, the API, series, rebooking) makes a
desk booking row (`booked_at` set), so the rule holds whichever way the booking came.

Only models are read here (no desk import): the planner's problem builder uses it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from sqlalchemy import and_, not_, or_, select

from caseload.extensions import db
from caseload.models import AppointmentRequest, Plan, PlanItem

MET_WORDS = "booked at the desk in its place"  # how a met request is said, as a plan's unassigned reason
UNMET_WORDS = "its desk booking was cancelled: book it or re-plan"  # the same, once the booking is gone


@dataclass(frozen=True)
class Slip:
    """The few columns of a request or booking the rule reads."""

    id: int
    client_id: int
    type_id: int
    week_start: date


def _has_time():
    """SQL: the AppointmentRequest row has a time: placed in a published plan, or pinned (attendance.row_of)."""
    placed = select(PlanItem.id).join(Plan, PlanItem.plan_id == Plan.id).where(
        PlanItem.request_id == AppointmentRequest.id, PlanItem.advisor_id.is_not(None),
        Plan.status == "published").exists()
    pinned = and_(AppointmentRequest.pinned_start.is_not(None), AppointmentRequest.pinned_advisor_id.is_not(None))
    return or_(placed, pinned)


def _slips(*where) -> list[Slip]:
    rows = db.session.execute(select(AppointmentRequest.id, AppointmentRequest.client_id, AppointmentRequest.type_id,
                                     AppointmentRequest.week_start).where(*where).order_by(AppointmentRequest.id))
    return [Slip(*row) for row in rows]


def pair(requests: Iterable[Slip], bookings: Iterable[Slip], used: Iterable[int] = ()) -> dict[int, int]:
    """The matching itself (see the module doc): request id -> the id of the booking that meets it. `requests`:
    live requests without a time; `bookings`: live desk bookings with a time; `used`: bookings made from a request's
    link (they meet that request only)."""
    taken = set(used)
    by_client: dict[int, list[Slip]] = {}
    for booking in sorted(bookings, key=lambda b: b.id):
        by_client.setdefault(booking.client_id, []).append(booking)
    out = {}
    ordered = sorted(requests, key=lambda r: (r.week_start, r.id))
    # Its own week first: a booking next week is next week's request met, not this week's moved on (taking
    # this week's would leave next week's live, and the planner would book the client twice that week).
    for same_week in (True, False):
        for request in ordered:
            if request.id in out:
                continue
            found = next((b for b in by_client.get(request.client_id, ())
                          if b.id not in taken and b.type_id == request.type_id and b.id > request.id
                          and (b.week_start == request.week_start if same_week else b.week_start > request.week_start)),
                         None)
            if found is not None:
                taken.add(found.id)
                out[request.id] = found.id
    return out


def met_by_matching(client_ids: Iterable[int]) -> dict[int, int]:
    """Request id -> id of the live desk booking that meets it by matching, for every request of the clients
    `client_ids` (database ids). Three queries whatever the number of clients; {} for none."""
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    mine = AppointmentRequest.client_id.in_(ids)
    requests = _slips(mine, AppointmentRequest.booked_at.is_(None), AppointmentRequest.cancelled_at.is_(None),
                      AppointmentRequest.booked_as_id.is_(None), not_(_has_time()))
    if not requests:
        return {}
    asking = {r.client_id for r in requests}
    bookings = _slips(AppointmentRequest.client_id.in_(sorted(asking)), AppointmentRequest.booked_at.is_not(None),
                      AppointmentRequest.cancelled_at.is_(None), _has_time())
    used = db.session.scalars(select(AppointmentRequest.booked_as_id).where(
        AppointmentRequest.client_id.in_(sorted(asking)), AppointmentRequest.booked_as_id.is_not(None)))
    return pair(requests, bookings, used)


def met_words(booking_id: int) -> str:
    """The unassigned reason of a request met by matching: "booked at the desk in its place (booking 42, week
    of 07 Dec)"."""
    booking = db.session.get(AppointmentRequest, booking_id)
    week = f", week of {booking.week_start:%d %b}" if booking is not None else ""
    return f"{MET_WORDS} (booking {booking_id}{week})"


def met_by(requests: Iterable[AppointmentRequest | None]) -> dict[int, int]:
    """Request id -> the id of the desk booking that met it, for those of `requests` one met: booked from their
    link (`booked_as_id`) or by matching (met_by_matching, three queries for all of them). A request no booking
    met, and a desk booking itself, is absent. What the API's requests say as `met_by`."""
    requests = [r for r in requests if r is not None]
    matched = met_by_matching({r.client_id for r in requests if r.booked_at is None and r.booked_as_id is None
                               and r.cancelled_at is None})
    out = {}
    for r in requests:
        booking = r.booked_as_id if r.booked_as_id is not None else matched.get(r.id)
        if booking is not None:
            out[r.id] = booking
    return out


def met_ids(requests: Iterable[AppointmentRequest | None]) -> set[int]:
    """The ids of those of `requests` a desk booking met: booked from their link (`booked_as_id`) or by matching;
    what the plan review and the week's requests show as "booked at the desk" instead of asking to book them."""
    return set(met_by(requests))


def reason_now(item: PlanItem, met: set[int]) -> str | None:
    """A plan item's unassigned reason as it stands now: the stored reason, except that one saying a desk booking
    met the request (MET_WORDS, stored when the plan was made) says the booking was cancelled when the request,
    still live, is no longer met (its id not in `met`, met_ids): it needs booking or a re-plan again."""
    reason = item.unassigned_reason
    request = item.request
    if (reason and reason.startswith(MET_WORDS) and request is not None and request.cancelled_at is None
            and item.request_id not in met):
        return UNMET_WORDS
    return reason
