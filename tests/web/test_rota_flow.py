"""The team leader's week end to end over HTTP on the demo office, with the real planner:
plan, watch progress, review, move an appointment, publish, mark an advisor absent, re-plan, see the diff,
publish again; conflicts and rule checks on the way."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import AuditEvent, Client, HandoverNote, Plan, PlanItem, SolveJob
from scheduler.model import TIME_FORMAT

pytestmark = pytest.mark.slow


def _plan_week(leader, team, week) -> Plan:
    response = leader.post(f"/rota/t/{team.id}/{week}/plan", data={"time_limit": 3})
    assert response.status_code == 302
    job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
    status = leader.get(f"/rota/jobs/{job.id}").get_json()
    assert status["status"] == "succeeded", status
    assert status["progress"]["score"] is not None and status["progress"]["time_left"] == 0
    db.session.expire_all()
    return db.session.get(Plan, status["plan_id"])


def _t(text):
    return datetime.strptime(text, TIME_FORMAT)


def _free_move(plan: Plan):
    """Cover: a placement with an advisor other than the client's named advisor (and the current one)
    that keeps every hard rule, found from the documents."""
    problem, solution = plan.problem, plan.solution
    advisors = {a["id"]: a for a in problem["advisors"]}
    clients = {p["id"]: p["client"] for p in problem["appointments"]}
    named = {c["id"]: c["named_advisor"] for c in problem["clients"]}
    placed = {a["appointment"]: a for a in solution["assignments"]}
    busy = {}
    for a in solution["assignments"]:
        p = next(x for x in problem["appointments"] if x["id"] == a["appointment"])
        busy.setdefault(a["advisor"], []).append((_t(a["start"]), _t(a["start"]) + timedelta(minutes=p["duration_minutes"])))
        busy.setdefault(p["client"], []).append(busy[a["advisor"]][-1])
    for appointment in problem["appointments"]:
        if appointment["id"] not in placed or "pinned" in appointment or not named[appointment["client"]]:
            continue
        length = timedelta(minutes=appointment["duration_minutes"])
        for advisor in advisors.values():
            if appointment["skill"] not in advisor["skills"] or appointment["kind"] not in advisor["roles"]:
                continue
            if advisor["id"] in (named[appointment["client"]], placed[appointment["id"]]["advisor"]):
                continue
            for window in appointment["windows"]:
                start = _t(window["start"])
                while start + length <= _t(window["end"]):
                    end = start + length
                    inside = any(_t(s["start"]) <= start and end <= _t(s["end"]) for s in advisor["availability"])
                    clash = any(s < end and start < e for s, e in busy.get(advisor["id"], []) + busy.get(clients[appointment["id"]], []))
                    same_day = sum(1 for s, _ in busy.get(advisor["id"], []) if s.date() == start.date())
                    if inside and not clash and same_day < advisor.get("max_appointments_per_day", 99):
                        return appointment["id"], advisor["id"], start
                    start += timedelta(minutes=15)
    raise AssertionError("no free placement found")


def _item(plan, request_sid):
    return db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.request_id == int(request_sid[1:])))


def test_the_leaders_week_end_to_end(leader, north):
    team, week = north
    named_before = {c.id: c.named_advisor_id for c in db.session.scalars(select(Client).where(Client.team_id == team.id))
                    if c.named_advisor_id is not None}

    # Plan the week in the background and review it.
    draft = _plan_week(leader, team, week)
    assert draft.status == "draft" and draft.figures["fill"] > 0.5
    review = leader.get(f"/rota/plans/{draft.id}").data.decode()
    assert "Figures" in review and "team-grid" in review and "Load per advisor" in review

    # A move that breaks a hard rule is refused by name and changes nothing.
    item = db.session.scalars(select(PlanItem).where(PlanItem.plan_id == draft.id, PlanItem.advisor_id.is_not(None))).first()
    sunday = week + timedelta(days=6)
    refused = leader.post(f"/rota/plans/{draft.id}/move", data={
        "item": item.id, "advisor": item.advisor_id, "day": sunday.isoformat(), "time": "03:00",
        "version": draft.version_id, "pin": "y"})
    assert refused.status_code == 409 and "breaks a hard rule" in refused.data.decode()
    db.session.expire_all()
    assert db.session.get(Plan, draft.id).version_id == draft.version_id

    # A valid move is checked, saved and pinned; covering for the named advisor asks for a handover note.
    sid, advisor_sid, start = _free_move(draft)
    moved = _item(draft, sid)
    data = {"item": moved.id, "advisor": int(advisor_sid[1:]), "day": start.date().isoformat(),
            "time": start.strftime("%H:%M"), "version": draft.version_id, "pin": "y"}
    if moved.advisor_id == moved.request.client.named_advisor_id:  # away from the named advisor: asks for a reason
        assert leader.post(f"/rota/plans/{draft.id}/move", data=data).status_code == 409
        data["reason"] = "Covering while the named advisor is on training."
    response = leader.post(f"/rota/plans/{draft.id}/move", data=data)
    assert response.status_code == 302, response.data.decode()[:2000]
    db.session.expire_all()
    draft = db.session.get(Plan, draft.id)
    moved = db.session.get(PlanItem, moved.id)
    assert (moved.advisor_id, to_local(moved.starts_at, team.timezone).replace(tzinfo=None)) == (int(advisor_sid[1:]), start)
    assert moved.pinned and moved.request.pinned_advisor_id == moved.advisor_id
    assert moved.request.client.named_advisor_id not in (None, moved.advisor_id)
    assert "/handover" in response.headers["Location"]
    assert b"stays so" in leader.get(response.headers["Location"]).data
    assert leader.post(response.headers["Location"], data={"body": "Due a budget review."}).status_code == 302
    note = db.session.scalar(select(HandoverNote).where(HandoverNote.plan_item_id == moved.id))
    assert (note.from_advisor_id, note.to_advisor_id) == (moved.request.client.named_advisor_id, moved.advisor_id)

    # Publish: version 1.
    page = leader.get(f"/rota/plans/{draft.id}")
    assert page.status_code == 200
    seen_version = draft.version_id
    published = leader.post(f"/rota/plans/{draft.id}/publish", data={"version": seen_version, "published": 0})
    assert published.status_code == 302
    db.session.expire_all()
    first = db.session.get(Plan, draft.id)
    assert (first.status, first.published_version) == ("published", 1)
    # Publishing it again from the same (now stale) page is a conflict.
    again = leader.post(f"/rota/plans/{draft.id}/publish", data={"version": seen_version, "published": 0})
    assert again.status_code == 409 and b"Nothing was published" in again.data

    # The busiest advisor is off sick on their busiest day: mark them absent and re-plan.
    by_day = {}
    for i in first.items:
        if i.advisor_id and i.advisor_id != moved.advisor_id:  # keep the pinned cover possible
            key = (i.advisor_id, to_local(i.starts_at, team.timezone).date())
            by_day[key] = by_day.get(key, 0) + 1
    (sick, day), _ = max(by_day.items(), key=lambda kv: kv[1])
    assert leader.post(f"/rota/t/{team.id}/{week}/absences", data={
        "advisor": sick, "start_day": day.isoformat(), "reason": "sick"}).status_code == 302
    second = _plan_week(leader, team, week)
    assert second.based_on_id == first.id and second.problem["previous"]
    assert not [i for i in second.items if i.advisor_id == sick and to_local(i.starts_at, team.timezone).date() == day]
    pinned_item = _item(second, sid)
    assert (pinned_item.advisor_id, pinned_item.starts_at) == (moved.advisor_id, moved.starts_at)  # pins are kept
    diff_page = leader.get(f"/rota/plans/{second.id}").data.decode()
    assert "Changes from published version 1" in diff_page and " moved" in diff_page and "kept" in diff_page

    # Publish again: version 2 replaces version 1; named advisors never changed by cover.
    assert leader.post(f"/rota/plans/{second.id}/publish", data={"version": second.version_id, "published": 1}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Plan, second.id).published_version == 2
    assert db.session.get(Plan, first.id).status == "superseded"
    for client_id, advisor_id in named_before.items():
        assert db.session.get(Client, client_id).named_advisor_id == advisor_id
    versions = [e.detail["version"] for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan_published"))]
    assert versions == [1, 2]


def test_publishing_after_another_leader_published_is_a_409(leader, north, monkeypatch):
    from caseload.services.planning import runs as planning

    def booking_desk(problem, **_options):  # the conflict does not depend on the search: keep this test quick
        from scheduler.baselines import named_first

        return named_first(problem)

    monkeypatch.setattr(planning, "solver", lambda: booking_desk)
    team, week = north
    one = _plan_week(leader, team, week)
    two = _plan_week(leader, team, week)
    # Both drafts were opened while nothing was published.
    assert leader.post(f"/rota/plans/{one.id}/publish", data={"version": one.version_id, "published": 0}).status_code == 302
    clash = leader.post(f"/rota/plans/{two.id}/publish", data={"version": two.version_id, "published": 0})
    assert clash.status_code == 409 and b"Version 1 of this week" in clash.data
    db.session.expire_all()
    assert db.session.get(Plan, two.id).status == "draft"


def test_review_page_shows_grid_figures_unassigned_and_load(leader, north):
    from scheduler.baselines import named_first

    from caseload.services.planning.plans import publish_plan
    from caseload.services.planning.boundary import save_plan, to_problem

    team, week = north
    problem, maps = to_problem(team, week)
    older = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    publish_plan(older, None, older.version_id)
    solution = named_first(problem)
    solution["unassigned"].append({"appointment": solution["assignments"].pop()["appointment"],
                                   "reason": "left out for this test"})
    solution.pop("figures", None)
    solution.pop("score", None)
    draft = save_plan(team, week, problem, solution, based_on=older, skipped=maps.skipped)
    page = leader.get(f"/rota/plans/{draft.id}").data.decode()
    assert 'class="appt kind-support' in page and 'class="appt kind-policing' in page
    assert 'class="protected"' in page and "protected</td>" in page
    assert "left out for this test" in page and "1</strong> newly unassigned" in page
    assert "Published v1" in page  # the figures of the published plan beside this one's
    fill = f"{draft.figures['fill'] * 100:.0f}%"
    assert f'class="fig-fill">{fill}</td>' in page
    for advisor in team.advisors:
        assert f'<th scope="row">{advisor.name}</th>' in page


def test_review_still_renders_after_a_planned_request_is_deleted(leader, north):
    from scheduler.baselines import named_first

    from caseload.services.planning.boundary import save_plan, to_problem

    team, week = north
    problem, _ = to_problem(team, week)
    plan = save_plan(team, week, problem, named_first(problem))
    placed = next(i for i in plan.items if i.advisor_id)
    unplaced = next((i for i in plan.items if i.advisor_id is None), None)
    for item in filter(None, (placed, unplaced)):
        assert leader.post(f"/rota/t/{team.id}/requests/{item.request_id}/delete",
                           data={"confirm": "remove"}).status_code == 302
    day = to_local(placed.starts_at, team.timezone).date()  # the team view shows one day at a time
    page = leader.get(f"/rota/plans/{plan.id}?day={day.isoformat()}")
    assert page.status_code == 200 and "(request removed)" in page.data.decode()
