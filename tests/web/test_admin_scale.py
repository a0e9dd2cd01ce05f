"""The administrators' pages at a region's size (issue 18): a constant number of queries whatever the number of
users and advisors, and reports that read the contacts once and put each in its local week, clock changes
included. (Timings on the 50-team demo are in BENCHMARKS.md, "Region"; these tests pin the behaviour.)"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event, func, select

from caseload.extensions import db
from caseload.models import Advisor, Client, Contact, Team, User
from caseload.services import reports
from caseload.services.demo import TEAM_SIZE


class Statements:
    """Counts the SQL statements the app database runs while it is open."""

    def __enter__(self):
        self.count = 0
        event.listen(db.engine, "before_cursor_execute", self._one)
        return self

    def _one(self, *_args, **_kwargs):
        self.count += 1

    def __exit__(self, *_exc):
        event.remove(db.engine, "before_cursor_execute", self._one)


@pytest.mark.parametrize("url", ["/admin/users", "/admin/advisors"])
def test_the_users_and_advisors_pages_load_their_rows_in_bulk(demo_client, demo_auth, url):
    """Each row shows the user's advisor record (or the advisor's team, skills and account): loaded per row,
    the pages ran one query per user (653 on the 50-team demo, 3 s there)."""
    demo_auth.login("admin")
    users = db.session.scalar(select(func.count(User.id)))
    assert users > 2 * TEAM_SIZE  # the demo office: every advisor has an account
    with Statements() as sql:
        page = demo_client.get(url)
    assert page.status_code == 200
    assert sql.count <= 12, sql.count  # sign-in checks, the rows, one query per eager-loaded relation
    advisor = db.session.scalar(select(Advisor).where(Advisor.user_id.is_not(None)).order_by(Advisor.id))
    assert advisor.name in page.get_data(as_text=True) and advisor.user.username in page.get_data(as_text=True)


def test_the_reports_page_reads_the_contacts_once_and_shows_what_each_report_shows(demo_client, demo_auth):
    demo_auth.login("admin")
    teams = list(db.session.scalars(select(Team).order_by(Team.name)))
    with Statements() as once:
        shared = reports.page_reports(teams, teams[0])
    separate = {name: (build(teams, team=teams[0]) if name == "continuity-advisor" else build(teams))
                for name, build in reports.REPORTS.items()}
    assert {n: (r.labels, r.series, r.rows) for n, r in shared.items()} == \
           {n: (r.labels, r.series, r.rows) for n, r in separate.items()}
    assert sum(r.rows != [] for r in shared.values()) >= 3  # the demo's history fills the visit reports
    contact_reads = once.count
    with Statements() as page_sql:
        assert demo_client.get("/admin/reports").status_code == 200
    assert page_sql.count <= contact_reads + 6, (page_sql.count, contact_reads)


def test_a_contact_counts_in_its_local_week_across_a_clock_change(demo_app):
    """Europe/London goes back an hour on Sunday 25 Oct 2026: Sunday 23:30 local is 23:30 UTC (week of 19 Oct),
    Monday 00:30 local on 19 Oct is Sunday 23:30 UTC the day before (still BST)."""
    team = db.session.scalar(select(Team).where(Team.name == "north"))
    assert team.timezone == "Europe/London"
    advisor = db.session.scalar(select(Advisor).where(Advisor.team_id == team.id).order_by(Advisor.id))
    client = Client(team_id=team.id, reference="DST1", name="Dee Ess", named_advisor_id=advisor.id, complexity=1)
    db.session.add(client)
    db.session.flush()
    weeks = [date(2026, 10, 12), date(2026, 10, 19), date(2026, 10, 26)]
    moments = [
        (datetime(2026, 10, 11, 22, 59, tzinfo=timezone.utc), None),                # Sun 11 Oct 23:59 BST: before
        (datetime(2026, 10, 11, 23, 30, tzinfo=timezone.utc), date(2026, 10, 12)),  # Mon 12 Oct 00:30 BST
        (datetime(2026, 10, 18, 22, 59, tzinfo=timezone.utc), date(2026, 10, 12)),  # Sun 18 Oct 23:59 BST
        (datetime(2026, 10, 18, 23, 0, tzinfo=timezone.utc), date(2026, 10, 19)),   # Mon 19 Oct 00:00 BST
        (datetime(2026, 10, 25, 23, 30, tzinfo=timezone.utc), date(2026, 10, 19)),  # Sun 25 Oct 23:30 GMT
        (datetime(2026, 10, 26, 0, 0, tzinfo=timezone.utc), date(2026, 10, 26)),    # Mon 26 Oct 00:00 GMT
        (datetime(2026, 11, 1, 23, 59, tzinfo=timezone.utc), date(2026, 10, 26)),   # Sun 1 Nov 23:59 GMT
        (datetime(2026, 11, 2, 0, 0, tzinfo=timezone.utc), None),                   # Mon 2 Nov: after
    ]
    db.session.add_all(Contact(client_id=client.id, advisor_id=advisor.id, occurred_at=at, kind="support")
                       for at, _ in moments)
    db.session.commit()
    found = sorted(v.week for v in reports.collect_visits([team], weeks) if v.client_id == client.id)
    assert found == sorted(week for _, week in moments if week is not None)
    # The reports count in the database (visit_groups): the same weeks as the per-contact reading, clock change included.
    grouped: dict = {}
    for group in reports.visit_groups([team], weeks):
        grouped[group.week] = grouped.get(group.week, 0) + group.count
    per_contact: dict = {}
    for visit in reports.collect_visits([team], weeks):
        per_contact[visit.week] = per_contact.get(visit.week, 0) + 1
    assert grouped == per_contact


def test_the_visit_reports_counted_in_the_database_match_the_per_contact_reading(demo_app):
    """visit_groups (GROUP BY in SQL) gives every figure that reading each contact into Python gives."""
    teams = list(db.session.scalars(select(Team).order_by(Team.name)))
    weeks = reports.report_weeks(teams)
    client = db.session.scalar(select(Client).where(Client.named_advisor_id.is_not(None)).order_by(Client.id))
    other = db.session.scalar(select(Advisor).where(Advisor.id != client.named_advisor_id).order_by(Advisor.id))
    at = datetime.combine(weeks[-2], datetime.min.time(), tzinfo=timezone.utc).replace(hour=12)
    db.session.add_all(Contact(client_id=client.id, advisor_id=a, occurred_at=at, kind="policing")
                       for a in (client.named_advisor_id, other.id, other.id))  # the demo's history has none
    db.session.commit()
    contacts = reports.collect_visits(teams, weeks)
    assert len(contacts) > 100
    for build in (reports.continuity_by_team, reports.continuity_equity, reports.separation_by_team):
        sql, python = build(teams, weeks), build(teams, weeks, visits=contacts)
        assert (sql.labels, sql.series, sql.rows) == (python.labels, python.series, python.rows), build
        assert sql.rows, build
    sql = reports.continuity_by_advisor(teams, team=teams[0], weeks=weeks)
    python = reports.continuity_by_advisor(teams, team=teams[0], weeks=weeks,
                                           visits=[v for v in contacts if v.team_id == teams[0].id])
    assert sql.rows and (sql.labels, sql.series, sql.rows) == (python.labels, python.series, python.rows)


def test_the_reports_page_runs_a_constant_number_of_queries(demo_client, demo_auth):
    """Counted, not timed: the page reads each kind of figure with one query (10 at the time of writing), however
    many teams, advisors and contacts."""
    demo_auth.login("admin")
    with Statements() as sql:
        assert demo_client.get("/admin/reports").status_code == 200
    assert sql.count <= 14, sql.count
