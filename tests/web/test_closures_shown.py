"""Every page that shows a week says why a closed day is empty: "Office closed: <reason>" on My week, the team's
week, the plan's review, the desk's offers and the advisor's calendar feed (an all-day, free event)."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from caseload.extensions import db
from caseload.services import closures
from caseload.services.people import calendar_feed
from caseload.services.planning.problem import team_advisors
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _close(day, reason, team=None):
    closures.add_closure(day, team, reason, by=m.user("admin"))
    db.session.commit()


def test_my_week_says_the_office_is_closed_before_and_after_publishing(demo_client, demo_auth):
    tuesday = d.week() + timedelta(days=1)
    demo_auth.login("advisor1")
    url = f"/me/week/{d.week().isoformat()}"
    assert "Office closed" not in demo_client.get(url).get_data(as_text=True)
    _close(tuesday, "Bank holiday")
    page = demo_client.get(url).get_data(as_text=True)  # not published yet
    assert "Tue 01 Dec: Office closed: Bank holiday." in page
    d.publish_week()
    page = demo_client.get(url).get_data(as_text=True)
    grid_head = page.split('class="week-grid me-grid"')[1].split("</thead>")[0]
    assert "Tue 01<br><span class=\"closed\">Office closed: Bank holiday</span>" in grid_head
    assert "less working time this week (office closed)" in page  # the target is cut, and says why


def test_another_teams_closure_is_not_shown_on_my_week(demo_client, demo_auth):
    _close(d.week() + timedelta(days=1), "South refurbishment", team=m.team("south"))
    demo_auth.login("advisor1")  # north
    assert "Office closed" not in demo_client.get(f"/me/week/{d.week().isoformat()}").get_data(as_text=True)


def test_the_teams_week_says_office_closed_in_the_header_and_each_advisors_day(demo_client, demo_auth):
    _close(d.week() + timedelta(days=1), "Bank holiday")
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/t/{m.team('north').id}/{d.week().isoformat()}/").get_data(as_text=True)
    table = page.split('id="working-time"')[1]
    assert '<span class="closed">Office closed: Bank holiday</span>' in table
    assert table.count('<span class="muted">Office closed: Bank holiday</span>') == len(team_advisors(m.team("north")))


def test_the_plans_review_marks_the_closed_day(demo_client, demo_auth):
    tuesday = d.week() + timedelta(days=1)
    _close(tuesday, "Bank holiday")
    plan = d.publish_week()
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/plans/{plan.id}").get_data(as_text=True)
    assert "Tue 01 Dec</a><br><span class=\"closed\">Office closed: Bank holiday</span>" in page
    day = demo_client.get(f"/rota/plans/{plan.id}?day={tuesday.isoformat()}").get_data(as_text=True)
    assert 'id="day-closed">Office closed: Bank holiday.' in day
    other = demo_client.get(f"/rota/plans/{plan.id}?day={d.week().isoformat()}").get_data(as_text=True)
    assert 'id="day-closed"' not in other


def test_the_calendar_feed_has_an_all_day_office_closed_event(demo_app):
    tuesday = d.week() + timedelta(days=1)
    _close(tuesday, "Bank holiday")
    _close(d.week() + timedelta(days=3), "South only", team=m.team("south"))
    events = Calendar.from_ical(calendar_feed.feed(m.user("advisor1"))).walk("VEVENT")
    closed = [e for e in events if str(e["summary"]).startswith("Office closed")]
    assert len(closed) == 1  # the south team's closure is not north's advisor's
    event = closed[0]
    assert str(event["summary"]) == "Office closed: Bank holiday"
    assert event.decoded("dtstart") == tuesday and event.decoded("dtend") == tuesday + timedelta(days=1)
    assert str(event["transp"]) == "TRANSPARENT"
