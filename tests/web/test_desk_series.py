"""Series at the desk: "every 2 weeks, 4 times" with one advisor, all or nothing, cancel one or the rest."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentRequest, BookingSeries, Plan
from caseload.services.desk import asks
from caseload.services.desk import booking
from caseload.services.desk import cancelling
from caseload.services.desk import offers as desk_offers
from caseload.services.desk import series
from tests.web import access_matrix as m
from tests.web import desk_support as d

FORTNIGHTLY_4 = series.Repeat(2, 4)


def _plans() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Plan.id)))


def _series_count() -> int:
    return db.session.scalar(select(func.count(BookingSeries.id)))


def _advisor_ask(client):
    return d.ask(client, advisor=m.user("advisor1").advisor)


def test_a_fortnightly_series_of_four_keeps_one_advisor_and_the_same_time(demo_app):
    d.publish_week()
    d.publish_week(d.week() + timedelta(weeks=2))  # instance 2 lands in a published week, 3 and 4 do not
    client = m.client_of("advisor1")
    advisor = m.user("advisor1").advisor
    found = series.series_offers(m.team("north"), _advisor_ask(client), FORTNIGHTLY_4)
    assert found, "advisor1 has free time every other week"
    offer = found[0]
    assert offer.advisor.id == advisor.id and len(offer.instances) == 4
    starts = [datetime.strptime(s, "%Y-%m-%dT%H:%M") for s in offer.starts]
    assert offer.same_time and [b - a for a, b in zip(starts, starts[1:])] == [timedelta(weeks=2)] * 3
    before = d.request_count()
    booked = series.book_series(m.team("north"), _advisor_ask(client), FORTNIGHTLY_4, advisor.id, offer.starts,
                                m.user("advisor1"))
    assert d.request_count() == before + 4
    got = series.instances(booked.series)
    assert [(r.series_index, r.pinned_advisor_id) for r in got] == [(k, advisor.id) for k in (1, 2, 3, 4)]
    assert [r.week_start for r in got] == [d.week() + timedelta(weeks=2 * k) for k in range(4)]
    # Published weeks hold theirs in a new version; the others keep them as pinned requests.
    assert d.current().published_version == 2
    assert d.current(d.week() + timedelta(weeks=2)).published_version == 2
    assert any(i.request_id == got[1].id for i in d.current(d.week() + timedelta(weeks=2)).items)


def test_a_series_past_a_year_is_refused_naming_the_count_and_books_nothing(demo_app):
    client = m.client_of("advisor1")
    before, plans = d.request_count(), _plans()
    with pytest.raises(asks.BookingError) as err:
        series.series_offers(m.team("north"), d.ask(client), series.Repeat(4, 15))
    assert err.value.field == "count" and "past a year" in str(err.value) and "at most 14" in str(err.value)
    with pytest.raises(asks.BookingError) as err:
        series.book_series(m.team("north"), d.ask(client), series.Repeat(2, 30), m.user("advisor1").advisor.id,
                           ["2026-12-01T10:00"] * 30, m.user("leader"))
    assert err.value.field == "count"
    with pytest.raises(asks.BookingError) as err:
        series.series_offers(m.team("north"), d.ask(client), series.Repeat(3, 4))
    assert err.value.field == "repeat"
    assert (d.request_count(), _plans(), _series_count()) == (before, plans, 0)


def test_one_instance_taken_first_books_nothing_of_the_series(demo_app):
    d.publish_week()
    d.publish_week(d.week() + timedelta(weeks=2))
    north = m.team("north")
    client = m.client_of("advisor1")
    advisor = m.user("advisor1").advisor
    offer = series.series_offers(north, _advisor_ask(client), FORTNIGHTLY_4)[0]
    # Another desk books the client's third instance time (a single booking) first.
    third = series.instance_ask(_advisor_ask(client), FORTNIGHTLY_4, 2)
    booking.book(north, third, advisor.id, offer.starts[2], m.user("leader"))
    before, plans = d.request_count(), _plans()
    with pytest.raises(asks.BookingConflict) as err:
        series.book_series(north, _advisor_ask(client), FORTNIGHTLY_4, advisor.id, offer.starts, m.user("advisor1"))
    assert "Appointment 3 of the series" in str(err.value)
    assert err.value.offers and all(o.starts[2] != offer.starts[2] for o in err.value.offers)
    assert (d.request_count(), _plans(), _series_count()) == (before, plans, 0)
    # Instances 1 and 2 were free and in published weeks: neither week got a new version.
    assert d.current().published_version == 1 and d.current(d.week() + timedelta(weeks=2)).published_version == 1


def test_cancel_one_instance_or_the_rest_of_the_series(demo_app):
    d.publish_week()
    client = m.client_of("advisor1")
    advisor = m.user("advisor1").advisor
    offer = series.series_offers(m.team("north"), _advisor_ask(client), FORTNIGHTLY_4)[0]
    booked = series.book_series(m.team("north"), _advisor_ask(client), FORTNIGHTLY_4, advisor.id, offer.starts,
                                m.user("advisor1"))
    first, second = booked.requests[0], booked.requests[1]
    cancelling.cancel(first, m.user("leader"))
    assert all(i.request_id != first.id for i in d.current().items)  # out of the published week at once
    cancelled = series.cancel_rest(db.session.get(AppointmentRequest, second.id), m.user("leader"), reason="moved away")
    assert [r.series_index for r in cancelled] == [2, 3, 4]
    db.session.expire_all()
    assert all(r.cancelled_at is not None for r in series.instances(db.session.get(BookingSeries, booked.series.id)))
    with pytest.raises(asks.BookingError) as err:
        series.cancel_rest(db.session.get(AppointmentRequest, second.id), m.user("leader"))
    assert err.value.field == "request"


def _hidden(html: str, name: str) -> list[str]:
    import re

    return re.findall(rf'<input type="hidden" name="{name}" value="([^"]*)">', html)


def test_an_advisor_books_a_series_on_the_pages_once_however_often_the_button_is_pressed(demo_client, demo_auth):
    d.publish_week()
    client = m.client_of("advisor1")
    demo_auth.login("advisor1")
    url = f"/desk/clients/{client.id}/offers"
    assert demo_client.post(url, data=d.form()).status_code == 405  # a GET form: the back button re-posts nothing
    page = demo_client.get(url, query_string=d.form(repeat="2", count=4))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "The same weekday and time each time" in html, html[:3000]
    starts, nonce = _hidden(html, "starts")[0], _hidden(html, "nonce")[0]
    assert len(starts.split(",")) == 4
    fields = d.form(repeat="2", count=4, advisor=_hidden(html, "advisor")[0], start=_hidden(html, "start")[0],
                    starts=starts, nonce=nonce)
    before = d.request_count()
    first = demo_client.post(f"/desk/clients/{client.id}/book", data=fields)
    assert first.status_code == 302, first.get_data(as_text=True)[:3000]
    again = demo_client.post(f"/desk/clients/{client.id}/book", data=fields, follow_redirects=True)
    assert again.status_code == 200 and "sent twice; it was booked once" in again.get_data(as_text=True)
    assert d.request_count() == before + 4 and _series_count() == 1
    mine = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
    assert "Every 2 weeks, 4 times, with" in mine and mine.count("Cancel this and the rest") == 4
    second = db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.series_index == 2))
    done = demo_client.post(f"/desk/appointments/{second.id}/cancel-rest", data={}, follow_redirects=True)
    assert "Cancelled 3 appointments of the series" in done.get_data(as_text=True)
    db.session.expire_all()
    assert [r.cancelled_at is None for r in series.instances(db.session.scalar(select(BookingSeries)))] == [
        True, False, False, False]


def test_a_rebooked_instance_stays_in_its_series(demo_app):
    from caseload.services.desk import attendance

    d.publish_week()
    client = m.client_of("advisor1")
    advisor = m.user("advisor1").advisor
    offer = series.series_offers(m.team("north"), _advisor_ask(client), FORTNIGHTLY_4)[0]
    booked = series.book_series(m.team("north"), _advisor_ask(client), FORTNIGHTLY_4, advisor.id, offer.starts,
                                m.user("advisor1"))
    first = booked.requests[0]
    ask = _advisor_ask(client)
    ask.replacing = first
    later = next(o for o in desk_offers.offers(m.team("north"), ask, count=20) if o.local != offer.starts[0])
    moved = booking.book(m.team("north"), ask, later.advisor.id, later.local, m.user("advisor1"))
    assert (moved.request.series_id, moved.request.series_index) == (booked.series.id, 1)
    (view,) = attendance.client_series(db.session.get(type(client), client.id))
    assert [(row.request.series_index, status) for row, status in view.rows] == [
        (1, "upcoming"), (2, "upcoming"), (3, "upcoming"), (4, "upcoming")]
    assert view.rows[0][0].request.id == moved.request.id
