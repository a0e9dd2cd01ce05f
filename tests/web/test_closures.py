"""Office closure days (bank holidays): nothing is planned or offered on a closed day, a desk series moves the
instance that would land on one and says so, bookings already on the day are listed to rebook, and the
administrator's page refuses bad input naming the field. The clock is the tests' pinned one (tests/clock.py):
Sun 29 Nov 2026, the demo week Mon 30 Nov to Fri 4 Dec; Christmas Day 2026 is a Friday, New Year's Day 2027 too."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import AuditEvent, ClosureDay, Plan, SolveJob
from caseload.services import closures
from caseload.services.planning import runs as planning
from caseload.services.desk import asks
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.desk import series
from caseload.services.planning.boundary import to_problem
from scheduler import check_solution
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d

CHRISTMAS, NEW_YEAR = date(2026, 12, 25), date(2027, 1, 1)
DEC_14 = date(2026, 12, 14)  # the Monday two weeks before Christmas week


def _close(day: date, reason: str, team=None) -> ClosureDay:
    closure = closures.add_closure(day, team, reason, by=m.user("admin"))
    db.session.commit()
    return closure


def _days_with_time(problem: dict) -> set[str]:
    return {span["start"][:10] for a in problem["advisors"] for span in a["availability"]}


def _friday_series(client):
    ask = d.ask(client, "thu 09:00-17:00\nfri 09:00-17:00", week_start=DEC_14, advisor=m.user("advisor1").advisor)
    found = series.series_offers(m.team("north"), ask, series.Repeat(1, 3), count=20)
    return ask, next(o for o in found if o.local.startswith("2026-12-18") and o.same_time is not None)


def test_a_weekly_series_across_christmas_moves_the_closed_days_and_says_so(demo_app):
    client = m.client_of("advisor1")
    _, before = _friday_series(client)
    regular = datetime.strptime(before.local, "%Y-%m-%dT%H:%M")
    # Without closures the series keeps its Friday: the two holidays are where the rule must act.
    assert [s[:10] for s in before.starts] == ["2026-12-18", "2026-12-25", "2027-01-01"] and not before.moved
    _close(CHRISTMAS, "Christmas Day")
    _close(NEW_YEAR, "New Year's Day")
    ask, offer = _friday_series(client)
    days = [datetime.strptime(s, "%Y-%m-%dT%H:%M").date() for s in offer.starts]
    assert days[0] == regular.date() and CHRISTMAS not in days and NEW_YEAR not in days
    assert days[1] == date(2026, 12, 24) and days[2] == date(2026, 12, 31)  # the client's other day that week
    assert len(offer.moved) == 2 and "closed Fri 25 Dec (Christmas Day)" in offer.moved[0]
    assert "Thu 24 Dec" in offer.moved[0] and "New Year's Day" in offer.moved[1]
    booked = series.book_series(m.team("north"), ask, series.Repeat(1, 3), offer.advisor.id, offer.starts,
                                m.user("advisor1"))
    tz = m.team("north").timezone
    assert {to_local(r.pinned_start, tz).date() for r in booked.requests}.isdisjoint({CHRISTMAS, NEW_YEAR})


def test_desk_offers_never_offer_a_closed_day(demo_app):
    d.publish_week()
    wednesday = d.week() + timedelta(days=2)
    client = m.client_of("advisor1")
    tz = m.team("north").timezone
    found = desk_offers.offers(m.team("north"), d.ask(client), count=20)
    assert any(to_local(o.start, tz).date() == wednesday for o in found)  # open, Wednesday is offered
    _close(wednesday, "Staff training day")
    found = desk_offers.offers(m.team("north"), d.ask(client), count=20)
    assert found and all(to_local(o.start, tz).date() != wednesday for o in found)
    try:  # asking for the closed day only is refused, naming the closure
        desk_offers.offers(m.team("north"), d.ask(client, "wed 09:00-17:00"), count=5)
        raise AssertionError("a closed day's window was accepted")
    except asks.BookingError as err:
        assert err.field == "windows" and "the office is closed that day (Staff training day)" in str(err)


def test_planning_a_week_with_a_closure_places_nothing_on_it(demo_app):
    team, wednesday = m.team("north"), d.week() + timedelta(days=2)
    assert wednesday.isoformat() in _days_with_time(to_problem(team, d.week())[0])
    _close(wednesday, "Office move")
    problem, _ = to_problem(team, d.week())
    assert wednesday.isoformat() not in _days_with_time(problem)
    job = planning.start_plan_job(team, d.week(), by=None, time_limit=3)
    job = db.session.get(SolveJob, job.id)
    assert job.status == "succeeded", job.message
    plan = db.session.get(Plan, job.plan_id)
    assert check_solution(plan.problem, plan.solution).ok
    placed = [i for i in plan.items if i.starts_at is not None]
    assert placed and all(to_local(i.starts_at, team.timezone).date() != wednesday for i in placed)


def test_a_team_only_closure_leaves_the_other_team_open(demo_app):
    north, south = m.team("north"), m.team("south")
    thursday = d.week() + timedelta(days=3)
    _close(thursday, "North office refurbishment", team=north)
    assert thursday.isoformat() not in _days_with_time(to_problem(north, d.week())[0])
    assert thursday.isoformat() in _days_with_time(to_problem(south, d.week())[0])
    assert closures.closed_days(south.id, d.week(), thursday) == {}
    assert closures.closed_days(north.id, d.week(), thursday) == {thursday: "North office refurbishment"}
    try:  # the same team's day twice is refused, naming the day; south may still close it too
        closures.add_closure(thursday, north, "Again", by=m.user("admin"))
        raise AssertionError("a duplicate closure was added")
    except closures.ClosureRejected as err:
        assert err.field == "day" and "already closed for team north (North office refurbishment)" in str(err)
    db.session.rollback()
    _close(thursday, "South's own", team=south)
    assert closures.closed_days(south.id, d.week(), thursday) == {thursday: "South's own"}


def test_the_rota_week_shows_the_closed_day_with_its_reason(demo_client, demo_auth):
    _close(d.week() + timedelta(days=1), "Bank holiday")
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/t/{m.team('north').id}/{d.week().isoformat()}/").get_data(as_text=True)
    assert "Office closed: Bank holiday" in page and "Office closed Tue 01 Dec" in page


def test_a_closure_on_held_appointments_lists_them_to_rebook(demo_client, demo_auth):
    plan = d.publish_week()
    tz = m.team("north").timezone
    wednesday = d.week() + timedelta(days=2)
    held = [i for i in plan.items if i.starts_at is not None and to_local(i.starts_at, tz).date() == wednesday]
    assert held
    demo_auth.login("admin")
    page = demo_client.post("/admin/closures", data={"day": wednesday.isoformat(), "team": "0",
                                                     "reason": "Power cut"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and f"{len(held)} booked appointment" in text and "need" in text
    assert f"/desk/teams/{m.team('north').id}/{d.week().isoformat()}/broken" in text
    broken = demo_client.get(f"/desk/teams/{m.team('north').id}/{d.week().isoformat()}/broken").get_data(as_text=True)
    assert broken.count("Office closed: Power cut") == len(held)
    db.session.expire_all()
    assert len(d.current().items) == len(plan.items)  # nothing dropped from the published plan


def test_the_admin_page_names_bad_input_refuses_duplicates_and_audits(demo_client, demo_auth):
    demo_auth.login("admin")
    assert demo_client.get("/admin/closures").status_code == 200
    bad = demo_client.post("/admin/closures", data={"day": "2026-13-40", "team": "0", "reason": "x"})
    assert bad.status_code == 400 and "Day the office is closed" in bad.get_data(as_text=True)
    assert "2026-13-40" in bad.get_data(as_text=True)  # what was typed is kept
    empty = demo_client.post("/admin/closures", data={"day": "2026-12-25", "team": "0", "reason": "  "})
    assert empty.status_code == 400 and "Say why the office is closed" in empty.get_data(as_text=True)
    unknown_team = demo_client.post("/admin/closures", data={"day": "2026-12-25", "team": "99999", "reason": "x"})
    assert unknown_team.status_code == 400
    assert db.session.scalar(select(ClosureDay)) is None
    ok = demo_client.post("/admin/closures", data={"day": "2026-12-25", "team": "0", "reason": "Christmas Day"},
                          follow_redirects=True)
    assert ok.status_code == 200 and "Office closed Fri 25 Dec 2026 for the whole service" in ok.get_data(as_text=True)
    again = demo_client.post("/admin/closures", data={"day": "2026-12-25", "team": str(m.team("north").id),
                                                      "reason": "Christmas"})
    assert again.status_code == 400 and "already closed for the whole service (Christmas Day)" in again.get_data(as_text=True)
    db.session.expire_all()
    closure = db.session.scalar(select(ClosureDay))
    assert demo_client.post(f"/admin/closures/{closure.id}/remove", follow_redirects=True).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(ClosureDay)) is None
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("closure_%"))
                                      .order_by(AuditEvent.id)))
    assert actions == ["closure_added", "closure_removed"]


def test_only_administrators_reach_the_page(demo_client, demo_auth):
    demo_auth.login("leader")
    assert demo_client.get("/admin/closures").status_code in (403, 404)
    assert demo_client.post("/admin/closures", data={"day": "2026-12-25", "team": "0",
                                                     "reason": "x"}).status_code in (403, 404)


def test_a_desk_booking_on_a_day_that_closes_is_listed_and_planning_says_why(demo_client, demo_auth):
    """A week not yet published: the desk booking is kept (listed to rebook), and planning says the office is
    closed rather than "not working then"."""
    team, thursday = m.team("north"), d.week() + timedelta(days=3)
    client = m.client_of("advisor1")
    ask = d.ask(client, "thu 09:00-17:00")
    offer = desk_offers.offers(team, ask, count=1)[0]
    booking.book(team, ask, offer.advisor.id, offer.local, m.user("leader"))
    _close(thursday, "Election day")
    _, maps = to_problem(team, d.week())
    assert any(client.reference in w and "the office is closed that day (Election day)" in w for w in maps.warnings)
    demo_auth.login("leader")
    broken = demo_client.get(f"/desk/teams/{team.id}/{d.week().isoformat()}/broken").get_data(as_text=True)
    assert "Office closed: Election day" in broken and f"Rebook {client.reference}" in broken


def test_the_offers_page_says_which_days_are_closed(demo_client, demo_auth):
    tuesday = d.week() + timedelta(days=1)
    _close(tuesday, "Bank holiday")
    demo_auth.login("leader")
    client = m.client_of("advisor1")
    page = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form()).get_data(as_text=True)
    assert "Tue 01 Dec: Office closed: Bank holiday. No time that day is offered." in page
    assert 'id="offers"' in page and "Tue 01 Dec" not in page.split('id="offers"')[1].split("</ol>")[0]
