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
from caseload.services.planning.problem import pin_misfit
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
    assert any(client.reference in w and "could not be kept" in w for w in maps.warnings)
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
    # The review page, where the leader decides, lists it too (it had only the job's note).
    review = leader.get(f"/rota/plans/{draft.id}").get_data(as_text=True).replace("&#39;", "'")
    listed = re.search(r'<table class="promised">.*?</table>', review, re.S).group(0)
    assert f"({client.reference})" in listed and f"{old} with {offer.advisor.name}" in listed and new in listed
    assert '<h2 id="promised">Promised times that changed: tell these clients</h2>' in review


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
    assert 'class="promised"' not in leader.get(f"/rota/plans/{draft.id}").get_data(as_text=True)


def _pinned(start: str, windows: list[tuple[str, str]]) -> dict:
    return {"id": "r1", "duration_minutes": 60, "pinned": {"advisor": "a1", "start": f"2026-11-23T{start}"},
            "windows": [{"start": f"2026-11-23T{a}", "end": f"2026-11-23T{b}"} for a, b in windows]}


def test_a_pin_that_cannot_hold_says_whether_the_advisor_or_the_clients_times_are_why():
    advisors = [{"id": "a1", "availability": [{"start": "2026-11-23T09:00", "end": "2026-11-23T12:00"}]}]
    assert pin_misfit(_pinned("10:00", [("09:00", "17:00")]), advisors) is None
    assert pin_misfit(_pinned("11:30", [("09:00", "17:00")]), advisors) == "advisor"  # ends after 12:00
    assert pin_misfit(_pinned("10:00", [("13:00", "17:00")]), advisors) == "windows"
    assert pin_misfit(_pinned("10:00", [("09:00", "17:00")]), []) == "advisor"  # not in the team's week
