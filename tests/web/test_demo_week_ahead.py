"""The demo office a new user gets, whatever day they load it: its requests can still be placed (windows on days
ahead, or next week late in the week, where the leader is sent), its clients' names are unique and none an
advisor's, and the separation report has compliance reviews to show."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import Advisor, AppointmentRequest, Client, Contact, Team
from caseload.services.demo import seed_demo
from caseload.services.reports import separation_by_team
from tests import clock

THIS_MONDAY, NEXT_MONDAY = date(2026, 11, 30), date(2026, 12, 7)
TUESDAY_3PM = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # London is on GMT
THURSDAY_6PM = datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)


def _requests():
    return list(db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.booked_at.is_(None))))


def _window_days(requests):
    return {to_local(w.starts_at, "Europe/London").date() for r in requests for w in r.windows}


def test_on_tuesday_afternoon_the_requests_ask_for_the_days_still_ahead(app):
    with clock.at(TUESDAY_3PM):
        seed_demo("demo", clients_per_team=30, requests_per_team=40, past=False, ahead=True)
        requests = _requests()
        assert requests and {r.week_start for r in requests} == {THIS_MONDAY}
        days = _window_days(requests)
        assert days <= {date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)} and len(days) == 3
        assert all(r.windows for r in requests)


def test_on_thursday_evening_the_requests_are_for_next_week_where_the_leader_lands(app, client, auth):
    with clock.at(THURSDAY_6PM):
        result = app.test_cli_runner().invoke(args=["seed-demo", "--clients", "30", "--requests", "40"])  # + the past
        assert result.exit_code == 0 and f"requests for the week of {NEXT_MONDAY.isoformat()}" in result.output
        requests = _requests()
        assert requests and {r.week_start for r in requests} == {NEXT_MONDAY}
        assert min(_window_days(requests)) >= NEXT_MONDAY
        north = db.session.scalar(select(Team).where(Team.name == "north"))
        auth.login("leader")
        landing = client.get("/rota/")
        assert landing.status_code == 302
        assert landing.headers["Location"].endswith(f"/rota/t/{north.id}/{NEXT_MONDAY.isoformat()}/")


def test_the_tests_demo_keeps_its_week(demo_app):
    """The tests' demo (pinned Sunday 29 Nov): the requests are for Mon 30 Nov, windows from Monday."""
    requests = _requests()
    assert {r.week_start for r in requests} == {THIS_MONDAY} and min(_window_days(requests)) == THIS_MONDAY


def test_the_tests_demo_is_the_same_any_day(app):
    """seed_demo's defaults (what the tests build, real-clock ones too) keep this week's Monday to Friday."""
    with clock.at(THURSDAY_6PM):
        seed_demo("demo", clients_per_team=30, requests_per_team=40)
        requests = _requests()
        assert {r.week_start for r in requests} == {THIS_MONDAY} and min(_window_days(requests)) == THIS_MONDAY


def test_demo_clients_have_unique_names_none_an_advisors(demo_app):
    clients = [c.name for c in db.session.scalars(select(Client))]
    advisors = set(db.session.scalars(select(Advisor.name)))
    assert len(clients) == 300
    assert [n for n, k in Counter(clients).items() if k > 1] == []
    assert advisors.isdisjoint(clients)


def test_the_separation_report_has_reviews_to_show(app):
    seed_demo("demo", clients_per_team=30, requests_per_team=10, past=True)
    reviews = list(db.session.scalars(select(Contact).where(Contact.kind == "policing")))
    assert reviews and all(c.request_id is not None for c in reviews)  # each the attended review it records
    teams = list(db.session.scalars(select(Team)))
    weeks = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    rows = separation_by_team(teams, weeks=weeks).rows
    assert rows and sum(r[2] for r in rows) == len(reviews)
    kept, total = sum(r[3] for r in rows), sum(r[2] for r in rows)
    assert 0 < kept < total  # mostly kept apart, with one or two with the named advisor to act on


def test_a_region_demo_keeps_client_names_unique_past_every_first_and_last_name_pair(app):
    seed_demo("demo", teams=4, clients_per_team=150, requests_per_team=5)  # 600 clients, 480 pairs
    clients = [c.name for c in db.session.scalars(select(Client))]
    assert len(clients) == 600 and len(set(clients)) == 600
    assert set(db.session.scalars(select(Advisor.name))).isdisjoint(clients)
    assert any(". " in name for name in clients)  # a middle initial once the pairs ran out
