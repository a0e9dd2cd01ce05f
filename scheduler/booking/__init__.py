"""Booking: the best places for one new appointment (or a series) in an existing plan (caseload-offers/1).

- `offers(request_document)`: the cold call — parses the offer request (problem, plan, request),
  checks the plan, answers. Raises ProblemError naming the field for bad input.
- `Desk(problem, plan)`: the warm API — parse and check once, then `desk.offers(request, count,
  max_moves)` per request and `desk.book(request, offer)` to apply a chosen offer.
- `check_offers(request_document, offers_document)`: the independent check (scheduler.booking.check).
"""
from __future__ import annotations

from scheduler.model import ProblemError
from scheduler.parse import parse_problem
from scheduler.booking.check import check_offers
from scheduler.booking.desk import Desk
from scheduler.booking.request import OFFERS_FORMAT, REQUEST_FORMAT, read_request_document


def _prefixed(err: ProblemError, prefix: str) -> ProblemError:
    return ProblemError([e if e.startswith(prefix) else f"{prefix}.{e}" for e in err.errors])


def offers(request_document: dict) -> dict:
    """Answer a caseload-offer-request/1 document with a caseload-offers/1 document (see problem-format.md).

    Offers are ranked by score_delta (ties to the earlier start), at most one per advisor and day,
    at most `count` (default 5); with max_moves 0 the first is the best single placement there is.
    Raises ProblemError (each message naming its field: format, problem.…, plan: …, request.…,
    count, max_moves) for a bad request."""
    problem_doc, plan_doc, request, count, max_moves = read_request_document(request_document)
    try:
        problem = parse_problem(problem_doc)
    except ProblemError as err:
        raise _prefixed(err, "problem") from None
    return Desk(problem, plan_doc).offers(request, count, max_moves)


__all__ = ["Desk", "offers", "check_offers", "OFFERS_FORMAT", "REQUEST_FORMAT"]
