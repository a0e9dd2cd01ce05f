"""No double booking, ever: desks booking the same advisor time or the same client at the same moment.

Real threads on a real database (a SQLite file; PostgreSQL with CASELOAD_TEST_POSTGRES=1). Every racer has
read the week and chosen its offer before any of them books (a barrier), so without the team lock each
would find the time free and book it.
"""
from __future__ import annotations

import threading
from collections import Counter

from caseload.extensions import db
from caseload.models import AppointmentType, Client, Team, User
from caseload.services.desk import asks
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.rota.requests import parse_windows
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _race(demo_app, jobs: list[tuple[int, int, str]], week=None) -> list:
    """Book each (client id, advisor id, local start) in its own thread at once: "booked" or "conflict"."""
    north_id, type_id, leader_id = m.team("north").id, d.follow_up().id, m.user("leader").id
    week = week or d.week()
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, client_id, advisor_id, start):
        with demo_app.app_context():
            try:
                team, leader = db.session.get(Team, north_id), db.session.get(User, leader_id)
                ask = asks.Ask(db.session.get(Client, client_id), db.session.get(AppointmentType, type_id), week,
                                  parse_windows(d.WHOLE_WEEK, week))
                db.session.commit()  # give the connection back: 20 racers share the pool's 15
                barrier.wait(timeout=60)
                booking.book(team, ask, advisor_id, start, leader)
                results[index] = "booked"
            except asks.BookingConflict as err:
                results[index] = ("conflict", len(err.offers))
            except BaseException as err:  # noqa: BLE001 - reported to the test
                results[index] = err
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not any(isinstance(r, BaseException) or r is None for r in results), [r for r in results if not isinstance(r, threading.BrokenBarrierError)]
    return results


def test_twenty_desks_booking_one_slot_of_a_week_not_yet_published_pin_it_once(demo_app):
    """No plan row to version here: the team lock alone keeps the second pin out."""
    from sqlalchemy import select

    from caseload.models import AppointmentRequest

    week = d.next_week()
    client = m.client_of("advisor1")
    offer = desk_offers.offers(m.team("north"), d.ask(client, week_start=week))[0]
    results = _race(demo_app, [(client.id, offer.advisor.id, offer.local)] * 20, week)
    counts = Counter(r if r == "booked" else r[0] for r in results)
    assert counts == {"booked": 1, "conflict": 19}, results
    db.session.expire_all()
    pinned = db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.week_start == week,
                                                                 AppointmentRequest.booked_at.is_not(None))).all()
    assert [(r.pinned_advisor_id, r.pinned_start) for r in pinned] == [(offer.advisor.id, offer.start)]


def _no_double_booking(plan) -> None:
    by_advisor, by_client = {}, {}
    for item in plan.items:
        if item.advisor_id is None:
            continue
        for key, table in ((item.advisor_id, by_advisor), (item.request.client_id, by_client)):
            for start, end in table.get(key, []):
                assert not (start < item.ends_at and item.starts_at < end), f"double booking of {key} at {start}"
            table.setdefault(key, []).append((item.starts_at, item.ends_at))


def test_twenty_desks_booking_the_same_slot_book_it_once(demo_app):
    d.publish_week()
    client = m.client_of("advisor1")
    offer = desk_offers.offers(m.team("north"), d.ask(client))[0]
    before = d.request_count()
    results = _race(demo_app, [(client.id, offer.advisor.id, offer.local)] * 20)
    counts = Counter(r if r == "booked" else r[0] for r in results)
    assert counts == {"booked": 1, "conflict": 19}, results
    assert all(r[1] >= 1 for r in results if r != "booked"), "each conflict carries fresh offers"
    assert d.request_count() == before + 1
    plan = d.current()
    assert plan.published_version == 2
    booked = [i for i in plan.items if i.request.booked_at is not None]
    assert [(i.advisor_id, i.starts_at) for i in booked] == [(offer.advisor.id, offer.start)]
    _no_double_booking(plan)


def _exactly(local: str) -> str:
    """A window of exactly one follow-up (30 minutes) at `local`, as the desk's form writes it."""
    hour, minute = int(local[11:13]), int(local[14:16])
    end = hour * 60 + minute + 30
    return f"{local[:10]} {local[11:16]}-{end // 60:02d}:{end % 60:02d}"


def test_two_clients_for_one_advisor_time_and_one_client_with_two_advisors(demo_app):
    from sqlalchemy import select

    d.publish_week()
    north = m.team("north")
    client = m.client_of("advisor1")
    offer = desk_offers.offers(north, d.ask(client))[0]
    other = next(c for c in db.session.scalars(select(Client).where(Client.team_id == north.id, Client.id != client.id,
                                                                    Client.need_id == client.need_id))
                 if any(o.advisor.id == offer.advisor.id
                        for o in desk_offers.offers(north, d.ask(c, _exactly(offer.local)), count=50)))
    results = _race(demo_app, [(client.id, offer.advisor.id, offer.local), (other.id, offer.advisor.id, offer.local)])
    assert sorted(r if r == "booked" else r[0] for r in results) == ["booked", "conflict"], results
    _no_double_booking(d.current())
    # The same client at one time with two different advisors (each free then): one of the two.
    for later in desk_offers.offers(north, d.ask(client), count=50):
        able = desk_offers.offers(north, d.ask(client, _exactly(later.local)), count=50)
        if len(able) >= 2:
            break
    else:
        raise AssertionError("no time with two advisors free for the client")
    results = _race(demo_app, [(client.id, able[0].advisor.id, later.local), (client.id, able[1].advisor.id, later.local)])
    assert sorted(r if r == "booked" else r[0] for r in results) == ["booked", "conflict"], results
    _no_double_booking(d.current())


def test_a_series_racing_single_bookings_of_its_instances_books_one_or_the_other(demo_app):
    """A fortnightly series of 4 against 19 single bookings, each of one of its instances' times (another
    client with the same advisor), all at once: the database lock lets through either the series (all 4)
    or singles (one per instance time at most), never both for one time, and never part of the series."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from caseload.models import AppointmentRequest, BookingSeries
    from caseload.services.desk import series
    from caseload.services.planning.plans import published_plan

    d.publish_week()
    d.publish_week(d.week() + timedelta(weeks=2))
    north, advisor = m.team("north"), m.user("advisor1").advisor
    client = m.client_of("advisor1")
    repeat = series.Repeat(2, 4)
    mine = d.ask(client, advisor=advisor)
    offer = series.series_offers(north, mine, repeat)[0]
    # Other clients whom advisor1 could see at one of the series' times.
    others = []
    for k, start in enumerate(offer.starts):
        week = d.week() + timedelta(weeks=2 * k)
        for other in db.session.scalars(select(Client).where(Client.team_id == north.id, Client.id != client.id,
                                                             Client.need_id == client.need_id)):
            if any(o.advisor.id == advisor.id and o.local == start
                   for o in desk_offers.offers(north, d.ask(other, _exactly(start), week_start=week, advisor=advisor))):
                others.append((other.id, start, week))
                break
    assert len(others) == 4, others
    north_id, type_id, leader_id, client_id, advisor_id = north.id, d.follow_up().id, m.user("leader").id, client.id, advisor.id
    jobs = [("series", None, None, None)] + [("single", *others[i % 4]) for i in range(19)]
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, what, other_id, start, week):
        with demo_app.app_context():
            try:
                team, leader = db.session.get(Team, north_id), db.session.get(User, leader_id)
                kind = db.session.get(AppointmentType, type_id)
                if what == "series":
                    ask = asks.Ask(db.session.get(Client, client_id), kind, d.week(), parse_windows(d.WHOLE_WEEK, d.week()))
                else:
                    ask = asks.Ask(db.session.get(Client, other_id), kind, week, parse_windows(_exactly(start), week))
                db.session.commit()
                barrier.wait(timeout=60)
                if what == "series":
                    series.book_series(team, ask, repeat, advisor_id, offer.starts, leader)
                else:
                    booking.book(team, ask, advisor_id, start, leader)
                results[index] = (what, "booked")
            except asks.BookingConflict:
                results[index] = (what, "conflict")
            except BaseException as err:  # noqa: BLE001 - reported to the test
                results[index] = err
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)
    assert all(isinstance(r, tuple) for r in results), results
    singles = sum(1 for r in results if r == ("single", "booked"))
    series_booked = ("series", "booked") in results
    db.session.expire_all()
    instances = db.session.scalar(select(func.count(AppointmentRequest.id)).where(AppointmentRequest.series_id.is_not(None)))
    assert instances == (4 if series_booked else 0)  # all or nothing
    assert db.session.scalar(select(func.count(BookingSeries.id))) == (1 if series_booked else 0)
    # Each instance time went to the series or to one single booking, never both, never two singles.
    assert singles == (0 if series_booked else 4), results
    for k in (0, 2):
        _no_double_booking(published_plan(north, d.week() + timedelta(weeks=k)))
