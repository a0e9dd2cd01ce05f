"""A public holiday on a day the office does not work anyway (Christmas Day 2027 on a Saturday, Boxing Day on the
Sunday) closes nothing: "Add the public holidays" shows it as no change and adds no closure, while the substitute
weekdays (Mon 27, Tue 28 Dec 2027) are closed. The working days are the advisors' (public_holidays.working_weekdays),
not a fixed Monday to Friday: an office with Saturday surgeries is closed on a Saturday holiday."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Advisor, ClosureDay
from caseload.services import public_holidays
from tests.web import access_matrix as m

CHRISTMAS, BOXING_DAY = date(2027, 12, 25), date(2027, 12, 26)  # Saturday, Sunday
OBSERVED = (date(2027, 12, 27), date(2027, 12, 28))


def _closed() -> dict:
    db.session.expire_all()
    return {c.day: c for c in db.session.scalars(select(ClosureDay))}


def test_weekend_holidays_are_no_change_and_add_no_closure(demo_client, demo_auth):
    listed = dict(public_holidays.public_holidays(2027))
    assert CHRISTMAS in listed and BOXING_DAY in listed  # the library lists them beside their substitute days
    demo_auth.login("admin")
    page = demo_client.post("/admin/closures/public-holidays/2027", follow_redirects=True).get_data(as_text=True)
    closed = _closed()
    assert CHRISTMAS not in closed and BOXING_DAY not in closed
    assert all(day in closed for day in OBSERVED)
    assert set(closed) == {day for day in listed if day.weekday() < 5}
    assert ("No change for Sat 25 Dec (Christmas Day), Sun 26 Dec (Boxing Day): days the office does not work "
            "anyway (weekend), so no closure was added.") in page.replace("&#39;", "'")
    assert f"Office closed on {len(closed)} public holidays of 2027" in page


def test_a_saturday_holiday_closes_an_office_that_works_saturdays(demo_client, demo_auth):
    advisor = m.user("advisor1").advisor
    advisor.work_pattern = {**advisor.work_pattern, "sat": [["09:00", "12:00"]]}
    db.session.commit()
    assert public_holidays.working_weekdays() == frozenset({0, 1, 2, 3, 4, 5})
    demo_auth.login("admin")
    page = demo_client.post("/admin/closures/public-holidays/2027", follow_redirects=True).get_data(as_text=True)
    closed = _closed()
    assert CHRISTMAS in closed and closed[CHRISTMAS].reason == "Christmas Day"  # someone works that Saturday
    assert BOXING_DAY not in closed and "No change for Sun 26 Dec (Boxing Day): a day" in page


def test_one_teams_holidays_follow_its_own_advisors(demo_app):
    """Closing one team's office reads only its own advisors' patterns."""
    north = m.team("north")
    others = db.session.scalar(select(Advisor).where(Advisor.team_id != north.id, Advisor.active.is_(True)))
    assert others is not None
    others.work_pattern = {**others.work_pattern, "sat": [["09:00", "12:00"]]}
    db.session.commit()
    assert 5 not in public_holidays.working_weekdays(north) and 5 in public_holidays.working_weekdays(others.team)
    result = public_holidays.add_public_holidays(2027, by=None, team=north)
    db.session.commit()
    assert (CHRISTMAS, "Christmas Day") in result.not_working and CHRISTMAS not in {c.day for c in result.added}
    result = public_holidays.add_public_holidays(2027, by=None, team=others.team)
    db.session.commit()
    assert CHRISTMAS in {c.day for c in result.added} and (BOXING_DAY, "Boxing Day") in result.not_working
