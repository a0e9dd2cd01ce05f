"""Issue 12, kind 4: two entries for one slot.

The example: two API requests pinned to one advisor at the same time both answered 201, and planning then
failed the whole week ("pins of r394 and r395 overlap", in internal ids). Now a clashing pin is refused
when it is made (API 422 naming pinned_start, form and CSV errors naming the other appointment by client
name, reference and local time, a move in a draft refused); and a clash that is already stored (a pin from
an old draft) leaves only the later appointment unplanned, with the clash in names and local times.
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import Advisor, AppointmentRequest, AppointmentType, Client, Plan, RequestWindow, SolveJob
from caseload.services.planning import adjust
from caseload.services.planning import runs as planning
from caseload.services.planning.boundary import to_problem
from scheduler.parse import parse_problem
from tests.web.api_support import ApiClient


def _supporter(team) -> Advisor:
    return db.session.scalars(select(Advisor).where(Advisor.team_id == team.id, Advisor.does_support.is_(True))
                              .order_by(Advisor.id)).first()


def _clients_for(advisor, n=2) -> list[Client]:
    """Clients whose need the advisor has (so a pin to them is fit)."""
    clients = db.session.scalars(select(Client).where(Client.team_id == advisor.team_id, Client.erased_at.is_(None))
                                 .order_by(Client.id)).all()
    return [c for c in clients if c.need is not None and c.need.code in advisor.skill_codes][:n]


def _count(team) -> int:
    return db.session.scalar(select(func.count(AppointmentRequest.id)).where(AppointmentRequest.team_id == team.id))


def _body(client, advisor, tuesday, at="10:00") -> dict:
    return {"client_id": client.id, "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": f"{tuesday}T09:00", "end": f"{tuesday}T12:00"}],
            "pinned_advisor_id": advisor.id, "pinned_start": f"{tuesday}T{at}"}


def test_api_refuses_a_second_pin_on_the_same_slot(demo_client, north):
    """The issue's example: 201, 201 before; now 201 then 422 naming pinned_start and the other appointment."""
    team, week = north
    api = ApiClient(demo_client, "leader")
    advisor = _supporter(team)
    first, second = _clients_for(advisor)
    tuesday = week + timedelta(days=1)
    url = "/teams/{team_id}/weeks/{week}/requests"
    assert api.post(url, team_id=team.id, week=week, json=_body(first, advisor, tuesday)).status_code == 201
    before = _count(team)
    clash = api.post(url, team_id=team.id, week=week, json=_body(second, advisor, tuesday, "10:15"))
    assert clash.status_code == 422, clash.get_json()
    payload = clash.get_json()
    assert "pinned_start" in payload["fields"]
    assert f"{first.name} ({first.reference})" in payload["message"]
    assert f"{tuesday:%a %d %b} 10:00–10:30" in payload["message"]
    assert _count(team) == before
    # The same client cannot be pinned twice at once either, with anyone.
    other = next(a for a in db.session.scalars(select(Advisor).where(Advisor.team_id == team.id, Advisor.id != advisor.id))
                 if a.does_support and first.need.code in a.skill_codes)
    twice = api.post(url, team_id=team.id, week=week, json={**_body(first, other, tuesday), "type": "follow-up"})
    assert twice.status_code == 422 and first.name in twice.get_json()["message"]
    # Changing the first request's own pin does not clash with itself.
    mine = db.session.scalars(select(AppointmentRequest).order_by(AppointmentRequest.id.desc())).first()
    moved = api.patch("/requests/{request_id}", request_id=mine.id,
                      json={**_body(first, advisor, tuesday, "10:15"), "version": mine.version_id})
    assert moved.status_code == 200, moved.get_json()


def test_request_form_names_the_clashing_appointment(leader, north):
    team, week = north
    advisor = _supporter(team)
    first, second = _clients_for(advisor)
    tuesday = week + timedelta(days=1)
    kind = db.session.scalar(select(AppointmentType.id).where(AppointmentType.code == "follow-up"))

    def post(client):
        return leader.post(f"/rota/t/{team.id}/{week}/requests/new", data={
            "client": client.reference, "type": kind, "duration_minutes": 30, "windows": "tue 09:00-12:00",
            "pinned_advisor": advisor.id, "pinned_day": tuesday.isoformat(), "pinned_time": "10:00"})

    assert post(first).status_code == 302
    refused = post(second)
    page = refused.data.decode()
    assert refused.status_code == 400
    assert f"{advisor.name} already has {first.name} ({first.reference}) pinned {tuesday:%a %d %b} 10:00–10:30" in page


def test_csv_refuses_two_rows_on_one_slot_and_a_row_on_a_stored_pin(leader, north):
    team, week = north
    advisor = _supporter(team)
    first, second = _clients_for(advisor)
    user = advisor.user.username
    body = ("client,type,duration_minutes,windows,pinned_advisor,pinned_start\n"
            f"{first.reference},follow-up,30,tue 09:00-12:00,{user},tue 10:00\n"
            f"{second.reference},follow-up,30,tue 09:00-12:00,{user},tue 10:00\n").encode()
    before = _count(team)
    response = leader.post(f"/rota/t/{team.id}/{week}/import/requests",
                           data={"file": (io.BytesIO(body), "r.csv")}, content_type="multipart/form-data")
    page = response.data.decode()
    assert response.status_code == 400
    assert "<td>3</td><td>pinned_start</td>" in page and f"{first.name} ({first.reference})" in page
    assert _count(team) == before


def _stored_clash(team, week):
    """Two requests pinned to one advisor at one time, as an old draft's pin and a later one leave them."""
    advisor = _supporter(team)
    first, second = _clients_for(advisor)
    tuesday = week + timedelta(days=1)
    kind = db.session.scalar(select(AppointmentType).where(AppointmentType.code == "follow-up"))
    made = []
    for client in (first, second):
        made.append(AppointmentRequest(
            team=team, week_start=week, client=client, type=kind, duration_minutes=30, purpose="pinned",
            pinned_advisor=advisor, pinned_start=to_utc(tuesday, "10:00", team.timezone),
            windows=[RequestWindow(starts_at=to_utc(tuesday, "09:00", team.timezone),
                                   ends_at=to_utc(tuesday, "12:00", team.timezone))]))
    db.session.add_all(made)
    db.session.commit()
    return advisor, made


def test_a_stored_pin_clash_does_not_stop_the_week(demo_app, north):
    """Planning plans the rest: the earlier pin holds, the later request is unassigned with the clash in words."""
    team, week = north
    advisor, (kept, clashing) = _stored_clash(team, week)
    problem, maps = to_problem(team, week)
    parse_problem(problem)  # no clash left for the scheduler to refuse
    job = planning.start_plan_job(team, week, by=None, time_limit=3)
    job = db.session.get(SolveJob, job.id)
    assert job.status == "succeeded", job.message
    plan = db.session.get(Plan, job.plan_id)
    items = {i.request_id: i for i in plan.items}
    assert items[kept.id].advisor_id == advisor.id and items[kept.id].pinned
    reason = items[clashing.id].unassigned_reason
    assert items[clashing.id].advisor_id is None
    tuesday = week + timedelta(days=1)
    assert f"{advisor.name} already has {kept.client.name} ({kept.client.reference}) pinned {tuesday:%a %d %b} 10:00–10:30" in reason
    assert "r" + str(kept.id) not in reason
    assert sum(1 for i in plan.items if i.advisor_id is not None) > 10  # the rest of the week is planned
    assert clashing.client.reference in job.message


def test_pinning_a_move_onto_another_pin_is_refused(demo_app, north):
    team, week = north
    advisor, (kept, clashing) = _stored_clash(team, week)
    clashing.pinned_advisor, clashing.pinned_start = None, None  # a draft made before the clash
    db.session.commit()
    job = planning.start_plan_job(team, week, by=None, time_limit=3)
    plan = db.session.get(Plan, db.session.get(SolveJob, job.id).plan_id)
    item = next(i for i in plan.items if i.request_id == clashing.id)
    tuesday = week + timedelta(days=1)
    try:
        adjust.move_appointment(plan, item, advisor, datetime.combine(tuesday, datetime.min.time()) + timedelta(hours=10),
                                pin=True, expected_version=plan.version_id, by=None)
    except adjust.AdjustRejected as err:
        assert kept.client.name in str(err)
    else:
        raise AssertionError("a pin onto another pin was saved")
    db.session.rollback()
    assert db.session.get(AppointmentRequest, clashing.id).pinned_start is None


def test_a_pin_to_an_advisor_without_the_skill_is_refused(demo_client, north):
    team, week = north
    api = ApiClient(demo_client, "leader")
    advisors = db.session.scalars(select(Advisor).where(Advisor.team_id == team.id)).all()
    clients = db.session.scalars(select(Client).where(Client.team_id == team.id, Client.need_id.is_not(None))).all()
    advisor, client = next((a, c) for a in advisors for c in clients if a.does_support and c.need.code not in a.skill_codes)
    response = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week,
                        json=_body(client, advisor, week + timedelta(days=1)))
    assert response.status_code == 422 and "pinned_advisor_id" in response.get_json()["fields"]
    assert f"does not have the {client.need.name} skill" in response.get_json()["message"]


def test_a_cancelled_booking_holds_no_pin(demo_client, north):
    """A cancelled request (the booking desk cancels, it does not delete) frees its slot for a new pin."""
    from caseload.models import utcnow

    team, week = north
    advisor, (kept, clashing) = _stored_clash(team, week)
    db.session.delete(clashing)
    kept.cancelled_at = utcnow()
    db.session.commit()
    api = ApiClient(demo_client, "leader")
    second = _clients_for(advisor)[1]
    response = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week,
                        json=_body(second, advisor, week + timedelta(days=1)))
    assert response.status_code == 201, response.get_json()
