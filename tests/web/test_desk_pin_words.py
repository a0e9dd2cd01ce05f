"""A pin changed after the week was published: the desk's refusal names the client, the advisor and the local time.

The tester's case: a leader pins a published appointment to another time (PATCH /requests/{id}), then the desk's
offers (POST /teams/{team}/offers) were refused with the planner's own words, "plan: rule 5: r151 is pinned to a7
at 2026-12-01T14:00 but is not placed there". Now the same refusal says whose appointment, with whom and when."""
from __future__ import annotations

import re
from datetime import timedelta

from caseload.extensions import db
from caseload.localtime import to_local
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient
from tests.web.test_desk_api import _ask


def test_a_pin_changed_after_publishing_is_refused_in_names_and_local_times(demo_client, demo_app):
    plan = d.publish_week()
    tz = m.team("north").timezone
    item = next(i for i in sorted(plan.items, key=lambda i: i.id) if i.advisor_id and i.request is not None
                and i.request.pinned_advisor_id is None and i.request.booked_at is None
                and to_local(i.starts_at, tz).hour < 11)
    request, advisor = item.request, item.advisor
    moved = to_local(item.starts_at, tz).replace(tzinfo=None) + timedelta(minutes=60)
    leader = ApiClient(demo_client, "leader")
    pinned = leader.patch("/requests/{request_id}", request_id=request.id, json={
        "version": request.version_id, "pinned_advisor_id": advisor.id, "pinned_start": moved.strftime("%Y-%m-%dT%H:%M")})
    assert pinned.status_code == 200, pinned.get_json()
    answer = leader.post("/teams/{team_id}/offers", team_id=m.team("north").id, json=_ask(m.client_of("advisor2")))
    assert answer.status_code in (409, 422), answer.get_json()
    message = answer.get_json()["message"]
    assert request.client.reference in message and advisor.name in message, message
    assert moved.strftime("%a %d %b %H:%M") in message, message
    for jargon in (r"\bplan: ", r"\brule \d", r"\b[acr]\d+\b", r"\d{4}-\d\d-\d\dT"):
        assert not re.search(jargon, message), (jargon, message)
