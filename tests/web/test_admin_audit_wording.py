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
