"""The API's rebook may set the service's minimum notice aside as the desk's offers page does
(services/desk/notice_override): a team leader, with a reason, for an appointment an absence breaks; audited as
min_notice_overridden. An advisor sending it is a 403; no reason is a 422 naming notice_override. The notice is 8
hours here, so at 10:00 nothing is offered the same day without the override."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local, to_utc
from caseload.models import Absence, AppointmentRequest, AuditEvent
from caseload.services.desk import policy
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient

TZ = "Europe/London"
REASON = "Advisor off sick; client needs to be seen today"


def _broken_today():
    """A follow-up of the published plan at 13:00 or later, its advisor absent that day; 10:00 that day."""
    policy.save_policy(policy.current_policy(), policy.current_policy().late_cancel_hours, None,
                       m.user("admin"), min_notice_hours=8)
    plan = d.publish_week()
    item = next(i for i in sorted(plan.items, key=lambda i: i.id)
                if i.advisor_id is not None and i.request is not None and i.request.type.code == "follow-up"
                and to_local(i.starts_at, TZ).hour >= 13 and i.advisor.user is not None)
    day = to_local(item.starts_at, TZ).date()
    db.session.add(Absence(advisor_id=item.advisor_id, starts_at=to_utc(day, "00:00", TZ),
                           ends_at=to_utc(day + timedelta(days=1), "00:00", TZ), reason="sick"))
    db.session.commit()
    return item, day, to_utc(day, "10:00", TZ)


def _ask(day, **extra) -> dict:
    return {"week": d.week().isoformat(), "windows": [{"start": f"{day}T10:00", "end": f"{day}T17:00"}], **extra}


def _overridden() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "min_notice_overridden")))


def test_a_leader_rebooks_inside_the_notice_through_the_api_with_a_reason(demo_client, demo_app):
    item, day, now = _broken_today()
    leader = ApiClient(demo_client, "leader")
    with clock.at(now):
        plain = leader.post("/bookings/{request_id}/offers", request_id=item.request_id, json=_ask(day))
        assert plain.status_code == 200 and plain.get_json()["offers"] == []  # the notice: nothing today
        answer = leader.post("/bookings/{request_id}/offers", request_id=item.request_id,
                             json=_ask(day, notice_override=REASON))
        assert answer.status_code == 200, answer.get_json()
        offer = answer.get_json()["offers"][0]
        assert offer["start"].startswith(day.isoformat())
        moved = leader.post("/bookings/{request_id}/rebook", request_id=item.request_id,
                            json=_ask(day, notice_override=REASON, advisor_id=offer["advisor_id"],
                                      start=offer["start"]), headers={"Idempotency-Key": "same-day-1"})
    assert moved.status_code == 201, moved.get_json()
    assert moved.get_json()["start"] == offer["start"]
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, item.request_id).cancelled_at is not None
    [event] = _overridden()
    assert event.user_id == m.user("leader").id and event.object_id == item.request_id
    assert event.detail["reason"] == REASON and event.detail["to"] == moved.get_json()["id"]


def test_an_advisor_may_not_set_the_notice_aside_through_the_api(demo_client, demo_app):
    item, day, now = _broken_today()
    advisor = ApiClient(demo_client, item.request.client.named_advisor.user.username)
    with clock.at(now):
        offers = advisor.post("/bookings/{request_id}/offers", request_id=item.request_id,
                              json=_ask(day, notice_override=REASON))
        assert offers.status_code == 403, offers.get_json()
        assert "notice_override" in offers.get_json()["message"]
        rebook = advisor.post("/bookings/{request_id}/rebook", request_id=item.request_id,
                              json=_ask(day, notice_override=REASON, advisor_id=item.advisor_id,
                                        start=f"{day}T10:30"), headers={"Idempotency-Key": "advisor-1"})
        assert rebook.status_code == 403, rebook.get_json()
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, item.request_id).cancelled_at is None and _overridden() == []


def test_the_override_needs_a_reason(demo_client, demo_app):
    item, day, now = _broken_today()
    leader = ApiClient(demo_client, "leader")
    with clock.at(now):
        for blank in ("", "   "):
            answer = leader.post("/bookings/{request_id}/rebook", request_id=item.request_id,
                                 json=_ask(day, notice_override=blank, advisor_id=item.advisor_id,
                                           start=f"{day}T10:30"), headers={"Idempotency-Key": f"blank-{len(blank)}"})
            assert answer.status_code == 422, answer.get_json()
            assert answer.get_json()["fields"] == {"notice_override": ["Say why this rebooking cannot wait the "
                                                                       "minimum notice."]}
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, item.request_id).cancelled_at is None and _overridden() == []
