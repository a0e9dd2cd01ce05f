"""An appointment's end is its start plus its length in real time, stored in UTC, on the nights the clocks
change: Europe/London (01:00 UTC on the last Sunday of March and October), Africa/Cairo (at local midnight
into a Friday, a working day) and America/Santiago (at local midnight into a Sunday).

The fault these tests pin down: the end was the local wall-clock start plus the length, converted to UTC
afterwards (Python's aware arithmetic does the same on a ZoneInfo time), so an appointment across a change
came out an hour long or short: in the plan rows (plan, publish, desk versions), the desk's offers and
booking checks, the pins, the attendance rows, the click-to-move offers and everything that shows or exports
the stored end (advisor's week, calendar feed, CSV).
"""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import clock_span, end_after, local_end, to_local, to_utc
from caseload.models import Absence, Advisor, AppointmentRequest, Plan, RequestWindow
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.desk.attendance import row_of
from caseload.services.people import calendar_feed
from caseload.services.planning import boundary
from caseload.services.planning.problem import db_id
from caseload.services.rota.pins import make_pin
from scheduler import check_solution
from scheduler.model import TIME_FORMAT
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.test_rota_problem import _one_advisor_team

UTC = timezone.utc
# zone, local start (what the planner writes), minutes, start in UTC, end in UTC (the wall-clock sum gave
# the end in the comment).
CROSSINGS = [
    # UK clocks go forward at 01:00 UTC: 00:45 GMT + 90 min is 03:15 BST (not 02:15 BST = 01:15 UTC).
    ("Europe/London", "2027-03-28T00:45", 90, datetime(2027, 3, 28, 0, 45, tzinfo=UTC), datetime(2027, 3, 28, 2, 15, tzinfo=UTC)),
    # UK clocks go back at 01:00 UTC: 00:30 BST + 90 min is 01:00 GMT (not 02:00 GMT).
    ("Europe/London", "2026-10-25T00:30", 90, datetime(2026, 10, 24, 23, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)),
    # Cairo goes back at Friday 00:00 EEST to Thursday 23:00 EET: 23:30 EEST + 60 min is 23:30 EET (not Fri 00:30).
    ("Africa/Cairo", "2026-10-29T23:30", 60, datetime(2026, 10, 29, 20, 30, tzinfo=UTC), datetime(2026, 10, 29, 21, 30, tzinfo=UTC)),
    # Cairo goes forward at Friday 00:00 EET to 01:00 EEST: Thu 23:30 + 90 min is Fri 02:00 EEST (not 01:00).
    ("Africa/Cairo", "2027-04-29T23:30", 90, datetime(2027, 4, 29, 21, 30, tzinfo=UTC), datetime(2027, 4, 29, 23, 0, tzinfo=UTC)),
    # Santiago goes back at Sunday 00:00 -03 to Saturday 23:00 -04: Sat 23:30 -03 + 60 min is 23:30 -04.
    ("America/Santiago", "2027-04-03T23:30", 60, datetime(2027, 4, 4, 2, 30, tzinfo=UTC), datetime(2027, 4, 4, 3, 30, tzinfo=UTC)),
]
IDS = ["london-spring", "london-autumn", "cairo-autumn", "cairo-spring", "santiago-autumn"]


def _wall_clock_end(tz, start_text, minutes):
    """The old computation, to show each case is one where it was wrong."""
    naive = datetime.strptime(start_text, TIME_FORMAT) + timedelta(minutes=minutes)
    return to_utc(naive.date(), naive.time(), tz)


@pytest.mark.parametrize("tz,start,minutes,start_utc,end_utc", CROSSINGS, ids=IDS)
def test_end_after_and_local_end_count_real_minutes(tz, start, minutes, start_utc, end_utc):
    assert _wall_clock_end(tz, start, minutes) != end_utc  # the case is one the old sum got wrong
    local = datetime.strptime(start, TIME_FORMAT)
    assert to_utc(local.date(), local.time(), tz) == start_utc
    assert end_after(start_utc, minutes) == end_utc
    aware_local = to_local(start_utc, tz)
    # An aware local start too, where Python would add on the wall clock. (Compared in UTC: PEP 495 makes a
    # time in the repeated hour with fold=1 unequal to every time in another zone.)
    assert end_after(aware_local, minutes).astimezone(UTC) == end_utc
    assert local_end(local, minutes, tz) == to_local(end_utc, tz).replace(tzinfo=None)


def test_a_span_across_a_change_names_both_zones():
    start = to_local(datetime(2026, 10, 24, 23, 30, tzinfo=UTC), "Europe/London")
    assert clock_span(start, end_after(start, 90)) == "Sun 25 Oct 00:30 BST–01:00 GMT"
    assert clock_span(start, end_after(start, 15)) == "Sun 25 Oct 00:30–00:45"


@pytest.mark.parametrize("tz,start,minutes,start_utc,end_utc", CROSSINGS, ids=IDS)
def test_plan_rows_from_a_solution_end_in_real_time(north, tz, start, minutes, start_utc, end_utc):
    """boundary.apply_solution (planning, publishing, the desk's versions, moves) stores the end in UTC as start
    plus length; the advisor's week, the calendar feed, the CSV export and the API read that stored end."""
    team, week = north
    team.timezone = tz
    db.session.commit()
    problem, maps = boundary.to_problem(team, week)
    problem = copy.deepcopy(problem)
    appointment = problem["appointments"][0]
    appointment["duration_minutes"] = minutes
    advisor = problem["advisors"][0]["id"]
    solution = {"format": "caseload-solution/1", "status": "feasible", "score": 0, "bound": None,
                "figures": {"fill": 1.0}, "allocations": [], "protected": [],
                "assignments": [{"appointment": appointment["id"], "advisor": advisor, "start": start}],
                "unassigned": [{"appointment": a["id"], "reason": "test"} for a in problem["appointments"][1:]]}
    plan = boundary.save_plan(team, week, problem, solution, skipped=maps.skipped)
    db.session.expire_all()
    item = next(i for i in db.session.get(Plan, plan.id).items if i.request_id == db_id(appointment["id"]))
    assert (item.starts_at, item.ends_at) == (start_utc, end_utc)
    assert item.ends_at - item.starts_at == timedelta(minutes=minutes)


@pytest.mark.parametrize("tz,start,minutes,start_utc,end_utc", CROSSINGS, ids=IDS)
def test_pins_and_attendance_rows_end_in_real_time(north, tz, start, minutes, start_utc, end_utc):
    """A pinned request's end (the desk's clash checks, the pin words) and its row on the attendance list."""
    team, _ = north
    team.timezone = tz
    request = db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.team_id == team.id)
                                .order_by(AppointmentRequest.id))
    advisor = team.advisors[0]
    request.pinned_advisor, request.pinned_start, request.duration_minutes = advisor, start_utc, minutes
    db.session.commit()
    pin = make_pin(request.id, request.client, advisor, start_utc, minutes, tz)
    assert pin.end == to_local(end_utc, tz).replace(tzinfo=None)
    row = row_of(request)
    assert row.end.astimezone(UTC) == end_utc and row.end.astimezone(UTC) - row.start.astimezone(UTC) == timedelta(minutes=minutes)


def test_the_desk_books_the_repeated_hour_in_cairo_with_its_real_end(north, demo_auth):
    """Cairo's clocks go back at Friday 00:00 EEST (21:00 UTC) to Thursday 23:00 EET, so Thursday 23:00-24:00
    happens twice. A 30-minute follow-up booked at Thursday 23:30 (the first time round, 20:30 UTC) ends at
    21:00 UTC, 30 minutes later: the wall-clock sum ended it at Friday 00:00 EET, 22:00 UTC, 90 minutes on.
    Offer, pinned request and the published plan's new version all keep the real end."""
    team, _ = north
    team.timezone = "Africa/Cairo"
    week = date(2027, 10, 25)
    client = m.client_of("advisor1")
    advisor = db.session.get(Advisor, client.named_advisor_id)
    advisor.work_pattern = {**advisor.work_pattern, "thu": [["16:00", "24:00"]]}
    db.session.commit()
    d.publish_week(week)
    ask = d.ask(client, windows="thu 23:30-24:00", week_start=week)
    assert ask.duration == 30
    offer = next(o for o in desk_offers.offers(team, ask, count=20) if o.advisor.id == advisor.id)
    start, end = datetime(2027, 10, 28, 20, 30, tzinfo=UTC), datetime(2027, 10, 28, 21, 0, tzinfo=UTC)
    assert (offer.local, offer.start, offer.end) == ("2027-10-28T23:30", start, end)
    booked = booking.book(team, ask, advisor.id, offer.local, by=None)
    db.session.expire_all()
    assert booked.request.pinned_start == start
    item = next(i for i in d.current(week).items if i.request_id == booked.request.id)
    assert (item.starts_at, item.ends_at) == (start, end)
    # The advisor's calendar feed (iCalendar export) carries the stored end.
    events = [e for e in Calendar.from_ical(calendar_feed.feed(advisor.user, today=week)).walk("VEVENT")
              if str(e["uid"]) == calendar_feed.appointment_uid(booked.request.id)]
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in events] == [(start, end)]
    # The advisor's week names both zones, as the end reads earlier than the start.
    demo_auth.login(advisor.user.username)
    page = demo_auth.client.get(f"/me/week/{week.isoformat()}").get_data(as_text=True)
    assert "Thu 28 Oct 23:30 EEST–23:00 EET" in page


def test_the_boundary_converts_a_cairo_week_across_its_weekday_clock_change(app):
    """The week out to the planner (local wall clock) and its answer back (UTC) on Thursday 29 October 2026,
    when Cairo's clocks go back at Friday 00:00 EEST (21:00 UTC) to Thursday 23:00 EET."""
    team, advisor, client, kind = _one_advisor_team("Africa/Cairo")
    advisor.work_pattern = {**advisor.work_pattern, "thu": [["16:00", "24:00"]]}
    week = date(2026, 10, 26)
    # Absent 19:00-20:00 UTC: 22:00-23:00 EEST.
    db.session.add(Absence(advisor=advisor, starts_at=datetime(2026, 10, 29, 19, tzinfo=UTC),
                           ends_at=datetime(2026, 10, 29, 20, tzinfo=UTC)))
    request = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30,
                                 pinned_advisor=advisor, pinned_start=datetime(2026, 10, 29, 20, 30, tzinfo=UTC))
    # The client can come 20:00-22:00 UTC: Thursday 23:00 EEST to Friday 00:00 EET.
    request.windows.append(RequestWindow(starts_at=datetime(2026, 10, 29, 20, tzinfo=UTC),
                                         ends_at=datetime(2026, 10, 29, 22, tzinfo=UTC)))
    db.session.add(request)
    db.session.commit()

    problem, maps = boundary.to_problem(team, week, now=datetime(2026, 10, 1, tzinfo=UTC))  # as planned ahead
    spans = [(s["start"], s["end"]) for s in problem["advisors"][0]["availability"] if s["start"].startswith("2026-10-29")]
    assert spans == [("2026-10-29T16:00", "2026-10-29T22:00"), ("2026-10-29T23:00", "2026-10-30T00:00")]
    appointment = problem["appointments"][0]
    assert appointment["windows"] == [{"start": "2026-10-29T23:00", "end": "2026-10-30T00:00"}]
    assert appointment["pinned"]["start"] == "2026-10-29T23:30"
    solution = {"format": "caseload-solution/1", "status": "feasible", "score": 0, "bound": None, "figures": {},
                "allocations": [], "protected": [], "unassigned": [],
                "assignments": [{"appointment": appointment["id"], "advisor": problem["advisors"][0]["id"],
                                 "start": "2026-10-29T23:30"}]}
    solution["score"] = check_solution(problem, solution).score
    assert check_solution(problem, solution).ok  # every hard rule holds in the planner's wall-clock terms
    plan = boundary.save_plan(team, week, problem, solution, skipped=maps.skipped)
    db.session.expire_all()
    item = db.session.get(Plan, plan.id).items[0]
    # Back at the pinned moment (the first 23:30, EEST), and 30 real minutes long: 20:30-21:00 UTC.
    assert (item.starts_at, item.ends_at) == (datetime(2026, 10, 29, 20, 30, tzinfo=UTC),
                                              datetime(2026, 10, 29, 21, 0, tzinfo=UTC))
