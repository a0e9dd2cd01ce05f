"""A plan whose stored planning documents are missing (Plan.problem / Plan.solution are nullable; only a plan
made by hand lacks them): booking into it, cancelling from it, and moving in such a draft are refused in words
naming the week, with nothing changed, instead of a TypeError (a 500)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from caseload.extensions import db
from caseload.models import AppointmentRequest, Plan
from caseload.services.planning import adjust
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.move_offers import move_offers
from caseload.services.planning.problem import local_naive
from scheduler.baselines import named_first
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _without_documents(plan: Plan) -> Plan:
    plan.problem = None
    plan.solution = None
    db.session.commit()
    return plan


def test_booking_into_a_published_plan_without_documents_is_refused_naming_the_week(demo_client):
    _without_documents(d.publish_week())
    client = m.client_of("advisor1")
    week = d.week()
    body = {"client_id": client.id, "type": "follow-up", "week": week.isoformat(),
            "windows": [{"start": f"{week + timedelta(days=k)}T09:00", "end": f"{week + timedelta(days=k)}T17:00"}
                        for k in range(5)]}
    headers = m.issue_token("leader")
    offers = demo_client.post(f"/api/v1/teams/{client.team_id}/offers", json=body, headers=headers)
    assert offers.status_code == 200, offers.get_data(as_text=True)[:2000]
    offer = offers.get_json()["offers"][0]
    count = d.request_count()
    answer = demo_client.post("/api/v1/bookings", json={**body, "advisor_id": offer["advisor_id"],
                                                         "start": offer["start"]},
                              headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 422, answer.get_data(as_text=True)[:2000]
    assert "no stored planning documents" in answer.get_json()["fields"]["week"][0]
    assert d.request_count() == count
    assert d.current().published_version == 1


def test_cancelling_from_a_published_plan_without_documents_is_refused_and_keeps_it(demo_client, demo_auth):
    plan = _without_documents(d.publish_week())
    item = next(i for i in plan.items if i.request_id is not None and i.advisor_id is not None)
    demo_auth.login("leader")
    page = demo_client.post(f"/desk/appointments/{item.request_id}/cancel", data={"reason": "moving away"})
    assert page.status_code == 400 and 'value="moving away"' in page.get_data(as_text=True)  # the reason is kept
    assert "Not cancelled." in page.get_data(as_text=True) and "no stored planning documents" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, item.request_id).cancelled_at is None
    assert d.current().published_version == 1


def test_moving_in_a_draft_without_documents_is_refused_in_words(demo_app):
    north = m.team("north")
    problem, maps = to_problem(north, d.week())
    draft = _without_documents(save_plan(north, d.week(), problem, named_first(problem), skipped=maps.skipped))
    item = next(i for i in draft.items if i.request_id is not None and i.advisor_id is not None)
    advisors = list(north.advisors)
    assert "no stored planning documents" in move_offers(draft, item, advisors).unplaceable
    with pytest.raises(adjust.AdjustRejected, match="no stored planning documents"):
        adjust.move_appointment(draft, item, item.advisor, local_naive(item.starts_at, north.timezone), False,
                                draft.version_id, m.user("leader"))
