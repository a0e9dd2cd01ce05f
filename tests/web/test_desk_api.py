"""The booking desk in the JSON API: offers, idempotent bookings, conflicts with fresh offers, cancel,
attendance; every answer checked against the OpenAPI document."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentRequest
from caseload.services.desk import offers as desk_offers
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient


def _ask(client=None, **over) -> dict:
    week = d.week()
    days = [week + timedelta(days=k) for k in range(5)]
    body = {"client_id": (client or m.client_of("advisor1")).id, "type": "follow-up", "week": week.isoformat(),
            "windows": [{"start": f"{day}T09:00", "end": f"{day}T17:00"} for day in days]}
    body.update(over)
    return body


def _booked_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AppointmentRequest.id)).where(AppointmentRequest.booked_at.is_not(None)))


@pytest.fixture
def published(demo_app):
    return d.publish_week()


def test_offers_are_ranked_with_reasons_and_scoped(demo_client, published):
    leader = ApiClient(demo_client, "leader")
    north = m.team("north").id
    answer = leader.post("/teams/{team_id}/offers", team_id=north, json=_ask())
    assert answer.status_code == 200
    offers = answer.get_json()["offers"]
    assert offers and offers[0]["reasons"][0].endswith("their named advisor")
    # Ranked as the desk ranks them (desk_offers.spread): the named advisor's times first, no two at one time.
    client = m.client_of("advisor1")
    desk = desk_offers.offers(m.team("north"), d.ask(client))
    assert [(o["advisor_id"], o["start"]) for o in offers] == [(o.advisor.id, o.local) for o in desk]
    assert sum(o["advisor_id"] == client.named_advisor_id for o in offers) >= 2
    assert len({o["start"] for o in offers}) == len(offers)
    assert leader.post("/teams/{team_id}/offers", team_id=m.team("south").id, json=_ask()).status_code == 404
    advisor = ApiClient(demo_client, "advisor1")
    mine = advisor.post("/teams/{team_id}/offers", team_id=north, json=_ask()).get_json()["offers"]
    assert {o["advisor_id"] for o in mine} == {m.user("advisor1").advisor.id}
    theirs = advisor.post("/teams/{team_id}/offers", team_id=north, json=_ask(m.client_of("advisor2")))
    assert theirs.status_code == 404


def test_bad_asks_name_the_field(demo_client, published):
    leader = ApiClient(demo_client, "leader")
    north = m.team("north").id
    saturday = d.week() + timedelta(days=5)
    cases = [
        (_ask(windows=[{"start": f"{saturday}T09:00", "end": f"{saturday}T12:00"}]), "windows"),
        (_ask(purpose="nul\x00"), "purpose"),
        (_ask(purpose="bell\x07"), "purpose"),
        (_ask(type="no-such-type"), "type"),
        (_ask(week=(d.week() + timedelta(days=1)).isoformat()), "week"),
    ]
    monday = d.week()
    cases += [
        (_ask(windows=[{"start": f"{monday}T06:00", "end": f"{monday}T08:00"}]), "windows"),  # nobody works then
        (_ask(windows=[{"start": f"{monday}T09:00\x00", "end": f"{monday}T12:00"}]), "windows.0.start"),
        (_ask(repeat={"every_weeks": 2, "count": 30}), "repeat.count"),  # past a year
    ]
    for body, field in cases:
        answer = leader.post("/teams/{team_id}/offers", team_id=north, json=body)
        assert answer.status_code == 422, (field, answer.get_json())
        assert field in answer.get_json()["fields"], (field, answer.get_json())
        booked = leader.post("/bookings", json={**body, "advisor_id": m.user("advisor1").advisor.id,
                                                "start": f"{monday}T10:00"}, headers={"Idempotency-Key": f"bad-{field}"})
        assert booked.status_code == 422, (field, booked.get_json())
    # A type the advisor does not do, asked by that advisor for their own diary.
    advisor = m.user("advisor1").advisor
    if "policing" not in advisor.roles:
        answer = ApiClient(demo_client, "advisor1").post("/teams/{team_id}/offers", team_id=north,
                                                         json=_ask(type="compliance-review"))
        assert answer.status_code == 422 and "type" in answer.get_json()["fields"], answer.get_json()
    assert _booked_count() == 0


def test_a_booking_retried_with_its_key_is_booked_once(demo_client, published):
    leader = ApiClient(demo_client, "leader")
    offer = leader.post("/teams/{team_id}/offers", team_id=m.team("north").id, json=_ask()).get_json()["offers"][0]
    body = {**_ask(), "advisor_id": offer["advisor_id"], "start": offer["start"]}
    first = leader.post("/bookings", json=body, headers={"Idempotency-Key": "desk-1"})
    assert first.status_code == 201, first.get_json()
    booking = first.get_json()
    assert (booking["advisor_id"], booking["start"], booking["published_version"]) == (
        offer["advisor_id"], offer["start"], 2)
    again = leader.post("/bookings", json=body, headers={"Idempotency-Key": "desk-1"})
    assert again.status_code == 201 and again.get_json() == booking
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _booked_count() == 1 and d.current().published_version == 2
    other = leader.post("/bookings", json={**body, "purpose": "changed"}, headers={"Idempotency-Key": "desk-1"})
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["fields"]
    missing = leader.post("/bookings", json=body)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.get_json()["fields"]
    # A new key for the same time: the time is taken, a 409 with fresh offers.
    taken = leader.post("/bookings", json=body, headers={"Idempotency-Key": "desk-2"})
    assert taken.status_code == 409
    assert taken.get_json()["offers"] and "just taken" in taken.get_json()["message"]
    assert _booked_count() == 1
    assert leader.get("/bookings/{request_id}", request_id=booking["id"]).get_json() == booking


def test_two_retries_with_one_key_at_the_same_moment_book_once(demo_app, published):
    token = m.issue_token("leader")
    browser = demo_app.test_client()
    offer = browser.post(f"/api/v1/teams/{m.team('north').id}/offers", json=_ask(), headers=token).get_json()["offers"][0]
    body = {**_ask(), "advisor_id": offer["advisor_id"], "start": offer["start"]}
    barrier = threading.Barrier(2)
    answers = [None, None]

    def post(index):
        client = demo_app.test_client()
        barrier.wait(timeout=30)
        response = client.post("/api/v1/bookings", json=body, headers={**token, "Idempotency-Key": "same-key"})
        answers[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [a[0] for a in answers] == [201, 201], answers
    assert answers[0][1] == answers[1][1]
    assert _booked_count() == 1


def test_cancel_and_attendance_through_the_api(demo_client, published):
    leader = ApiClient(demo_client, "leader")
    offer = leader.post("/teams/{team_id}/offers", team_id=m.team("north").id, json=_ask()).get_json()["offers"][0]
    body = {**_ask(), "advisor_id": offer["advisor_id"], "start": offer["start"]}
    booking = leader.post("/bookings", json=body, headers={"Idempotency-Key": "k"}).get_json()
    early = leader.post("/bookings/{request_id}/attendance", request_id=booking["id"], json={"outcome": "dna"})
    assert early.status_code == 422 and "from the appointment's start" in early.get_json()["message"]
    other = ApiClient(demo_client, "advisor2")
    assert other.post("/bookings/{request_id}/cancel", request_id=booking["id"], json={}).status_code == 404
    # More than the service's late-cancellation window ahead: not late, and saying it is late is refused.
    wrong = leader.post("/bookings/{request_id}/cancel", request_id=booking["id"], json={"late": True})
    assert wrong.status_code == 422 and list(wrong.get_json()["fields"]) == ["late"]
    cancelled = leader.post("/bookings/{request_id}/cancel", request_id=booking["id"], json={})
    assert cancelled.status_code == 200
    got = cancelled.get_json()
    assert (got["status"], got["attendance"], got["plan_id"]) == ("cancelled", None, None)
    assert d.current().published_version == 3
    twice = leader.post("/bookings/{request_id}/cancel", request_id=booking["id"], json={})
    assert twice.status_code == 409 and "already cancelled (by Lee Leader" in twice.get_json()["message"]


def test_rebook_through_the_api_offers_the_same_advisor_first_and_moves_it_once(demo_client, published):
    leader = ApiClient(demo_client, "leader")
    offer = leader.post("/teams/{team_id}/offers", team_id=m.team("north").id, json=_ask()).get_json()["offers"][0]
    first = leader.post("/bookings", json={**_ask(), "advisor_id": offer["advisor_id"], "start": offer["start"]},
                        headers={"Idempotency-Key": "first"}).get_json()
    ask = {k: v for k, v in _ask().items() if k in ("week", "windows")}
    answer = leader.post("/bookings/{request_id}/offers", request_id=first["id"], json=ask)
    assert answer.status_code == 200, answer.get_json()
    offers = answer.get_json()["offers"]
    assert offers[0]["advisor_id"] == first["advisor_id"]
    later = next(o for o in offers if o["start"] != first["start"])
    fields = {**ask, "advisor_id": later["advisor_id"], "start": later["start"]}
    assert ApiClient(demo_client, "advisor2").post("/bookings/{request_id}/rebook", request_id=first["id"], json=fields,
                                                   headers={"Idempotency-Key": "x"}).status_code == 404
    moved = leader.post("/bookings/{request_id}/rebook", request_id=first["id"], json=fields,
                        headers={"Idempotency-Key": "move-1"})
    assert moved.status_code == 201, moved.get_json()
    again = leader.post("/bookings/{request_id}/rebook", request_id=first["id"], json=fields,
                        headers={"Idempotency-Key": "move-1"})
    assert again.status_code == 201 and again.get_json() == moved.get_json()
    assert moved.get_json()["start"] == later["start"] and moved.get_json()["published_version"] == 3
    assert leader.get("/bookings/{request_id}", request_id=first["id"]).get_json()["status"] == "cancelled"
    assert _booked_count() == 2  # the old (cancelled) and the new
    gone = leader.post("/bookings/{request_id}/offers", request_id=first["id"], json=ask)
    assert gone.status_code == 409, gone.get_json()  # moved on: not bad input
    assert "already moved (rebooked by Lee Leader on Sun 29 Nov" in gone.get_json()["message"]


def test_a_series_through_the_api_all_or_nothing_and_past_a_year_refused(demo_client, published):
    leader = ApiClient(demo_client, "leader")
    north = m.team("north").id
    year = leader.post("/teams/{team_id}/offers", team_id=north, json=_ask(repeat={"every_weeks": 4, "count": 15}))
    assert year.status_code == 422 and "repeat.count" in year.get_json()["fields"], year.get_json()
    odd = leader.post("/teams/{team_id}/offers", team_id=north, json=_ask(repeat={"every_weeks": 3, "count": 4}))
    assert odd.status_code == 422 and "repeat.every_weeks" in odd.get_json()["fields"], odd.get_json()
    asked = _ask(repeat={"every_weeks": 2, "count": 4})
    offer = leader.post("/teams/{team_id}/offers", team_id=north, json=asked).get_json()["offers"][0]
    starts = [i["start"] for i in offer["instances"]]
    assert len(starts) == 4 and starts[0] == offer["start"]
    body = {**asked, "advisor_id": offer["advisor_id"], "start": offer["start"], "starts": starts}
    refused = leader.post("/bookings", json={**asked, "advisor_id": offer["advisor_id"], "start": offer["start"],
                                             "starts": starts[:3]}, headers={"Idempotency-Key": "s0"})
    assert refused.status_code == 422 and "starts" in refused.get_json()["fields"]
    assert _booked_count() == 0
    booked = leader.post("/bookings", json=body, headers={"Idempotency-Key": "s1"})
    assert booked.status_code == 201, booked.get_json()
    got = booked.get_json()["series"]
    assert (got["every_weeks"], got["count"], got["instance"], len(got["booking_ids"])) == (2, 4, 1, 4)
    assert _booked_count() == 4
    clash = leader.post("/bookings", json=body, headers={"Idempotency-Key": "s2"})
    assert clash.status_code == 409 and _booked_count() == 4


def test_idempotency_keys_expire_after_a_day(demo_client, published):
    from caseload.models import IdempotencyKey
    from caseload.services.desk import idempotency

    leader = ApiClient(demo_client, "leader")
    offers = leader.post("/teams/{team_id}/offers", team_id=m.team("north").id, json=_ask()).get_json()["offers"]
    body = {**_ask(), "advisor_id": offers[0]["advisor_id"], "start": offers[0]["start"]}
    assert leader.post("/bookings", json=body, headers={"Idempotency-Key": "old"}).status_code == 201
    other = {**_ask(), "advisor_id": offers[1]["advisor_id"], "start": offers[1]["start"]}
    assert leader.post("/bookings", json=other, headers={"Idempotency-Key": "old"}).status_code == 422  # still kept
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "old"))
    row.created_at = row.created_at - idempotency.KEEP - timedelta(minutes=1)
    db.session.commit()
    fresh = leader.post("/bookings", json=other, headers={"Idempotency-Key": "old"})
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers, fresh.get_json()
    db.session.expire_all()
    kept = db.session.scalars(select(IdempotencyKey).where(IdempotencyKey.key == "old")).all()
    assert [k.body["id"] for k in kept] == [fresh.get_json()["id"]]  # the expired answer is gone
