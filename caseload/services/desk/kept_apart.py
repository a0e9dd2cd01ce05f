"""An advisor may not book support for a client whose support notes they may not read: policing kept apart.

A support appointment with an advisor, live, opens the client's support notes to them (notes.live_cover). An
advisor whose only link to a client is a compliance review sees the client's page for the review (may_see_client)
and so reaches the desk's booking form; booking themselves a support appointment there would grant them the
support notes the rule keeps from them. So an advisor (not a team leader or administrator) may book a support
appointment with themselves only for a client whose notes they may read now (notes.may_read_notes: they hold or
cover the client). A leader deciding who supports a client is not refused here: the planner keeps policing away
from the supporting advisor as a soft rule, and a leader may choose otherwise.
"""
from __future__ import annotations

from caseload.models import Role
from caseload.services.clients import notes
from caseload.services.desk.asks import Ask, BookingError

CODE = "support_kept_apart"  # the API's error code (api/booking_views)
POLICING_ONLY = ("Support for this client is arranged by a team leader: you see them only for a compliance "
                 "review, and their support is kept apart from policing. Nothing was booked.")
NOT_COVERING = ("Support for this client is arranged by a team leader: you do not hold or cover them now. "
                "Nothing was booked.")


class SupportKeptApart(BookingError):
    """An advisor booking themselves support for a client whose support notes they may not read: not theirs to
    do (the desk answers 403 with the message, the API 403 with code CODE), not input to correct."""

    code = CODE


def check_support_kept_apart(ask: Ask, advisor_id: int | None, by) -> None:
    """Raise SupportKeptApart when `by` is an advisor booking a support appointment of `ask` with themselves
    (`advisor_id`, their own diary) for a client whose support notes they may not read now (may_read_notes).
    Booking, rebooking, "book this request" and series all pass here (booking.book, series.book_series; web and
    API alike): once for an early answer, and again inside the team's lock (their `work`), so the decision is made
    on the state the booking is written to: cover ended meanwhile (a leader cancelled the advisor's live support
    appointment with the client, an absence broke it) is refused, not booked."""
    if getattr(by, "role", None) != Role.ADVISOR or ask.type is None or ask.type.kind != "support":
        return
    advisor = by.advisor
    if advisor is None or advisor.id != advisor_id or notes.may_read_notes(advisor, ask.client):
        return
    policing = advisor.id in notes.policing_advisor_ids(ask.client)
    raise SupportKeptApart(POLICING_ONLY if policing else NOT_COVERING)


def check_offers(ask: Ask, by) -> None:
    """The same refusal before any offer is shown: an advisor asking offers in their own diary (`ask.advisor`) for
    support they may not book (check_support_kept_apart) is told so, not shown times that booking would refuse."""
    if ask.advisor is not None:
        check_support_kept_apart(ask, ask.advisor.id, by)
