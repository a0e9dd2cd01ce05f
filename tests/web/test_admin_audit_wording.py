"""The audit log shows detail values as words, not Python's repr (None, ['north', 'south'], True)."""
from __future__ import annotations

from caseload.extensions import db
from caseload.services import audit


def test_audit_detail_values_are_readable(demo_client, demo_auth):
    audit.record("plan_job_started", user=None, previous_plan=None, teams=["north", "south"], pinned=True)
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit?action=plan_job_started").get_data(as_text=True)
    assert "<strong>previous_plan</strong>: —" in page
    assert "<strong>teams</strong>: north, south" in page
    assert "<strong>pinned</strong>: yes" in page
    assert "None" not in page and "[&#39;" not in page


def test_audit_what_column_names_things_as_the_pages_do(demo_client, demo_auth):
    """Not the model class names ("SolveJob #1"): a planning run, and users and teams with their names."""
    from tests.web import access_matrix as m

    job, leader, north = m.make_job(m.team("north")), m.user("leader"), m.team("north")
    for obj in (job, leader, north):
        audit.record("wording_test", user=None, obj=obj)
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit?action=wording_test").get_data(as_text=True)
    assert f"<td>Planning run #{job.id}</td>" in page
    assert f"<td>User #{leader.id} (leader)</td>" in page
    assert f"<td>Team #{north.id} (north)</td>" in page
    assert "SolveJob" not in page
    # The filters still narrow the list.
    assert "3 events" in page
    by_admin = demo_client.get(f"/admin/audit?action=wording_test&user={m.user('admin').id}").get_data(as_text=True)
    assert "0 events" in by_admin


def test_unknown_object_types_read_as_words():
    from caseload.services.audit import object_name

    assert object_name("AppointmentRequest") == "Appointment request"
    assert object_name("SomeNewThing") == "Some new thing"
    assert object_name("Plan") == "Plan"


def test_bad_audit_filters_say_what_to_do(demo_client, demo_auth):
    """A user that is not in the list, and a backwards date range, are named errors (400), not WTForms' wording
    or an empty result that reads as "nothing happened"."""
    demo_auth.login("admin")
    for query in ("user=abc", "user=-1"):
        response = demo_client.get(f"/admin/audit?{query}")
        assert response.status_code == 400 and "User: Choose a user from the list." in response.get_data(as_text=True)
        assert "could not coerce" not in response.get_data(as_text=True)
    backwards = demo_client.get("/admin/audit?since=2030-01-01&until=2001-01-01")
    assert backwards.status_code == 400 and "Until: &#39;Until&#39; is before &#39;From&#39;." in backwards.get_data(as_text=True)
    assert demo_client.get("/admin/audit?since=2001-01-01&until=2030-01-01").status_code == 200
