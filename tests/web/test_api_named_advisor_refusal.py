"""The API's offers say why the client's named advisor is not offered, as the desk's offers page does
(services/planning/refusals): `named_advisor_refusal` with the advisor, a code and the page's sentence; null when
they are offered. Every answer is checked against the OpenAPI document."""
from __future__ import annotations

from datetime import timedelta

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import Absence, ClosureDay
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient


def _ask(client, days: list[int]) -> dict:
    week = d.week()
    return {"client_id": client.id, "type": "follow-up", "week": week.isoformat(),
            "windows": [{"start": f"{week + timedelta(days=k)}T09:00", "end": f"{week + timedelta(days=k)}T17:00"}
                        for k in days]}


def test_the_api_offers_say_why_the_named_advisor_is_not_offered(demo_client, demo_app):
    d.publish_week()
    client = m.client_of("advisor1")
    named = client.named_advisor
    tz = m.team("north").timezone
    wednesday = d.week() + timedelta(days=2)
    db.session.add(Absence(advisor_id=named.id, starts_at=to_utc(wednesday, "00:00", tz),
                           ends_at=to_utc(wednesday + timedelta(days=1), "00:00", tz), reason="sick"))
    db.session.add(ClosureDay(day=d.week() + timedelta(days=3), team_id=m.team("north").id, reason="Bank holiday"))
    db.session.commit()
    leader = ApiClient(demo_client, "leader")
    answer = leader.post("/teams/{team_id}/offers", team_id=m.team("north").id, json=_ask(client, [2, 3]))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert named.id not in {o["advisor_id"] for o in body["offers"]}
    assert body["named_advisor_refusal"] == {
        "advisor_id": named.id, "advisor": named.name, "code": "not_free",
        "message": f"{named.name}, {client.reference}'s named advisor, is not offered: cannot on Wed 02 Dec: absent "
                   "(sick); Thu 03 Dec: the office is closed (Bank holiday)."}
    # Offered on Friday: nothing to say.
    friday = leader.post("/teams/{team_id}/offers", team_id=m.team("north").id, json=_ask(client, [4])).get_json()
    assert named.id in {o["advisor_id"] for o in friday["offers"]} and friday["named_advisor_refusal"] is None


def test_the_api_rebook_offers_say_why_too(demo_client, demo_app):
    d.publish_week()
    client = m.client_of("advisor1")
    named = client.named_advisor
    leader = ApiClient(demo_client, "leader")
    north = m.team("north").id
    offer = next(o for o in leader.post("/teams/{team_id}/offers", team_id=north, json=_ask(client, [4]))
                 .get_json()["offers"] if o["advisor_id"] == named.id)
    first = leader.post("/bookings", json={**_ask(client, [4]), "advisor_id": offer["advisor_id"],
                                           "start": offer["start"]}, headers={"Idempotency-Key": "refusal-1"})
    assert first.status_code == 201, first.get_json()
    tz = m.team("north").timezone
    wednesday = d.week() + timedelta(days=2)
    db.session.add(Absence(advisor_id=named.id, starts_at=to_utc(wednesday, "00:00", tz),
                           ends_at=to_utc(wednesday + timedelta(days=1), "00:00", tz), reason="leave"))
    db.session.commit()
    db.session.expire_all()  # the booking read the advisor's absences: read them again
    ask = {k: v for k, v in _ask(client, [2]).items() if k in ("week", "windows")}
    answer = leader.post("/bookings/{request_id}/offers", request_id=first.get_json()["id"], json=ask)
    assert answer.status_code == 200, answer.get_json()
    refused = answer.get_json()["named_advisor_refusal"]
    assert refused["code"] == "not_free" and refused["advisor_id"] == named.id
    assert refused["message"].endswith("is not offered: cannot on Wed 02 Dec: absent (leave).")
