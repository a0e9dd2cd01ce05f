"""Policing kept apart, decided under the team's lock (services/desk/kept_apart): an advisor booking themselves
support for a client they cover may do so only while that cover is live. A leader cancelling their covering
appointment after the desk's first check but before the booking is written (the leader's cancel gets the lock
first) must leave the advisor refused (403 code support_kept_apart), not booked into cover the rule now denies.

The race is staged through the hook the booking service already gives: `replay`, called under the lock before the
booking is written (the API's idempotent retries use it). There the leader's real cancellation runs
(cancelling.cancel, which commits its own locked transaction), so the booking's work sees the week as it is after it.
"""
from __future__ import annotations

import pytest

from caseload.extensions import db
from caseload.models import AppointmentRequest
from caseload.services.clients import notes
from caseload.services.desk import booking, series
from caseload.services.desk import offers as desk_offers
from caseload.services.desk.cancelling import cancel
from caseload.services.desk.asks import StateMoved
from caseload.services.desk.kept_apart import SupportKeptApart
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.test_policing_not_cover import _user


def _covering():
    """(cover user, client, covering appointment): advisor3 booked by the leader for support of advisor2's client next
    week, so advisor3 covers them (may read their notes) by that one appointment."""
    client = m.client_of("advisor2")
    cover = _user("advisor3")
    ask = d.ask(client, week_start=d.next_week())
    offer = next(o for o in desk_offers.offers(client.team, ask, count=40) if o.advisor.id == cover.advisor.id)
    covering = booking.book(client.team, ask, cover.advisor.id, offer.local, m.user("leader")).request
    assert notes.may_read_notes(cover.advisor, client)
    return cover, client, covering


def _leader_cancels(covering_id: int):
    """The `replay` hook: the leader's cancellation of the covering appointment lands now; no earlier answer."""
    def hook():
        cancel(db.session.get(AppointmentRequest, covering_id), m.user("leader"))
        return None
    return hook


def _cover_still_ended(cover, client, before):
    db.session.expire_all()
    assert d.request_count() == before  # nothing was booked
    assert not notes.may_read_notes(cover.advisor, client)


def test_cover_cancelled_after_the_first_check_refuses_the_booking(demo_client):
    cover, client, covering = _covering()
    ask = d.ask(client, week_start=d.next_week(), advisor=cover.advisor)
    offer = next(o for o in desk_offers.offers(client.team, ask, count=40) if o.advisor.id == cover.advisor.id)
    before = d.request_count()
    with pytest.raises(SupportKeptApart):
        booking.book(client.team, ask, cover.advisor.id, offer.local, cover,
                     replay=_leader_cancels(covering.id))
    _cover_still_ended(cover, client, before)


def test_cover_cancelled_after_the_first_check_refuses_the_series(demo_client):
    cover, client, covering = _covering()
    ask = d.ask(client, week_start=d.next_week(), advisor=cover.advisor)
    offer = next(o for o in series.series_offers(client.team, ask, series.Repeat(1, 2))
                 if o.advisor.id == cover.advisor.id)
    before = d.request_count()
    with pytest.raises(SupportKeptApart):
        series.book_series(client.team, ask, series.Repeat(1, 2), cover.advisor.id, offer.starts, cover,
                           replay=_leader_cancels(covering.id))
    _cover_still_ended(cover, client, before)


def test_cover_still_live_under_the_lock_books(demo_client):
    """The re-check refuses only what the state under the lock refuses: with the cover live, the advisor books."""
    cover, client, covering = _covering()
    ask = d.ask(client, week_start=d.next_week(), advisor=cover.advisor)
    offer = next(o for o in desk_offers.offers(client.team, ask, count=40) if o.advisor.id == cover.advisor.id)
    booked = booking.book(client.team, ask, cover.advisor.id, offer.local, cover)
    assert booked.request.pinned_advisor_id == cover.advisor.id


def test_a_rebooking_of_the_covering_appointment_a_leader_just_cancelled_is_a_409_not_a_403(demo_client):
    """The advisor moves the very appointment that gives them cover, and the leader cancels it first (after the
    desk's first checks, before the booking is written). Under the lock the rebooking is refused because that
    appointment is cancelled (StateMoved: the desk and the API answer 409, saying who cancelled it), not with the
    kept-apart 403 "you do not hold or cover them", which the cancellation itself caused."""
    cover, client, covering = _covering()
    ask = d.ask(client, week_start=d.next_week(), advisor=cover.advisor)
    ask.replacing = covering
    offer = next(o for o in desk_offers.offers(client.team, ask, count=40) if o.advisor.id == cover.advisor.id)
    before = d.request_count()
    with pytest.raises(StateMoved) as refused:
        booking.book(client.team, ask, cover.advisor.id, offer.local, cover, replay=_leader_cancels(covering.id))
    assert not isinstance(refused.value, SupportKeptApart)
    assert "cancelled" in str(refused.value) and refused.value.field == "request"
    _cover_still_ended(cover, client, before)
