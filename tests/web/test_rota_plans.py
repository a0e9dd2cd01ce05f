"""Saving solver results as draft plans, publishing with versions, and publish conflicts."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from caseload.services.demo import REQUESTS_PER_TEAM
from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import AuditEvent, Plan, Team, User
from caseload.services.planning.plans import PublishConflict, plan_diff, publish_plan
from caseload.services.planning.boundary import save_plan, to_problem


def _north():
    return db.session.scalar(select(Team).where(Team.name == "north"))


def _leader():
    return db.session.scalar(select(User).where(User.username == "leader"))


def _hand_solution(problem, shift_minutes=0):
    """Place the first appointment at the start of its first window with the first advisor; leave the rest."""
    first, *rest = problem["appointments"]
    start = first["windows"][0]["start"]
    if shift_minutes:
        from datetime import datetime

        start = (datetime.fromisoformat(start) + timedelta(minutes=shift_minutes)).strftime("%Y-%m-%dT%H:%M")
    advisor = problem["advisors"][0]["id"]
    return {
        "format": "caseload-solution/1", "status": "feasible",
        "assignments": [{"appointment": first["id"], "advisor": advisor, "start": start}],
        "unassigned": [{"appointment": p["id"], "reason": "test"} for p in rest],
        "allocations": [],
        "protected": [{"advisor": advisor, "start": start[:11] + "14:00", "end": start[:11] + "15:00"}],
        "score": 10060, "bound": 20000, "solve_seconds": 0.1,
        "figures": {"fill": 1 / len(problem["appointments"]), "continuity": 1.0, "separation": 1.0,
                    "protected": 0.1, "gap": 0.5},
    }


def _draft(shift_minutes=0, based_on=None):
    team = _north()
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week, previous=based_on)
    return save_plan(team, week, problem, _hand_solution(problem, shift_minutes), by=_leader(), based_on=based_on,
                     skipped=maps.skipped)


def test_save_plan_stores_items_blocks_and_utc_times(demo_app):
    plan = _draft()
    assert plan.status == "draft" and plan.score == 10060 and plan.bound == 20000
    placed = [i for i in plan.items if i.advisor_id is not None]
    assert len(placed) == 1 and len(plan.items) == REQUESTS_PER_TEAM
    item = placed[0]
    start = plan.solution["assignments"][0]["start"]
    local = item.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London"))
    assert local.strftime("%Y-%m-%dT%H:%M") == start
    assert (item.ends_at - item.starts_at) == timedelta(minutes=item.request.duration_minutes)
    assert len(plan.protected_blocks) == 1
    assert plan.protected_blocks[0].ends_at - plan.protected_blocks[0].starts_at == timedelta(hours=1)
    assert all(i.unassigned_reason == "test" for i in plan.items if i.advisor_id is None)


def test_publishing_numbers_versions_and_supersedes(demo_app):
    first = _draft()
    publish_plan(first, _leader(), first.version_id, expected_published=0)
    assert (first.status, first.published_version) == ("published", 1)
    second = _draft(shift_minutes=15, based_on=first)
    publish_plan(second, _leader(), second.version_id, expected_published=1)
    assert (second.status, second.published_version) == ("published", 2)
    assert db.session.get(Plan, first.id).status == "superseded"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan_published")).all()
    assert [e.detail["version"] for e in events] == [1, 2]
    diff = plan_diff(second, first)
    assert len(diff.moved) == 1 and not diff.kept and len(diff.still_unassigned) == REQUESTS_PER_TEAM - 1


def test_publishing_a_stale_draft_or_after_someone_else_is_a_conflict(demo_app):
    draft = _draft()
    seen = draft.version_id
    publish_plan(draft, _leader(), seen, expected_published=0)
    with pytest.raises(PublishConflict):
        publish_plan(draft, _leader(), seen, expected_published=0)  # the same draft again
    other = _draft(shift_minutes=30)
    with pytest.raises(PublishConflict, match="Version 1"):
        publish_plan(other, _leader(), other.version_id, expected_published=0)  # did not see version 1
    assert db.session.get(Plan, other.id).status == "draft"


def _publish_elsewhere(app, plan_id):
    """The other team leader, in their own session (another thread), publishes first."""
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        publish_plan(plan, None, plan.version_id)
        db.session.remove()


def test_two_leaders_publishing_the_same_draft_at_once(demo_app):
    draft = _draft()
    seen = draft.version_id  # both leaders opened the draft at this version
    thread = threading.Thread(target=_publish_elsewhere, args=(demo_app, draft.id))
    thread.start()
    thread.join()
    # Our session still holds the old row: the version check passes, the optimistic lock catches it.
    with pytest.raises(PublishConflict):
        publish_plan(draft, _leader(), seen)
    db.session.expire_all()
    published = db.session.scalars(select(Plan).where(Plan.status == "published")).all()
    assert [(p.id, p.published_version) for p in published] == [(draft.id, 1)]


def test_two_drafts_of_one_week_published_at_once(demo_app):
    mine, theirs = _draft(), _draft(shift_minutes=15)
    first = _draft(shift_minutes=30)
    publish_plan(first, _leader(), first.version_id)
    db.session.refresh(first)
    thread = threading.Thread(target=_publish_elsewhere, args=(demo_app, theirs.id))
    thread.start()
    thread.join()
    # We loaded the week when `first` was the published plan; superseding it now meets a newer row.
    with pytest.raises(PublishConflict):
        publish_plan(mine, _leader(), mine.version_id)
    db.session.expire_all()
    assert db.session.get(Plan, mine.id).status == "draft"
    assert db.session.get(Plan, theirs.id).published_version == 2


def test_publishing_gives_new_clients_their_allocated_advisor_and_nobody_else_changes(demo_app):
    from scheduler.baselines import named_first

    from caseload.models import Client

    team = _north()
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    solution = named_first(problem)
    assert solution["allocations"], "the demo week has new clients to allocate"
    before = {c.id: c.named_advisor_id for c in db.session.scalars(select(Client).where(Client.team_id == team.id))}
    plan = save_plan(team, week, problem, solution, skipped=maps.skipped)
    publish_plan(plan, _leader(), plan.version_id)
    allocated = {int(a["client"][1:]): int(a["advisor"][1:]) for a in solution["allocations"]}
    db.session.expire_all()
    for client in db.session.scalars(select(Client).where(Client.team_id == team.id)):
        expected = allocated.get(client.id, before[client.id]) if before[client.id] is None else before[client.id]
        assert client.named_advisor_id == expected
