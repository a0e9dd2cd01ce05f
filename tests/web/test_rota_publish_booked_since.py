"""The publish summary warns, before Confirm, that bookings made at the desk since the draft was planned would be
lost, lists them and offers the re-plan there; publishing stays refused (it protects the bookings). The summary
used to look fine and only Confirm said "Nothing was published: plan the week again"."""
from __future__ import annotations

import re

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.planning.boundary import save_plan, to_problem
from scheduler.baselines import named_first
from tests.web import access_matrix as m
from tests.web import desk_support as d


def test_the_summary_lists_bookings_made_since_the_draft_and_offers_the_re_plan(leader, north):
    team, _ = north
    week = d.next_week()
    problem, maps = to_problem(team, week)
    draft = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    page = leader.get(f"/rota/plans/{draft.id}/publish").get_data(as_text=True)
    assert "Booked since this draft was planned" not in page and "Confirm: publish this plan" in page

    client = m.client_of("advisor1")
    ask = d.ask(client, week_start=week)
    offer = desk_offers.offers(team, ask)[0]
    booked = booking.book(team, ask, offer.advisor.id, offer.local, m.user("leader")).request
    when = f"{client.reference} {to_local(booked.pinned_start, team.timezone):%a %d %b %H:%M}"

    page = leader.get(f"/rota/plans/{draft.id}/publish").get_data(as_text=True)
    warning = re.search(r'<section class="card notice" id="booked-since".*?</section>', page, re.S).group(0)
    assert when in warning and f'action="/rota/plans/{draft.id}/resolve"' in warning
    assert "Confirm: publish this plan" not in page
    answer = leader.post(f"/rota/plans/{draft.id}/publish", data={"version": draft.version_id, "published": 0})
    assert answer.status_code == 409 and "Nothing was published" in answer.get_data(as_text=True)
    db.session.refresh(draft)
    assert draft.status == "draft"
