"""When the client's named advisor is not offered, the desk says why (absent, the office closed, within the
minimum notice, fully booked, ...), with the explanation the review's move panel gives for "who cannot take
it" (services/planning/refusals)."""
from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import urlencode

from caseload.extensions import db
from caseload.localtime import to_local, to_utc
from caseload.models import Absence, ClosureDay
from caseload.services.desk import offers as desk_offers
from caseload.services.planning import move_offers
from caseload.services.planning.boundary import save_plan, to_problem
from scheduler.baselines import named_first
from tests.web import access_matrix as m
from tests.web import desk_support as d

def local_start(item):
    return to_local(item.starts_at, m.team("north").timezone).replace(tzinfo=None)


WED_THU = "wed 09:00-17:00\nthu 09:00-17:00"


def _away(advisor, day: str, reason: str = "sick") -> None:
    tz = m.team("north").timezone
    start = d.week() + timedelta(days=["mon", "tue", "wed", "thu", "fri"].index(day))
    db.session.add(Absence(advisor_id=advisor.id, starts_at=to_utc(start, "00:00", tz),
                           ends_at=to_utc(start + timedelta(days=1), "00:00", tz), reason=reason))
    db.session.commit()


def _close(day_index: int, reason: str = "Bank holiday") -> None:
    db.session.add(ClosureDay(day=d.week() + timedelta(days=day_index), team_id=m.team("north").id, reason=reason))
    db.session.commit()


def test_the_offers_page_says_why_the_named_advisor_is_not_offered(demo_client, demo_auth):
    d.publish_week()
    client = m.client_of("advisor1")
    named = client.named_advisor
    _away(named, "wed")
    _close(3)
    demo_auth.login("leader")
    query = urlencode({"type": d.follow_up().id, "week": d.week().isoformat(), "windows": WED_THU})
    page = html.unescape(demo_client.get(f"/desk/clients/{client.id}/offers?{query}").get_data(as_text=True))
    assert (f"{named.name}, {client.reference}'s named advisor, is not offered: cannot on Wed 02 Dec: absent (sick); "
            "Thu 03 Dec: the office is closed (Bank holiday).") in page
    # Offered: nothing said.
    query = urlencode({"type": d.follow_up().id, "week": d.week().isoformat(), "windows": "fri 09:00-17:00"})
    assert "named advisor, is not offered" not in demo_client.get(f"/desk/clients/{client.id}/offers?{query}").get_data(
        as_text=True)


def test_the_minimum_notice_and_a_full_day_are_said(demo_app):
    d.publish_week()
    client = m.client_of("advisor1")
    named = client.named_advisor
    now = to_utc(d.week(), "15:30", m.team("north").timezone)  # Monday 15:30: Monday's times are within 2 hours
    plan = d.current()
    busy_tue = sorted(local_start(i) for i in plan.items if i.advisor_id == named.id
                      and local_start(i).date() == d.week() + timedelta(days=1))
    assert busy_tue, "the demo plan books the named advisor on Tuesday"
    first = busy_tue[0]
    window = f"tue {first:%H:%M}-{first + timedelta(minutes=30):%H:%M}"  # exactly one of their appointments
    why = desk_offers.named_refusal(m.team("north"), d.ask(client, "mon 16:00-17:30\n" + window), [], now=now)
    assert why == ("cannot on Mon 30 Nov: within the service's minimum notice of 2 hours; "
                   "Tue 01 Dec: fully booked in the client's times")


def test_the_move_panel_says_an_advisor_is_absent(leader, north):
    team, week = north
    advisor = m.client_of("advisor1").named_advisor
    for day in ("mon", "tue", "wed", "thu", "fri"):
        _away(advisor, day, "leave")
    problem, maps = to_problem(team, week)
    plan = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    item = next(i for i in plan.items if i.request is not None and i.request.client.named_advisor_id == advisor.id)
    choices = move_offers.move_offers(plan, item, sorted(team.advisors, key=lambda a: a.id))
    why = dict((a.id, text) for a, text in choices.refusals)[advisor.id]
    assert why.startswith("cannot on ") and "absent (leave)" in why and "not working" not in why
