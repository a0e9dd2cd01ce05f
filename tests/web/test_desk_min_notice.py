"""The booking desk's minimum notice (walkthrough A): at Mon 15:45 the first offer for a new client's first
meeting was Mon 15:45, the slot that had just begun. The service policy's minimum notice (2 hours by default,
an administrator's setting on /admin/policy) keeps every offer (pages, API, series) and booking at least that far
from now, and the offers page says what it is. Times are London's (the demo team), which is UTC in November."""
from __future__ import annotations

from datetime import timedelta

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.services.desk import offers as desk_offers
from caseload.services.desk import policy
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient


def _monday(at: str):
    return to_utc(d.week(), at, m.team("north").timezone)


def _set_notice(hours: int) -> None:
    policy.save_policy(policy.current_policy(), policy.current_policy().late_cancel_hours, None,
                       m.user("admin"), min_notice_hours=hours)


def test_offers_start_no_sooner_than_the_minimum_notice(demo_app):
    d.publish_week()
    client = m.client_of("advisor1")
    now = _monday("15:45")
    found = desk_offers.offers(m.team("north"), d.ask(client), count=20, now=now)
    assert found and min(o.start for o in found) >= now + timedelta(hours=2)
    # Without the notice the same ask is offered Monday afternoon: the rule, not the ask, keeps them out.
    _set_notice(0)
    assert min(o.start for o in desk_offers.offers(m.team("north"), d.ask(client), count=20, now=now)) \
        < now + timedelta(hours=2)
    _set_notice(2)
    why = desk_offers.why_none(m.team("north"), d.ask(client, "mon 15:00-17:00"), now=now)
    assert why is not None and "minimum notice of 2 hours" in why


def test_the_pages_and_the_api_keep_the_notice_and_say_it(demo_client, demo_auth):
    d.publish_week()
    client = m.client_of("advisor1")
    with clock.at(_monday("15:45")):
        demo_auth.login("leader")
        page = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form(windows="mon 09:00-17:00"))
        text = page.get_data(as_text=True)
        assert "Offers start at least 2 hours from now" in text and "minimum notice" in text
        assert 'id="offers"' not in text  # Monday's working day ends at 17:00: nothing two hours ahead
        # A hand-made Book for 16:00 (a stale page, a script) is refused, naming the notice.
        free = desk_offers.offers(m.team("north"), d.ask(client, "mon 09:00-17:00"), count=1,
                                  now=_monday("08:00"))[0]
        posted = demo_client.post(f"/desk/clients/{client.id}/book",
                                  data=d.form(windows="mon 09:00-17:00", advisor=free.advisor.id,
                                              start=f"{d.week()}T16:00"))
        assert posted.status_code == 400 and "minimum notice of 2 hours" in posted.get_data(as_text=True)
        answer = ApiClient(demo_client, "leader").post("/teams/{team_id}/offers", team_id=m.team("north").id, json={
            "client_id": client.id, "type": "follow-up", "week": d.week().isoformat(),
            "windows": [{"start": f"{d.week() + timedelta(days=k)}T09:00",
                         "end": f"{d.week() + timedelta(days=k)}T17:00"} for k in range(5)]})
        starts = [o["start"] for o in answer.get_json()["offers"]]
        assert starts and min(starts) >= f"{d.week() + timedelta(days=1)}", starts


def test_the_notice_is_an_administrators_setting(demo_client, demo_auth):
    demo_auth.login("admin")
    page = demo_client.get("/admin/policy").get_data(as_text=True)
    assert "Minimum notice for bookings" in page and "Now: 2 hours." in page
    refused = demo_client.post("/admin/policy", data={"late_cancel_hours": "24", "min_notice_hours": "999",
                                                      "version": str(policy.current_policy().version_id)})
    assert refused.status_code == 400
    db.session.expire_all()
    saved = demo_client.post("/admin/policy", data={"late_cancel_hours": "24", "min_notice_hours": "4",
                                                    "version": str(policy.current_policy().version_id)},
                             follow_redirects=True)
    assert "Minimum notice for bookings: 4 hours." in saved.get_data(as_text=True)
    db.session.expire_all()
    assert policy.min_notice() == timedelta(hours=4)
