"""The audit log shows detail values as words, not Python's repr (None, ['north', 'south'], True)."""
from __future__ import annotations

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Role, User
from caseload.services import audit


def test_audit_detail_values_are_readable(demo_client, demo_auth):
    audit.record("plan_job_started", user=None, previous_plan=None, teams=["north", "south"], pinned=True)
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit?action=plan_job_started").get_data(as_text=True)
    assert "<strong>previous plan</strong>: —" in page
    assert "<strong>teams</strong>: north, south" in page
    assert "<strong>pinned</strong>: yes" in page
    assert "None" not in page and "[&#39;" not in page


def test_audit_what_column_names_things_as_the_pages_do(demo_client, demo_auth):
    """Not the model class names ("SolveJob #1"): a planning run, and users and teams with their names (the
    stored ids in a title)."""
    from tests.web import access_matrix as m

    job, leader, north = m.make_job(m.team("north")), m.user("leader"), m.team("north")
    for obj in (job, leader, north):
        audit.record("wording_test", user=None, obj=obj)
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit?action=wording_test").get_data(as_text=True)
    week = f"{job.week_start:%a %d %b %Y}"
    assert f'<td><span title="planning run #{job.id}">Planning run #{job.id} for north, week of {week}</span></td>' in page
    assert f'<td><span title="user #{leader.id}">User Lee Leader (leader)</span></td>' in page
    assert f'<td><span title="team #{north.id}">Team north</span></td>' in page
    assert "SolveJob" not in page
    # The filters still narrow the list.
    assert "3 events" in page
    by_admin = demo_client.get("/admin/audit?action=wording_test&user=admin").get_data(as_text=True)
    assert "0 events" in by_admin


def test_unknown_object_types_read_as_words():
    from caseload.services.audit import object_name

    assert object_name("AppointmentRequest") == "Appointment request"
    assert object_name("SomeNewThing") == "Some new thing"
    assert object_name("Plan") == "Plan"


def test_bad_audit_filters_say_what_to_do(demo_client, demo_auth):
    """A user that matches no one or several, and a backwards date range, are named errors (400), not
    WTForms' wording or an empty result that reads as "nothing happened"."""
    demo_auth.login("admin")
    for query, error in (("user=abc", "User: No user&#39;s username or name contains &#39;abc&#39;."),
                         ("user=-1", "User: No user&#39;s username or name contains &#39;-1&#39;."),
                         ("user=advisor", "User: Several users match &#39;advisor&#39; (advisor1, advisor10, ")):
        response = demo_client.get(f"/admin/audit?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and error in page, query
        assert 'aria-invalid="true"' in page and 'aria-describedby="user-hint user-error"' in page
    backwards = demo_client.get("/admin/audit?since=2030-01-01&until=2001-01-01")
    assert backwards.status_code == 400 and "Until: &#39;Until&#39; is before &#39;From&#39;." in backwards.get_data(as_text=True)
    assert demo_client.get("/admin/audit?since=2001-01-01&until=2030-01-01").status_code == 200


def test_the_user_filter_is_typed_not_a_list_of_every_account(demo_client, demo_auth):
    """At 50 teams a list of every account runs to 600+ names: the filter is a text field (no script
    needed) that takes a whole username in any case, or a part of one name that only one user has."""
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    for k in range(40):
        db.session.add(User(username=f"bulk{k:03d}", display_name=f"Bulk User {k}", role=Role.ADVISOR,
                            password_hash="x"))
    audit.record("filter_test", user=admin)
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit").get_data(as_text=True)
    assert 'id="user" maxlength="120" name="user" type="text"' in page and "bulk039" not in page
    for typed in ("ADMIN", "admin"):
        found = demo_client.get(f"/admin/audit?action=filter_test&user={typed}").get_data(as_text=True)
        assert "1 event," in found, typed
    bulk = demo_client.get("/admin/audit?action=filter_test&user=bulk").get_data(as_text=True)
    assert "Several users match &#39;bulk&#39; (bulk000, bulk001, " in bulk and "bulk010" not in bulk
    assert "and more): type the whole username." in bulk
    assert "0 events" in demo_client.get("/admin/audit?action=filter_test&user=bulk007").get_data(as_text=True)
    # Part of a name only one user has (percent and underscore are text, not patterns).
    assert "1 event," in demo_client.get("/admin/audit?action=filter_test&user=dmi").get_data(as_text=True)
    assert demo_client.get("/admin/audit?user=%25").status_code == 400
