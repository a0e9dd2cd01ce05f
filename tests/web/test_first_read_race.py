"""Two first reads of a one-row setting at the same moment make one row: the service policy (two rows before,
nothing unique held them apart) and the active weight profile (the second insert broke the unique name: a 500).

The race is made exact: when the first session is about to insert, a second session (its own thread, its own
connection) runs the same first read to the end and commits; the first insert then meets the second's row."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, event, func, select

from caseload.extensions import db
from caseload.models import ServicePolicy, WeightProfile
from caseload.services.desk import policy
from caseload.services.planning import weights


def _racing(app, model, first_read):
    """Run `first_read()` here with another session's `first_read()` committed just before our insert."""
    seen = {}

    def other():
        with app.app_context():
            seen["other"] = first_read().id
            db.session.remove()

    here = threading.current_thread()

    def before_insert(_mapper, _connection, _target):
        if threading.current_thread() is here and "other" not in seen:  # the other's own insert goes ahead
            racer = threading.Thread(target=other)
            racer.start()
            racer.join(30)

    event.listen(model, "before_insert", before_insert)
    try:
        mine = first_read().id
    finally:
        event.remove(model, "before_insert", before_insert)
    return mine, seen.get("other")


def _policy_page_read() -> ServicePolicy:
    """What GET /admin/policy does: the policy, committed."""
    found = policy.current_policy()
    db.session.commit()
    return found


@pytest.mark.parametrize("model, first_read", [(ServicePolicy, _policy_page_read),
                                               (WeightProfile, weights.active_profile)])
def test_two_first_reads_at_once_make_one_row(demo_app, model, first_read):
    db.session.execute(delete(model))
    db.session.commit()
    mine, other = _racing(demo_app, model, first_read)
    db.session.expire_all()
    assert other is not None and mine == other
    assert db.session.scalar(select(func.count()).select_from(model)) == 1


def test_the_policy_page_opens_and_saves_on_a_fresh_database(demo_client, demo_auth):
    db.session.execute(delete(ServicePolicy))
    db.session.commit()
    demo_auth.login("admin")
    assert demo_client.get("/admin/policy").status_code == 200
    saved = demo_client.post("/admin/policy", data={"late_cancel_hours": "48", "version": "1"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert [p.late_cancel_hours for p in db.session.scalars(select(ServicePolicy))] == [48]
