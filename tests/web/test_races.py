"""Two people saving the same thing at the same moment: one wins (200 or a redirect), the others get 409; never a
500, never a lost write. Real threads on a real database file (SQLite; PostgreSQL with CASELOAD_TEST_POSTGRES=1):
an in-memory database would serialise them.

`race` makes the interleaving certain instead of lucky: every racer pauses just before its first write to the
contested table until all of them have got there, so each has read the row before anyone writes it.
"""
from __future__ import annotations

import re
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import AppointmentRequest, Client, Plan, PlanItem, SolveJob
from tests.conftest import _make_app
from tests.web import access_matrix as m


def race(calls, table: str, engine=None) -> list:
    """Run each of `calls` in its own thread; all pause before their first UPDATE/INSERT of `table`. Returns their
    results in order (an exception is returned, not raised)."""
    engine = engine or db.engine
    barrier = threading.Barrier(len(calls))
    waited: set[str] = set()
    write = re.compile(rf"^\s*(UPDATE|INSERT INTO)\s+{table}\b", re.IGNORECASE)

    def pause(_conn, _cursor, statement, *_):
        name = threading.current_thread().name
        if name.startswith("racer") and name not in waited and write.match(statement):
            waited.add(name)
            try:
                barrier.wait(timeout=5)  # not every racer need get here (one may be refused earlier)
            except threading.BrokenBarrierError:
                pass

    results: list = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        except BaseException as err:  # noqa: BLE001 - reported to the test
            results[index] = err

    event.listen(engine, "before_cursor_execute", pause)
    try:
        threads = [threading.Thread(target=run, args=(i, call), name=f"racer-{i}") for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(engine, "before_cursor_execute", pause)
    assert not any(isinstance(r, BaseException) for r in results), results
    return results


def _week():
    return this_week_start(m.team("north").timezone)


def _api_request_body(request: AppointmentRequest, minutes: int, day_offset: int) -> dict:
    day = request.week_start + timedelta(days=day_offset)
    return {"client_id": request.client_id, "type": request.type.code, "duration_minutes": minutes,
            "windows": [{"start": f"{day}T09:00", "end": f"{day}T12:00"}], "version": request.version_id}


def _a_request() -> AppointmentRequest:
    north = m.team("north")
    return db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.team_id == north.id,
                                                              AppointmentRequest.pinned_advisor_id.is_(None))
                             .order_by(AppointmentRequest.id))


def _fresh(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def _windows(request: AppointmentRequest) -> list:
    return [(w.starts_at, w.ends_at) for w in request.windows]


def test_two_api_patches_of_one_request_with_one_version_give_200_and_409(demo_app):
    request = _a_request()
    request_id, version = request.id, request.version_id
    bodies = [_api_request_body(request, 45, 1), _api_request_body(request, 60, 2)]
    token = m.issue_token("leader")

    def patch(body):
        return lambda: _answer(demo_app.test_client().patch(f"/api/v1/requests/{request_id}", json=body, headers=token))

    results = race([patch(b) for b in bodies], "appointment_requests")
    assert sorted(status for status, _ in results) == [200, 409], results
    winner = bodies[[status for status, _ in results].index(200)]
    saved = _fresh(AppointmentRequest, request_id)
    assert saved.version_id == version + 1
    assert saved.duration_minutes == winner["duration_minutes"]  # the loser changed nothing
    loser = next(body for status, body in results if status == 409)
    assert "changed since you" in loser["message"]


def _answer(response):
    return response.status_code, (response.get_json() if response.is_json else response.get_data(as_text=True))


def test_two_api_patches_of_one_client_give_200_and_409(demo_app):
    client = m.client_of("advisor1")
    client_id, version = client.id, client.version_id
    token = m.issue_token("leader")

    def patch(complexity):
        body = {"complexity": complexity, "version": version}
        return lambda: _answer(demo_app.test_client().patch(f"/api/v1/clients/{client_id}", json=body, headers=token))

    results = race([patch(2), patch(3)], "clients")
    assert sorted(status for status, _ in results) == [200, 409], results
    saved = _fresh(Client, client_id)
    assert saved.version_id == version + 1
    assert saved.complexity == (2, 3)[[s for s, _ in results].index(200)]


def _leader_browser(app):
    browser = app.test_client()
    assert browser.post("/login", data={"username": "leader", "password": "demo"}).status_code == 302
    return browser


def _request_form(request: AppointmentRequest, windows: str, minutes: int) -> dict:
    return {"client": request.client.reference, "type": request.type_id, "duration_minutes": minutes,
            "purpose": request.purpose or "", "windows": windows, "pinned_advisor": 0, "version": request.version_id}


def test_two_form_saves_of_one_request_give_a_redirect_and_409(demo_app):
    request = _a_request()
    request_id, version, team_id = request.id, request.version_id, request.team_id
    forms = [_request_form(request, "tue 09:00-12:00", 45), _request_form(request, "wed 13:00-16:00", 60)]
    browsers = [_leader_browser(demo_app) for _ in forms]

    def save(browser, form):
        return lambda: _answer(browser.post(f"/rota/t/{team_id}/requests/{request_id}", data=form))

    results = race([save(b, f) for b, f in zip(browsers, forms)], "appointment_requests")
    assert sorted(status for status, _ in results) == [302, 409], [s for s, _ in results]
    saved = _fresh(AppointmentRequest, request_id)
    assert saved.version_id == version + 1
    assert saved.duration_minutes == forms[[s for s, _ in results].index(302)]["duration_minutes"]
    assert "Nothing was saved" in next(page for status, page in results if status == 409)


def test_two_form_saves_of_one_client_give_a_redirect_and_409(demo_app):
    client = m.client_of("advisor1")
    client_id, version, team_id = client.id, client.version_id, client.team_id
    forms = [{"named_advisor": client.named_advisor_id, "need": client.need_id or 0, "complexity": c,
              "version": version} for c in (2, 3)]
    browsers = [_leader_browser(demo_app) for _ in forms]

    def save(browser, form):
        return lambda: _answer(browser.post(f"/rota/t/{team_id}/clients/{client_id}", data=form))

    results = race([save(b, f) for b, f in zip(browsers, forms)], "clients")
    assert sorted(status for status, _ in results) == [302, 409], [s for s, _ in results]
    saved = _fresh(Client, client_id)
    assert saved.version_id == version + 1 and saved.complexity == (2, 3)[[s for s, _ in results].index(302)]


def _valid_draft() -> Plan:
    """A draft placing one appointment where every hard rule holds (so moving it back there is allowed)."""
    from caseload.services.planning.adjust import AdjustRejected, check_rules
    from caseload.services.planning.boundary import save_plan, to_problem

    north = m.team("north")
    problem, maps = to_problem(north, _week())
    for appointment in problem["appointments"]:
        for advisor in problem["advisors"]:
            solution = {"format": "caseload-solution/1", "status": "feasible",
                        "assignments": [{"appointment": appointment["id"], "advisor": advisor["id"],
                                         "start": appointment["windows"][0]["start"]}],
                        "unassigned": [{"appointment": a["id"], "reason": "test"} for a in problem["appointments"]
                                       if a is not appointment],
                        "allocations": [], "protected": [], "score": 0, "bound": None, "solve_seconds": 0.1,
                        "figures": {}}
            try:
                check_rules(problem, dict(solution))
            except AdjustRejected:
                continue
            return save_plan(north, _week(), problem, solution, by=m.user("leader"), skipped=maps.skipped)
    pytest.fail("no appointment of the demo week can be placed alone")


def test_two_moves_of_one_draft_give_a_redirect_and_409(demo_app):
    plan = _valid_draft()
    item = db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.advisor_id.is_not(None))).first()
    local = item.starts_at.astimezone(ZoneInfo(plan.team.timezone))
    plan_id, version = plan.id, plan.version_id
    forms = [{"item": item.id, "advisor": item.advisor_id, "day": local.date().isoformat(),
              "time": local.strftime("%H:%M"), "version": version, **({"pin": "y"} if pin else {})} for pin in (True, False)]
    browsers = [_leader_browser(demo_app) for _ in forms]

    def move(browser, form):
        return lambda: _answer(browser.post(f"/rota/plans/{plan_id}/move", data=form))

    results = race([move(b, f) for b, f in zip(browsers, forms)], "plans")
    statuses = [s for s, _ in results]
    assert sorted(statuses) == [302, 409], statuses
    saved = _fresh(Plan, plan_id)
    assert saved.version_id == version + 1
    won = forms[statuses.index(302)]
    assert _fresh(PlanItem, item.id).pinned == ("pin" in won)
    assert "same moment" in next(page for status, page in results if status == 409)


def test_changing_only_the_windows_is_a_new_version(demo_app):
    """A PATCH that changes nothing but `windows` bumps the version, so a second writer holding the old one is
    refused instead of silently overwriting it."""
    request = _a_request()
    request_id, version = request.id, request.version_id
    token = m.issue_token("leader")
    first = _api_request_body(request, request.duration_minutes, 3)
    api = demo_app.test_client()
    saved = api.patch(f"/api/v1/requests/{request_id}", json=first, headers=token)
    assert saved.status_code == 200 and saved.get_json()["version"] == version + 1
    kept = _windows(_fresh(AppointmentRequest, request_id))
    second = _api_request_body(request, request.duration_minutes, 4) | {"version": version}
    stale = api.patch(f"/api/v1/requests/{request_id}", json=second, headers=token)
    assert stale.status_code == 409
    assert _windows(_fresh(AppointmentRequest, request_id)) == kept

    # The same through the form: windows alone, with the version read before the first change.
    form = _request_form(_fresh(AppointmentRequest, request_id), "fri 09:00-12:00", request.duration_minutes)
    browser = _leader_browser(demo_app)
    assert browser.post(f"/rota/t/{request.team_id}/requests/{request_id}", data=form | {"version": version}).status_code == 409
    assert browser.post(f"/rota/t/{request.team_id}/requests/{request_id}", data=form).status_code == 302
    assert _fresh(AppointmentRequest, request_id).version_id == version + 2


def test_four_parallel_plan_starts_make_one_job(demo_app, tmp_path):
    """One active planning run per team and week is a database guarantee (a partial unique index)."""
    north = m.team("north")
    team_id, week = north.id, _week()
    token = m.issue_token("leader")
    web = _make_app(demo_app.config["DATABASE_URL"], QUEUE_IMMEDIATE=False, QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")

    def start():
        return _answer(web.test_client().post(f"/api/v1/teams/{team_id}/weeks/{week}/plans", json={"time_limit": 5},
                                              headers=token))

    results = race([start] * 4, "solve_jobs", engine=db.engine)
    statuses = sorted(status for status, _ in results)
    assert statuses == [202, 409, 409, 409], results
    assert all("already being planned" in body["message"] for status, body in results if status == 409)
    with db.engine.connect() as conn:
        active = conn.execute(select(func.count(SolveJob.id)).where(
            SolveJob.team_id == team_id, SolveJob.week_start == week, SolveJob.status.in_(("queued", "running")))).scalar()
    assert active == 1


@pytest.mark.parametrize("status", ["queued", "running"])
def test_the_database_refuses_a_second_active_job_for_a_week(demo_app, status):
    from sqlalchemy.exc import IntegrityError

    north = m.team("north")
    db.session.add(SolveJob(team_id=north.id, week_start=_week(), status=status, time_limit=5))
    db.session.commit()
    db.session.add(SolveJob(team_id=north.id, week_start=_week(), status="queued", time_limit=5))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(SolveJob(team_id=north.id, week_start=_week(), status="failed", time_limit=5))
    db.session.commit()  # finished runs are not limited
