"""A save refused because another administrator saved since the page was opened (409) keeps what was typed, and
says what is stored now, under each differing field and in the message, so the two can be compared (the policy
and weights pages were shown again with the stored values, the typed ones gone)."""
from __future__ import annotations

import re

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import WeightProfile
from caseload.services.desk import policy


def _value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, name
    return re.search(r'value="([^"]*)"', tag.group(0)).group(1)


def test_a_policy_saved_since_keeps_the_second_admins_values_and_shows_the_stored_ones(demo_app, demo_auth):
    demo_auth.login("admin")
    first, second = demo_auth.client, demo_app.test_client()
    assert second.post("/login", data={"username": "admin", "password": "demo"}).status_code == 302
    first.get("/admin/policy")
    version = policy.current_policy().version_id
    db.session.commit()
    saved = first.post("/admin/policy", data={"late_cancel_hours": "31", "min_notice_hours": "10", "version": version})
    assert saved.status_code == 302
    stale = second.post("/admin/policy", data={"late_cancel_hours": "33", "min_notice_hours": "5", "version": version})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Nothing was saved" in page
    assert _value(page, "late_cancel_hours") == "33" and _value(page, "min_notice_hours") == "5"  # as typed
    assert "Saved since as 31 (yours, 33, is kept here)" in page and "Saved since as 10 (yours, 5, is kept here)" in page
    assert "Late-cancellation window (hours before the start): 31" in page
    db.session.expire_all()
    stored = policy.current_policy()
    assert (stored.late_cancel_hours, stored.min_notice_hours) == (31, 10)


def test_weights_saved_since_keep_the_second_admins_values_and_show_the_stored_ones(demo_app, demo_auth):
    demo_auth.login("admin")
    first, second = demo_auth.client, demo_app.test_client()
    assert second.post("/login", data={"username": "admin", "password": "demo"}).status_code == 302
    first.get("/admin/weights")
    profile = db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True)))
    version, weights = profile.version_id, profile.as_weights()
    db.session.commit()
    mine = {**weights, "continuity": weights["continuity"] + 7, "version": version, "confirm": "every-team"}
    theirs = {**weights, "continuity": weights["continuity"] + 11, "separation": weights["separation"] + 3,
              "version": version, "confirm": "every-team"}
    assert first.post("/admin/weights", data=mine).status_code == 302
    stale = second.post("/admin/weights", data=theirs)
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Nothing was saved" in page
    assert _value(page, "continuity") == str(theirs["continuity"]) and _value(page, "separation") == str(theirs["separation"])
    assert f"Saved since as {mine['continuity']} (yours, {theirs['continuity']}, is kept here)" in page
    db.session.expire_all()
    assert db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True))).as_weights()["continuity"] \
        == mine["continuity"]
