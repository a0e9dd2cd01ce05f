"""A re-plan that moves a time already given to a client (a desk booking, or the published plan's time) lists it
on the publish summary as "Promised times that changed: tell these clients" (client, old time, new time); it was
only a technical note ("pin … ignored: outside their working time")."""
from __future__ import annotations

import re
from datetime import timedelta

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import Absence
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.planning.boundary import save_plan, to_problem
from scheduler.baselines import named_first
from tests.web import access_matrix as m
from tests.web import desk_support as d


def test_a_booking_moved_by_an_absence_is_listed_to_tell_the_client(leader, north):
    team, _ = north
    week = d.next_week()
    client = m.client_of("advisor1")
    ask = d.ask(client, week_start=week)
    offer = desk_offers.offers(team, ask)[0]
    booked = booking.book(team, ask, offer.advisor.id, offer.local, m.user("leader")).request
    day = to_local(booked.pinned_start, team.timezone).date()
    db.session.add(Absence(advisor_id=offer.advisor.id, starts_at=booked.pinned_start - timedelta(hours=1),
                           ends_at=booked.pinned_start + timedelta(hours=2)))
    db.session.commit()
    db.session.expire_all()  # the advisor's absences, as a new request reads them
    problem, maps = to_problem(team, week)
    assert any("ignored" in w for w in maps.warnings)
    draft = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    item = next(i for i in draft.items if i.request_id == booked.id)
    assert item.starts_at != booked.pinned_start or item.advisor_id != booked.pinned_advisor_id

    page = leader.get(f"/rota/plans/{draft.id}/publish").get_data(as_text=True).replace("&#39;", "'")
    table = re.search(r'<table class="promised">.*?</table>', page, re.S).group(0)
    row = re.search(rf"<tr><td>[^<]*\({client.reference}\)</td>.*?</tr>", table, re.S).group(0)
    old = to_local(booked.pinned_start, team.timezone).strftime("%a %d %b %H:%M")
    assert f"{old} with {offer.advisor.name}" in row
    new = (to_local(item.starts_at, team.timezone).strftime("%a %d %b %H:%M") if item.starts_at
           else "not placed: rebook it")
    assert new in row and day.strftime("%a %d %b") in old
    assert "Promised times that changed: tell these clients" in page


def test_nothing_is_listed_when_every_promised_time_holds(leader, north):
    team, _ = north
    week = d.next_week()
    client = m.client_of("advisor1")
    ask = d.ask(client, week_start=week)
    offer = desk_offers.offers(team, ask)[0]
    booking.book(team, ask, offer.advisor.id, offer.local, m.user("leader"))
    problem, maps = to_problem(team, week)
    draft = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    page = leader.get(f"/rota/plans/{draft.id}/publish").get_data(as_text=True)
    assert 'class="promised"' not in page and "<strong>0</strong> times already given to clients change" in page
