"""Pins saved at the same moment: three PATCHes pinning three requests to one advisor at one time answered 200,
200, 200 (each request row is version-locked, the week's pins were not), though one at a time the second and
third are refused 422 "The pin clashes". Every save that sets a pin now reads the week's pins under the team's
lock (services/team_lock.py), so the first wins and the others are refused as they would be one at a time.

Real threads on a real database file (SQLite; PostgreSQL with CASELOAD_TEST_POSTGRES=1). `race` holds every
racer just before its first write of appointment_requests until all have got there: without the lock each has
read the pins before anyone saved one."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import AppointmentRequest
from tests.web import access_matrix as m
from tests.web.test_edges_pins import _clients_for, _supporter
from tests.web.test_races import _answer, _fresh, race




def test_three_parallel_pins_on_one_slot_give_one_200_and_two_refusals(demo_app, north):
    team, week = north
    advisor = _supporter(team)
    clients = _clients_for(advisor, 3)
    assert len(clients) == 3
    tuesday = week + timedelta(days=1)
    token = m.issue_token("leader")
    web = demo_app.test_client()
    ids = []
    for client in clients:  # three requests, not pinned yet
        made = web.post(f"/api/v1/teams/{team.id}/weeks/{week}/requests", headers=token, json={
            "client_id": client.id, "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": f"{tuesday}T09:00", "end": f"{tuesday}T12:00"}]})
        assert made.status_code == 201, made.get_json()
        ids.append(made.get_json()["id"])
    versions = {i: db.session.get(AppointmentRequest, i).version_id for i in ids}
    db.session.rollback()

    def pin(request_id):
        body = {"version": versions[request_id], "pinned_advisor_id": advisor.id, "pinned_start": f"{tuesday}T10:00"}
        return lambda: _answer(demo_app.test_client().patch(f"/api/v1/requests/{request_id}", json=body, headers=token))

    results = race([pin(i) for i in ids], "appointment_requests")
    statuses = sorted(status for status, _ in results)
    assert statuses[0] == 200 and all(s in (409, 422) for s in statuses[1:]), results
    for status, body in results:
        if status == 422:
            assert "The pin clashes" in body["message"]
    pinned = [i for i in ids if _fresh(AppointmentRequest, i).pinned_advisor_id == advisor.id]
    assert len(pinned) == 1, pinned


def test_a_csv_import_and_an_api_patch_pinning_one_slot_at_once_save_one_pin(demo_app, north):
    """The CSV import reads the stored pins once for the whole file: under the team's lock too, or a pin saved
    meanwhile was not seen and both saved (PostgreSQL without the import's lock: 200 and 302, two pins on one slot).
    On SQLite the import's one-time form token already takes the database's write lock before it reads."""
    import io

    from tests.web.test_races import _leader_browser

    team, week = north
    advisor = _supporter(team)
    first, second = _clients_for(advisor, 2)
    tuesday = week + timedelta(days=1)
    token = m.issue_token("leader")
    web = demo_app.test_client()
    made = web.post(f"/api/v1/teams/{team.id}/weeks/{week}/requests", headers=token, json={
        "client_id": first.id, "type": "follow-up", "duration_minutes": 30,
        "windows": [{"start": f"{tuesday}T09:00", "end": f"{tuesday}T12:00"}]})
    request_id = made.get_json()["id"]
    version = db.session.get(AppointmentRequest, request_id).version_id
    user = advisor.user.username
    csv = (f"client,type,duration_minutes,windows,pinned_advisor,pinned_start\n"
           f"{second.reference},follow-up,30,tue 09:00-12:00,{user},tue 10:00\n").encode()
    browser = _leader_browser(demo_app)
    db.session.rollback()

    def patch():
        body = {"version": version, "pinned_advisor_id": advisor.id, "pinned_start": f"{tuesday}T10:00"}
        return demo_app.test_client().patch(f"/api/v1/requests/{request_id}", json=body, headers=token).status_code

    def upload():
        return browser.post(f"/rota/t/{team.id}/{week}/import/requests", data={"file": (io.BytesIO(csv), "r.csv")},
                            content_type="multipart/form-data").status_code

    results = race([patch, upload], "appointment_requests")
    db.session.expire_all()
    at = to_utc(tuesday, "10:00", team.timezone)
    pinned = db.session.scalars(select(AppointmentRequest.id).where(
        AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == week,
        AppointmentRequest.pinned_advisor_id == advisor.id, AppointmentRequest.pinned_start == at)).all()
    assert sorted(results) in ([200, 400], [302, 422], [303, 422]), results
    assert len(pinned) == 1, (results, pinned)
