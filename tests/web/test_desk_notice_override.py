"""A team leader may rebook an appointment an absence or an office closure breaks inside the service's minimum
notice (same-day rebooking), giving a reason that the audit log keeps; advisors may not, and nobody may for an
appointment that is not broken. The notice is set to 8 hours here, so without the override nothing is offered
the same day after mid-morning (the working day ends at 17:00)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local, to_utc
from caseload.models import Absence, AppointmentRequest, AuditEvent
from caseload.services.desk import asks, booking, policy
from caseload.services.desk import offers as desk_offers
from caseload.services.planning.plans import published_plan
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d

TZ = "Europe/London"
NOTICE = timedelta(hours=8)


def _set_notice(hours: int) -> None:
    policy.save_policy(policy.current_policy(), policy.current_policy().late_cancel_hours, None,
                       m.user("admin"), min_notice_hours=hours)


def _late_item(plan):
    """A follow-up placed at 13:00 or later, so at 10:00 that day it has not started and the notice reaches past
    the end of the working day."""
    return next(i for i in sorted(plan.items, key=lambda i: i.id)
                if i.advisor_id is not None and i.request is not None and i.request.type.code == "follow-up"
                and to_local(i.starts_at, TZ).hour >= 13)


def _setting(absent: bool = True):
    _set_notice(8)
    plan = d.publish_week()
    item = _late_item(plan)
    day = to_local(item.starts_at, TZ).date()
    if absent:
        db.session.add(Absence(advisor_id=item.advisor_id, starts_at=to_utc(day, "00:00", TZ),
                               ends_at=to_utc(day + timedelta(days=1), "00:00", TZ), reason="sick"))
        db.session.commit()
    return item, day, to_utc(day, "10:00", TZ)


def _form(item, day, **extra) -> dict:
    return d.form(windows=f"{day.isoformat()} 10:00-24:00", replacing=item.request_id, **extra)


def _same_day_starts(page: str, day) -> list[str]:
    return re.findall(rf'name="start" value="({day.isoformat()}T[0-9:]+)"', page)


def test_the_override_offers_the_same_day_inside_the_notice(demo_app):
    item, day, now = _setting()
    ask = d.ask(item.request.client, f"{day.isoformat()} 10:00-24:00")
    ask.replacing = db.session.get(AppointmentRequest, item.request_id)
    with clock.at(now):
        assert desk_offers.offers(m.team("north"), ask, count=20, now=now) == []  # the notice: nothing that day
        ask.notice_override = "Advisor off sick; client needs to be seen today"
        found = desk_offers.offers(m.team("north"), ask, count=20, now=now)
    assert found and all(now <= o.start < now + NOTICE for o in found)


def test_a_leader_rebooks_inside_the_notice_with_a_reason_and_it_is_audited(demo_client, demo_auth):
    item, day, now = _setting()
    client = item.request.client
    reason = "Advisor off sick; client needs to be seen today"
    with clock.at(now):
        demo_auth.login("leader")
        plain = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=_form(item, day)).get_data(as_text=True)
        assert 'id="notice-override"' in plain and not _same_day_starts(plain, day)
        page = demo_client.get(f"/desk/clients/{client.id}/offers",
                               query_string=_form(item, day, notice_override=reason)).get_data(as_text=True)
        assert "Minimum notice set aside for this rebooking" in page and 'id="notice-override"' not in page
        assert _same_day_starts(page, day)
        book = re.search(r'<form method="post" action="/desk/clients/\d+/book">(.*?)</form>', page, re.S).group(1)
        data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', book.replace("&amp;", "&").replace("&#39;", "'")))
        assert data["notice_override"] == reason
        answer = demo_client.post(f"/desk/clients/{client.id}/book", data=data)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    db.session.expire_all()
    old = db.session.get(AppointmentRequest, item.request_id)
    assert old.cancelled_at is not None
    new = published_plan(m.team("north"), d.week())
    placed = [i for i in new.items if i.request is not None and i.request.client_id == client.id
              and i.request.cancelled_at is None and to_local(i.starts_at, TZ).date() == day]
    assert placed and placed[0].starts_at < now + NOTICE
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "min_notice_overridden"))
    assert event is not None and event.user_id == m.user("leader").id
    assert event.detail["reason"] == reason and event.detail["notice"] == "8 hours"
    assert event.object_id == item.request_id


def test_an_advisor_may_not_override_the_notice(demo_client, demo_auth):
    item, day, now = _setting()
    ask = d.ask(item.request.client, f"{day.isoformat()} 10:00-24:00")
    ask.replacing = db.session.get(AppointmentRequest, item.request_id)
    ask.notice_override = "I would like to"
    with clock.at(now):
        found = desk_offers.offers(m.team("north"), ask, count=1, now=now)[0]
        try:  # the service refuses it whoever's page sent it
            booking.book(m.team("north"), ask, found.advisor.id, found.local, m.user("advisor1"))
            raise AssertionError("an advisor rebooked inside the notice")
        except asks.BookingError as err:
            assert err.field == "notice_override" and "Only a team leader" in str(err)
        db.session.rollback()
        demo_auth.login("advisor1")
        client = m.client_of("advisor1")
        refused = demo_client.get(f"/desk/clients/{client.id}/offers",
                                  query_string=d.form(windows=f"{day.isoformat()} 10:00-24:00",
                                                      notice_override="please"))
        assert refused.status_code == 400
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "min_notice_overridden")) is None


def test_no_override_for_an_appointment_that_is_not_broken_or_without_a_reason(demo_client, demo_auth):
    item, day, now = _setting(absent=False)
    client = item.request.client
    with clock.at(now):
        demo_auth.login("leader")
        plain = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=_form(item, day)).get_data(as_text=True)
        assert 'id="notice-override"' not in plain  # not broken: nothing to offer
        refused = demo_client.get(f"/desk/clients/{client.id}/offers",
                                  query_string=_form(item, day, notice_override="just because"))
        assert refused.status_code == 400 and "absence or an office closure breaks" in refused.get_data(as_text=True)
        db.session.add(Absence(advisor_id=item.advisor_id, starts_at=to_utc(day, "00:00", TZ),
                               ends_at=to_utc(day + timedelta(days=1), "00:00", TZ), reason="sick"))
        db.session.commit()
        blank = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=_form(item, day, notice_override="  "))
        assert blank.status_code == 400 and "Say why this rebooking cannot wait" in blank.get_data(as_text=True)
