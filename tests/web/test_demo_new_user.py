"""The demo office a new user gets (`flask seed-demo`, what `make run` loads): the office is closed on the public
holidays (England and Wales, from the `holidays` library), so the desk never books Christmas Day; and past
appointments are booked with their attendance, so the desk, My caseload and the DNA report have something to show.

The clock is the tests' pinned one (Sun 29 Nov 2026; the demo week Mon 30 Nov) unless a test travels."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import AppointmentRequest, Client, ClosureDay, Contact, Team
from caseload.services import public_holidays
from caseload.services.desk import series
from caseload.services.desk.attendance import client_view
from caseload.services.reports import dna_by_team
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d

SMALL = ["seed-demo", "--clients", "30", "--requests", "10"]
WEDNESDAY_3PM = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)  # in the demo week, London is on GMT


def _seed(app, *extra):
    result = app.test_cli_runner().invoke(args=[*SMALL, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_public_holidays_come_from_the_library_with_substitute_days():
    days = dict(public_holidays.public_holidays(2026))
    assert days[date(2026, 12, 25)] == "Christmas Day"
    assert date(2026, 12, 26) in days and "observed" in days[date(2026, 12, 28)]  # Boxing Day on a Saturday
    assert date(2026, 4, 3) in days and date(2026, 4, 6) in days  # Good Friday, Easter Monday
    assert {date(2026, 5, 4), date(2026, 5, 25), date(2026, 8, 31)} <= set(days)
    assert date(2027, 3, 26) in dict(public_holidays.public_holidays(2027))  # Easter moves: Good Friday 2027
    try:
        public_holidays.public_holidays(2026, "XX")
    except public_holidays.UnknownRegion as err:
        assert "XX" in str(err)
    else:
        raise AssertionError("an unknown region was accepted")


def test_the_demo_office_is_closed_on_public_holidays_and_the_desk_skips_them(app):
    output = _seed(app)
    closed = {c.day: c for c in db.session.scalars(select(ClosureDay))}
    for day in (date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29)):
        assert day in closed and closed[day].team_id is None, day
    assert f"Office closed on {len(closed)} public holidays" in output
    # A weekly series across Christmas (Thursdays or Fridays) lands on no closed day.
    north = m.team("north")
    client = db.session.scalar(select(Client).where(Client.team_id == north.id, Client.named_advisor_id.is_not(None))
                               .order_by(Client.id))
    ask = d.ask(client, "thu 09:00-17:00\nfri 09:00-17:00", week_start=date(2026, 12, 14))
    found = series.series_offers(north, ask, series.Repeat(1, 3), count=5)
    assert found
    for offer in found:
        days = {datetime.strptime(s, "%Y-%m-%dT%H:%M").date() for s in offer.starts}
        assert days.isdisjoint({date(2026, 12, 25), date(2027, 1, 1)}), offer.starts
    # Seeding again adds no second closure.
    again = _seed(app)
    assert "already present" in again and db.session.scalar(select(func.count(ClosureDay.id))) == len(closed)


def test_no_holidays_leaves_the_office_open(app):
    _seed(app, "--no-holidays", "--no-past")
    assert db.session.scalar(select(func.count(ClosureDay.id))) == 0
    assert db.session.scalar(select(func.count(AppointmentRequest.id)).where(
        AppointmentRequest.attendance.is_not(None))) == 0


def test_the_demo_has_past_appointments_with_attendance(app):
    with clock.at(WEDNESDAY_3PM):
        _seed(app, "--no-holidays")
        now = datetime.now(timezone.utc)
        week, previous = date(2026, 11, 30), date(2026, 11, 23)
        booked = list(db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.pinned_start.is_not(None))))
        last_week = [r for r in booked if r.week_start == previous]
        this_week = [r for r in booked if r.week_start == week]
        assert {r.attendance for r in last_week} == {"attended", "dna"}
        assert {r.attendance for r in this_week} == {"attended", "dna", None}  # one left for the advisor to record
        assert all(r.pinned_start < now for r in booked)
        # Every attended appointment is the contact behind the continuity figures; a DNA is no contact.
        linked = {c.request_id: c for c in db.session.scalars(select(Contact).where(Contact.request_id.is_not(None)))}
        for r in booked:
            assert (r.id in linked) == (r.attendance == "attended"), r.id
            if r.id in linked:
                assert linked[r.id].occurred_at == r.pinned_start and linked[r.id].advisor_id == r.pinned_advisor_id
        # No advisor or client is booked twice at once; each works then (pattern, no absence).
        for key in ("pinned_advisor_id", "client_id"):
            seen = [(getattr(r, key), r.pinned_start) for r in booked]
            assert len(seen) == len(set(seen)), key
        for r in this_week:
            day = to_local(r.pinned_start, "Europe/London")
            spans = r.pinned_advisor.work_pattern[("mon", "tue", "wed", "thu", "fri")[day.weekday()]]
            assert any(a <= f"{day:%H:%M}" < b for a, b in spans)
        # The DNA report and a client's page have something to show.
        report = dna_by_team(list(db.session.scalars(select(Team))), weeks=[previous, week])
        assert any(row[3] > 0 for row in report.rows)
        dna = next(r for r in last_week if r.attendance == "dna")
        view = client_view(dna.client, now)
        assert view.dna >= 1 and any(row.request.id == dna.id for row in view.past)


def test_the_administrator_adds_a_years_public_holidays_in_one_press(demo_client, demo_auth):
    """/admin/closures offers this year and next; pressing adds the year's holidays for the whole service and
    says which; pressing again adds nothing and says they were already closed."""
    demo_auth.login("admin")
    page = demo_client.get("/admin/closures").get_data(as_text=True)
    assert "Add the public holidays for 2026" in page and "Add the public holidays for 2027" in page
    added = demo_client.post("/admin/closures/public-holidays/2027", follow_redirects=True).get_data(as_text=True)
    days = {c.day: c for c in db.session.scalars(select(ClosureDay))}
    # Christmas and Boxing Day 2027 fall on the weekend the office does not work: no change (their substitute
    # weekdays are closed instead; test_public_holiday_weekends).
    assert set(days) == {day for day, _ in public_holidays.public_holidays(2027) if day.weekday() < 5}
    assert all(c.team_id is None for c in days.values()) and days[date(2027, 3, 26)].reason == "Good Friday"
    assert f"Office closed on {len(days)} public holidays of 2027 (England and Wales)" in added
    again = demo_client.post("/admin/closures/public-holidays/2027", follow_redirects=True).get_data(as_text=True)
    assert f"{len(days)} already closed, left as they were" in again
    assert db.session.scalar(select(func.count(ClosureDay.id))) == len(days)
    assert demo_client.post("/admin/closures/public-holidays/1850").status_code == 404
    demo_auth.logout()
    demo_auth.login("leader")
    assert demo_client.post("/admin/closures/public-holidays/2028").status_code == 403
    assert not [c for c in db.session.scalars(select(ClosureDay)) if c.day.year == 2028]
