"""The administrator's pages show stored times in the office's local time (the zone most teams use), as every
other page does, not UTC; and the service policy says "Defaults — never changed" until someone changes it (its
row is made on first read, so its time was when a page was first opened, not a change)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update

from caseload.extensions import db
from caseload.localtime import moment_text
from caseload.models import AuditEvent, ServicePolicy, Team, WeightProfile
from caseload.services import audit
from caseload.services.desk import policy
from caseload.services.people.zone import service_zone
from tests.web import access_matrix as m


def _policy_page(demo_client) -> str:
    return demo_client.get("/admin/policy").get_data(as_text=True)


def test_the_policy_says_defaults_until_an_administrator_changes_it(demo_client, demo_auth):
    demo_auth.login("admin")
    first = _policy_page(demo_client)
    assert "Defaults — never changed." in first and "Last changed" not in first
    # Saving the same values changes nothing: still the defaults.
    found = policy.current_policy()
    same = demo_client.post("/admin/policy", data={"late_cancel_hours": str(found.late_cancel_hours),
                                                   "min_notice_hours": str(found.min_notice_hours),
                                                   "version": str(found.version_id)})
    assert same.status_code in (302, 303)
    assert "Defaults — never changed." in _policy_page(demo_client)
    changed = demo_client.post("/admin/policy", data={"late_cancel_hours": "48",
                                                      "min_notice_hours": str(found.min_notice_hours),
                                                      "version": str(found.version_id)})
    assert changed.status_code in (302, 303)
    db.session.expire_all()
    saved = db.session.scalar(select(ServicePolicy))
    page = _policy_page(demo_client)
    assert "never changed" not in page
    assert f"Last changed {moment_text(saved.updated_at, 'Europe/London')} by Alex Admin." in page
    assert "UTC" not in page


def test_the_weights_say_defaults_until_changed(demo_client, demo_auth):
    demo_auth.login("admin")
    page = demo_client.get("/admin/weights").get_data(as_text=True)
    assert "Defaults — never changed." in page and "Last changed" not in page


def test_admin_times_are_in_the_teams_zone_not_utc(demo_client, demo_auth):
    db.session.execute(update(Team).values(timezone="America/New_York"))
    profile = db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True)))
    profile.updated_at = datetime(2026, 11, 27, 15, 30, tzinfo=timezone.utc)
    audit.record("zone_test", user=m.user("admin"), starts_at="2026-11-27T15:30:00+00:00")
    db.session.commit()
    assert service_zone() == "America/New_York"
    demo_auth.login("admin")
    weights = demo_client.get("/admin/weights").get_data(as_text=True)
    assert "Last changed Fri 27 Nov 2026 10:30 America/New_York." in weights and "UTC" not in weights
    page = demo_client.get("/admin/audit?action=zone_test").get_data(as_text=True)
    assert "When (America/New_York)" in page and "times in America/New_York" in page and "UTC" not in page
    assert "<strong>starts at</strong>: Fri 27 Nov 2026 10:30 America/New_York" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "zone_test"))
    assert f"<td>{moment_text(event.at, 'America/New_York')[:-len(' America/New_York')]}" in page


def test_the_audit_days_are_the_offices_days(demo_client, demo_auth):
    """An event at 02:00 UTC on Sat 28 Nov is Fri 27 Nov 21:00 in New York: the From/Until days are the office's."""
    db.session.execute(update(Team).values(timezone="America/New_York"))
    db.session.add(AuditEvent(action="day_test", at=datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)))
    db.session.commit()
    demo_auth.login("admin")
    friday = demo_client.get("/admin/audit?action=day_test&since=2026-11-27&until=2026-11-27").get_data(as_text=True)
    saturday = demo_client.get("/admin/audit?action=day_test&since=2026-11-28&until=2026-11-28").get_data(as_text=True)
    assert "1 event," in friday and "0 events" in saturday
