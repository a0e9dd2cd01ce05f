"""The advisor's calendar feed carries their own absences as busy events: all-day for whole days, timed (UTC)
for part days, right across a clock change, one UID per absence (an edit updates the event), and neither the
leader's reason nor note (a subscribed calendar leaves the service). Another advisor's absences are not in it.
Absences are added through the rota's absence form, as a team leader adds them."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar
from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Absence
from caseload.services.people import calendar_feed
from tests import clock
from tests.web import access_matrix as m

UTC = timezone.utc
SPRING_WEEK = date(2027, 3, 22)  # UK clocks go forward on Sunday 28 March 2027, 01:00 GMT -> 02:00 BST
AUTUMN_WEEK = date(2027, 10, 25)  # UK clocks go back on Sunday 31 October 2027, 02:00 BST -> 01:00 GMT


def _add_absence(client, week: date, advisor, first: date, last: date, times=("", ""), reason="leave", note=""):
    north = m.team("north")
    answer = client.post(f"/rota/t/{north.id}/{week.isoformat()}/absences", data={
        "advisor": advisor.id, "start_day": first.isoformat(), "end_day": last.isoformat(),
        "start_time": times[0], "end_time": times[1], "reason": reason, "note": note})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return db.session.scalar(select(Absence).where(Absence.advisor_id == advisor.id).order_by(Absence.id.desc()))


def _feed_url(demo_client) -> str:
    demo_client.post("/me/calendar/renew")
    page = demo_client.get("/me/calendar").get_data(as_text=True)
    start = page.index("http://localhost/me/calendar/")
    return page[start:page.index('"', start)].removeprefix("http://localhost")


def _absence_events(ical: bytes) -> dict:
    events = Calendar.from_ical(ical).walk("VEVENT")
    return {str(e["uid"]): e for e in events if str(e["uid"]).startswith("caseload-absence-")}


def test_the_feed_shows_whole_and_part_day_absences_across_the_spring_clock_change(demo_client, demo_auth):
    me, other = m.user("advisor1").advisor, m.user("advisor2").advisor
    demo_auth.login("leader")
    # Saturday and Sunday 28 March (a 23-hour day): 47 hours in UTC, still two whole days.
    days = _add_absence(demo_client, SPRING_WEEK, me, date(2027, 3, 27), date(2027, 3, 28),
                        reason="sick: hospital", note="chemotherapy")
    morning = _add_absence(demo_client, SPRING_WEEK, me, date(2027, 3, 22), date(2027, 3, 22),
                           times=("09:00", "12:30"), reason="training")
    theirs = _add_absence(demo_client, SPRING_WEEK, other, date(2027, 3, 24), date(2027, 3, 24), reason="leave")
    demo_auth.logout()
    demo_auth.login("advisor1")
    url = _feed_url(demo_client)
    demo_auth.logout()  # calendar apps do not sign in
    with clock.at(datetime(2027, 3, 21, 12, tzinfo=UTC)):  # a Sunday: the feed's weeks reach this one
        response = demo_client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = _absence_events(response.data)
    assert set(events) == {calendar_feed.absence_uid(days.id), calendar_feed.absence_uid(morning.id)}
    assert calendar_feed.absence_uid(theirs.id) not in response.get_data(as_text=True)

    whole = events[calendar_feed.absence_uid(days.id)]
    start, end = whole.decoded("dtstart"), whole.decoded("dtend")
    assert type(start) is date and type(end) is date  # VALUE=DATE: all-day, whatever the day's length
    assert (start, end) == (date(2027, 3, 27), date(2027, 3, 29))  # DTEND is exclusive: the day after the last
    part = events[calendar_feed.absence_uid(morning.id)]
    assert (part.decoded("dtstart"), part.decoded("dtend")) == (datetime(2027, 3, 22, 9, tzinfo=UTC),
                                                                datetime(2027, 3, 22, 12, 30, tzinfo=UTC))
    for event in events.values():
        assert str(event["summary"]) == "Absent" and str(event["transp"]) == "OPAQUE"
        assert str(event["status"]) == "CONFIRMED"
    text = response.get_data(as_text=True)
    assert "hospital" not in text and "chemotherapy" not in text and "training" not in text


def test_a_part_day_absence_across_the_autumn_change_keeps_its_real_times_and_uid_when_edited(demo_client, demo_auth):
    """Saturday 22:00 BST to Sunday 10:00 GMT is 13 hours (21:00 to 10:00 UTC), not 12. Moved by the leader,
    it stays one event (same UID, higher SEQUENCE): a calendar app updates it rather than adding a copy."""
    user = m.user("advisor1")
    demo_auth.login("leader")
    night = _add_absence(demo_client, AUTUMN_WEEK, user.advisor, date(2027, 10, 30), date(2027, 10, 31),
                         times=("22:00", "10:00"))
    uid = calendar_feed.absence_uid(night.id)
    event = _absence_events(calendar_feed.feed(user, today=AUTUMN_WEEK))[uid]
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert (start, end) == (datetime(2027, 10, 30, 21, tzinfo=UTC), datetime(2027, 10, 31, 10, tzinfo=UTC))
    assert end - start == timedelta(hours=13)
    before = int(event["sequence"])

    north = m.team("north")
    moved = demo_client.post(f"/rota/t/{north.id}/absences/{night.id}", data={
        "advisor": user.advisor.id, "start_day": "2027-10-31", "end_day": "2027-10-31", "start_time": "",
        "end_time": "", "reason": "leave", "version": night.version_id})
    assert moved.status_code == 302, moved.get_data(as_text=True)[:2000]
    events = _absence_events(calendar_feed.feed(user, today=AUTUMN_WEEK))
    assert list(events) == [uid]  # the same event, now the whole (25-hour) Sunday
    assert (events[uid].decoded("dtstart"), events[uid].decoded("dtend")) == (date(2027, 10, 31), date(2027, 11, 1))
    assert int(events[uid]["sequence"]) > before


def test_an_absence_outside_the_feeds_weeks_is_left_out(demo_client, demo_auth):
    user = m.user("advisor1")
    demo_auth.login("leader")
    far = _add_absence(demo_client, AUTUMN_WEEK, user.advisor, date(2027, 10, 26), date(2027, 10, 26))
    assert calendar_feed.absence_uid(far.id) not in _absence_events(calendar_feed.feed(user, today=SPRING_WEEK))
    assert calendar_feed.absence_uid(far.id) in _absence_events(calendar_feed.feed(user, today=AUTUMN_WEEK))
