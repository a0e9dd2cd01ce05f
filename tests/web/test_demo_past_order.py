"""A demo loaded mid-week books this week's past visits (times already gone) as desk bookings. They were made
before the week's follow-up requests they led to, so they are created first (lower ids): made after them, each
met a follow-up request of its client by the one rule (met_requests: a later booking of the same client and type
in the week), and the planner left those follow-ups out of the demo's week."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import AppointmentRequest, Team
from caseload.services.demo import seed_demo
from caseload.services.planning.boundary import to_problem
from caseload.services.planning.met_requests import met_by_matching
from caseload.services.planning.problem import request_sid
from tests import clock

TUESDAY_3PM = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # London is on GMT
THIS_MONDAY = date(2026, 11, 30)


def test_a_demo_loaded_on_tuesday_keeps_its_follow_ups_for_the_planner(app):
    with clock.at(TUESDAY_3PM):
        seed_demo("demo", clients_per_team=30, requests_per_team=60, past=True, ahead=True)
        week = list(db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.week_start == THIS_MONDAY)))
        visits = [r for r in week if r.booked_at is not None and r.pinned_start is not None
                  and r.pinned_start < TUESDAY_3PM]
        asked = [r for r in week if r.booked_at is None]
        assert visits and asked
        # The test means something: some client has both a past visit and a follow-up request this week.
        both = {(v.client_id, v.type_id) for v in visits} & {(r.client_id, r.type_id) for r in asked}
        assert both, "no client with a past visit and a follow-up this week: the test would prove nothing"
        assert met_by_matching({r.client_id for r in asked}) == {}
        for team_id in {r.team_id for r in asked}:  # booked before the team's requests were asked for
            assert max(v.id for v in visits if v.team_id == team_id) < min(r.id for r in asked if r.team_id == team_id)
        for team in db.session.scalars(select(Team)):
            problem, maps = to_problem(team, THIS_MONDAY)
            planned = {a["id"] for a in problem["appointments"]}
            mine = [r for r in asked if r.team_id == team.id]
            assert all(request_sid(r.id) in planned for r in mine), maps.skipped
