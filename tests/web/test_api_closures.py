"""Office closure days in the JSON API: everyone reads the closures that affect them (paged, by date range),
administrators add and remove them; bad input is a 422 naming the field, a day already closed a 409. Every answer
is checked against the OpenAPI document (api_support.ApiClient)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError

from caseload.extensions import db
from caseload.models import AuditEvent, ClosureDay, utcnow
from caseload.services import closures
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient

CHRISTMAS = date(2026, 12, 25)


def _close(day, reason, team=None):
    closure = closures.add_closure(day, team, reason, by=m.user("admin"))
    db.session.commit()
    return closure


def _days(answer) -> list[tuple[str, str]]:
    return [(c["day"], c["reason"]) for c in answer.get_json()["closures"]]


def test_each_caller_sees_the_service_and_their_own_teams_closures(demo_client):
    _close(CHRISTMAS, "Christmas Day")
    _close(date(2026, 12, 8), "North training", team=m.team("north"))
    south = _close(date(2026, 12, 9), "South training", team=m.team("south"))
    everything = [("2026-12-08", "North training"), ("2026-12-09", "South training"), ("2026-12-25", "Christmas Day")]
    assert _days(ApiClient(demo_client, "admin").get("/closures")) == everything
    for who in ("leader", "advisor1"):  # both north
        api = ApiClient(demo_client, who)
        assert _days(api.get("/closures")) == [everything[0], everything[2]]
        assert api.get("/closures/{closure_id}", closure_id=south.id).status_code == 404  # south's: not theirs
    one = ApiClient(demo_client, "advisor1").get("/closures/{closure_id}", closure_id=closures.closure_list(
        closures.ListQuery(), first=CHRISTMAS).rows[0].id)
    assert one.get_json() == {"id": one.get_json()["id"], "day": "2026-12-25", "team_id": None, "team": None,
                              "reason": "Christmas Day"}


def test_the_list_filters_by_date_and_pages(demo_client):
    for k in range(7):
        _close(date(2026, 12, 1) + timedelta(days=k), f"Day {k}")
    api = ApiClient(demo_client, "leader")
    ranged = api.get("/closures", query="?from=2026-12-03&to=2026-12-05").get_json()
    assert [c["day"] for c in ranged["closures"]] == ["2026-12-03", "2026-12-04", "2026-12-05"]
    page2 = api.get("/closures", query="?per_page=3&page=2").get_json()
    assert [c["day"] for c in page2["closures"]] == ["2026-12-04", "2026-12-05", "2026-12-06"]
    assert (page2["total"], page2["pages"], page2["page"], page2["per_page"]) == (7, 3, 2, 3)
    assert api.get("/closures", query="?per_page=3&page=99").get_json()["page"] == 3  # past the end: the last
    for query, field in (("?from=2026-13-01", "from"), ("?to=yesterday", "to"), ("?page=0", "page"),
                         ("?per_page=500", "per_page"), ("?from=2026-12-05&to=2026-12-01", "to")):
        answer = api.get("/closures", query=query)
        assert answer.status_code == 422 and field in answer.get_json()["fields"], (query, answer.get_json())


def test_an_administrator_adds_and_removes_a_closure_audited(demo_client):
    d.publish_week()
    wednesday = d.week() + timedelta(days=2)
    admin = ApiClient(demo_client, "admin")
    added = admin.post("/closures", json={"day": wednesday.isoformat(), "team_id": m.team("north").id,
                                          "reason": "Office move"})
    assert added.status_code == 201, added.get_json()
    body = added.get_json()
    assert added.headers["Location"] == f"/api/v1/closures/{body['id']}"
    assert body["team"] == "north" and body["to_rebook"] and body["to_rebook"][0]["week"] == d.week().isoformat()
    assert body["to_rebook"][0]["appointments"] > 0  # the published week's Wednesday, to rebook at the desk
    assert closures.closed_days(m.team("north").id, wednesday, wednesday) == {wednesday: "Office move"}
    removed = admin.call("delete", "/closures/{closure_id}", closure_id=body["id"])
    assert removed.status_code == 200 and removed.get_json()["reason"] == "Office move"
    assert admin.call("delete", "/closures/{closure_id}", closure_id=body["id"]).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(ClosureDay)) is None
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("closure_%"))
                                      .order_by(AuditEvent.id)))
    assert actions == ["closure_added", "closure_removed"]


def test_bad_input_names_the_field_and_a_closed_day_is_a_409(demo_client):
    admin = ApiClient(demo_client, "admin")
    for payload, field in (({"reason": "x"}, "day"), ({"day": "2026-02-30", "reason": "x"}, "day"),
                           ({"day": "2026-12-25"}, "reason"), ({"day": "2026-12-25", "reason": ""}, "reason"),
                           ({"day": "2026-12-25", "reason": "x" * 121}, "reason"),
                           ({"day": "2026-12-25", "reason": "x", "team_id": 99999}, "team_id"),
                           ({"day": "2026-12-25", "reason": "x", "colour": "red"}, "colour")):
        answer = admin.post("/closures", json=payload)
        assert answer.status_code == 422 and field in answer.get_json()["fields"], (payload, answer.get_json())
    assert admin.post("/closures", json={"day": "2026-12-25", "reason": "Christmas Day"}).status_code == 201
    again = admin.post("/closures", json={"day": "2026-12-25", "team_id": m.team("north").id, "reason": "Xmas"})
    assert again.status_code == 409 and "already closed for the whole service" in again.get_json()["message"]
    assert admin.post("/closures", json={"day": "2026-12-25", "reason": "Twice"}).status_code == 409
    db.session.expire_all()
    assert len(db.session.scalars(select(ClosureDay)).all()) == 1


def test_leaders_and_advisors_may_not_write(demo_client):
    closure = _close(CHRISTMAS, "Christmas Day")
    for who in ("leader", "advisor1"):
        api = ApiClient(demo_client, who)
        assert api.post("/closures", json={"day": "2026-12-24", "reason": "x"}).status_code == 403
        assert api.call("delete", "/closures/{closure_id}", closure_id=closure.id).status_code == 403
    db.session.expire_all()
    assert len(db.session.scalars(select(ClosureDay)).all()) == 1


def test_a_twin_saved_by_a_race_is_refused_by_the_database(demo_app):
    """The service's own check cannot see a closure another request saves between that check and the insert: the
    unique indexes refuse the twin, and the service answers it as a duplicate (the API's 409). Only the twin is
    undone (a savepoint): what the same transaction added before stays (public holidays add many at once)."""
    _close(CHRISTMAS - timedelta(days=1), "Christmas Eve")
    earlier = closures.add_closure(CHRISTMAS + timedelta(days=6), None, "New Year's Eve", by=m.user("admin"))
    db.session.flush()  # saved, not committed: the listener below then fires at add_closure's own insert
    def other_request_closes_it(session, _context, _instances):  # runs after the check, just before the insert
        session.connection().execute(insert(ClosureDay).values(day=CHRISTMAS, team_id=None, reason="Christmas Day",
                                                               created_at=utcnow()))

    session = db.session()
    event.listen(session, "before_flush", other_request_closes_it, once=True)
    try:
        closures.add_closure(CHRISTMAS, None, "Xmas", by=m.user("admin"))
        raise AssertionError("the twin was saved")
    except closures.ClosureDuplicate as err:
        assert err.field == "day" and "a moment ago" in str(err)
    finally:
        if event.contains(session, "before_flush", other_request_closes_it):
            event.remove(session, "before_flush", other_request_closes_it)
    assert earlier.id is not None and db.session.get(ClosureDay, earlier.id) is not None
    db.session.commit()
    # New Year's Eve, added earlier in the same transaction, stays. (The "other request's" row was written inside
    # the savepoint here, so it went with the twin; a real one is in its own transaction and stays.)
    assert {c.reason for c in db.session.scalars(select(ClosureDay))} == {"Christmas Eve", "New Year's Eve"}
    north = m.team("north")
    _close(CHRISTMAS + timedelta(days=1), "North only", team=north)
    db.session.add(ClosureDay(day=CHRISTMAS + timedelta(days=1), team_id=north.id, reason="Twin"))
    try:
        db.session.flush()
        raise AssertionError("a second closure of the same team and day was saved")
    except IntegrityError:
        db.session.rollback()
    assert len(db.session.scalars(select(ClosureDay)).all()) == 3
