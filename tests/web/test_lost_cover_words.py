"""How an advisor's cover ended, in plain words (services/clients/lost_cover), for the two cases it used to miss:

- cover readied by a leader's handover note on a draft plan ends when that draft is overtaken (notes._passed_over):
  a newer draft of the week replaces it, or the week is published with another plan. The advisor is told which,
  and when, not that notes are kept apart from policing (their compliance review is not why they lost cover);
- each day is worded in the timezone of the team the appointment belonged to: a client moved since to a team in
  another zone does not shift the days (London just after midnight is still the evening before in New York).
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from caseload.extensions import db
from caseload.localtime import this_week_start, to_local
from caseload.models import Client, Team
from caseload.services.clients import notes
from caseload.services.clients.lost_cover import lost_cover
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.desk.cancelling import cancel
from caseload.services.planning.adjust import add_handover
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.problem import db_id
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.test_draft_note_cover import _noted_draft, _reviews_only, _support_and_review
from tests.web.test_policing_not_cover import _publish, _solution, _user

# Tue 1 Dec 2026 00:30 in London (GMT); Mon 30 Nov 19:30 in New York.
JUST_AFTER_MIDNIGHT = datetime(2026, 12, 1, 0, 30, tzinfo=timezone.utc)


def _day(moment, tz):
    local = to_local(moment, tz)
    return f"{local:%a} {local.day} {local:%b %Y}"


def _noted_item(d1, p):
    return next(i for i in d1.items if i.advisor_id == p.id)


def test_a_noted_draft_replaced_by_a_newer_draft_says_so(demo_client):
    team, week, problem, maps, p, client, support, review, d1 = _noted_draft()
    item = _noted_item(d1, p)
    d2 = _reviews_only(team, week, problem, maps, p, review)  # re-planned, not yet published
    db.session.expire_all()
    tz = team.timezone
    says = (f"Your cover for this client ended on {_day(d2.created_at, tz)}, when the draft plan of the week of "
            f"Mon 30 Nov 2026 that gave you your appointment with them on {_day(item.starts_at, tz)} was replaced "
            f"by a newer draft.")
    assert lost_cover(p, client) == says
    assert notes.notes_refusal(p, client) == f"{says} {notes.NOT_COVERING}"  # not "kept apart from policing"
    with pytest.raises(notes.NoteRejected, match="replaced by a newer draft"):
        notes.add_note(client, "Called about the form", _user("advisor1"))


def test_a_noted_draft_left_behind_by_a_published_plan_says_so(demo_client):
    team, week, problem, maps, p, client, support, review, d1 = _noted_draft()
    item = _noted_item(d1, p)
    d2 = _reviews_only(team, week, problem, maps, p, review)
    publish_plan(d2, team.leader, d2.version_id, expected_published=0)
    db.session.expire_all()
    tz = team.timezone
    assert lost_cover(p, client) == (
        f"Your cover for this client ended on {_day(d2.published_at, tz)}, when the week was published with another "
        f"plan: the draft plan of the week of Mon 30 Nov 2026 that gave you your appointment with them on "
        f"{_day(item.starts_at, tz)} was not the one published.")


def test_a_noted_draft_made_after_the_week_was_published_lost_nothing(demo_client):
    """A re-plan's draft of a week already published never readied cover (notes._passed_over from the start), so its
    note lost the advisor nothing: the refusal stays that notes are kept apart from their compliance review."""
    p = _user("advisor1").advisor
    team, week = p.team, this_week_start(p.team.timezone)
    problem, maps = to_problem(team, week)
    support, review = _support_and_review(problem, p)
    d0 = _reviews_only(team, week, problem, maps, p, review)
    publish_plan(d0, team.leader, d0.version_id, expected_published=0)
    d1 = save_plan(team, week, problem, _solution(problem, [
        {"appointment": support["id"], "advisor": f"a{p.id}", "start": support["windows"][0]["start"][:11] + "12:00"}]),
        by=team.leader, skipped=maps.skipped)
    client = db.session.get(Client, db_id(support["client"]))
    add_handover(_noted_item(d1, p), "Over to you for the week", team.leader)
    db.session.expire_all()
    assert not notes.may_read_notes(p, client)
    assert lost_cover(p, client) is None
    assert notes.notes_refusal(p, client) == notes.POLICING_ONLY


def test_the_live_noted_draft_gives_no_reason(demo_client):
    """While the noted draft is the week's newest and nothing is published, it covers: nothing has ended."""
    team, week, problem, maps, p, client, support, review, d1 = _noted_draft()
    assert lost_cover(p, client) is None


def _to_new_york(client):
    """Move the client to a team in New York's zone (their old appointments stay with their London team)."""
    east = Team(name="east coast", timezone="America/New_York")
    db.session.add(east)
    db.session.flush()
    client.team_id = east.id
    db.session.commit()
    db.session.expire_all()


def test_days_of_a_cancelled_desk_booking_are_the_bookings_teams(demo_client):
    client = m.client_of("advisor2")
    cover = _user("advisor3").advisor
    ask = d.ask(client, week_start=d.next_week())
    offer = next(o for o in desk_offers.offers(client.team, ask, count=40) if o.advisor.id == cover.id)
    booked = booking.book(client.team, ask, cover.id, offer.local, m.user("leader")).request
    with clock.at(JUST_AFTER_MIDNIGHT):
        cancel(booked, m.user("leader"))
    _to_new_york(client)
    client = db.session.get(type(client), client.id)
    assert client.team.timezone == "America/New_York"
    assert lost_cover(cover, client) == (
        f"Your cover for this client ended on Tue 1 Dec 2026, when your appointment with them on "
        f"{_day(booked.pinned_start, 'Europe/London')} was cancelled.")


def test_days_of_a_cancelled_plan_appointment_are_the_plans_teams(demo_client):
    plan, client, item = _publish("advisor3", "support")
    cover = _user("advisor3").advisor
    moment = datetime(2026, 11, 30, 0, 30, tzinfo=timezone.utc)  # Mon in London, Sun 29 Nov 19:30 in New York
    assert item.starts_at > moment
    with clock.at(moment):
        cancel(item.request, m.user("leader"))
    _to_new_york(client)
    client = db.session.get(type(client), client.id)
    assert lost_cover(cover, client) == (
        f"Your cover for this client ended on Mon 30 Nov 2026, when your appointment with them on "
        f"{_day(item.starts_at, 'Europe/London')} was cancelled.")
