"""A published version made at the desk (a booking, a rebooking, a cancellation) is the published plan's own
documents with that one change, and its rows are rebuilt from its solution (planning.boundary.apply_solution):
rows and solution agree, the solution passes the checker with the score stored, and nothing else moves."""
from __future__ import annotations

import copy
import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import AuditEvent, Plan
from caseload.services.desk import asks, attendance, booking, cancelling, versions
from caseload.services.desk import offers as desk_offers
from caseload.services.planning.boundary import apply_solution
from caseload.services.rota import requests as rota_requests
from caseload.services.planning.problem import advisor_sid, local_naive, request_sid
from scheduler import check_solution
from scheduler.model import TIME_FORMAT
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _rows(plan: Plan) -> set[tuple]:
    return {(i.request_id, i.advisor_id, i.starts_at, i.ends_at, i.pinned, i.unassigned_reason) for i in plan.items}


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def assert_one_source_of_truth(plan: Plan) -> None:
    """The version's rows are exactly its solution's, and the solution is valid with the score stored."""
    result = check_solution(plan.problem, plan.solution)
    assert result.ok, result.violations
    assert plan.score == plan.solution["score"] == result.score
    tz = plan.team.timezone
    placed = {(request_sid(i.request_id), advisor_sid(i.advisor_id), local_naive(i.starts_at, tz).strftime(TIME_FORMAT))
              for i in plan.items if i.advisor_id is not None}
    assert placed == {(a["appointment"], a["advisor"], a["start"]) for a in plan.solution["assignments"]}
    left = {request_sid(i.request_id) for i in plan.items if i.advisor_id is None}
    in_problem = {a["id"] for a in plan.problem["appointments"]}
    assert left & in_problem == {u["appointment"] for u in plan.solution["unassigned"]}
    rebuilt = Plan(team=plan.team, week_start=plan.week_start, status="draft")
    skipped = {i.request_id: i.unassigned_reason for i in plan.items if request_sid(i.request_id) not in in_problem}
    apply_solution(rebuilt, plan.problem, plan.solution, skipped)
    assert _rows(rebuilt) == _rows(plan)


def test_a_booking_and_its_cancellation_are_versions_rebuilt_from_their_solutions(demo_app):
    v1 = d.publish_week()
    assert_one_source_of_truth(v1)
    north, leader = m.team("north"), m.user("leader")
    client = m.client_of("advisor1")
    offer = desk_offers.offers(north, d.ask(client))[0]
    booked = booking.book(north, d.ask(client), offer.advisor.id, offer.local, leader)
    v2 = d.current()
    assert v2.published_version == 2 and v2.id == booked.plan.id
    assert_one_source_of_truth(v2)
    db.session.refresh(v1)
    before = {(i.request_id, i.advisor_id, i.starts_at) for i in v1.items}
    assert before < {(i.request_id, i.advisor_id, i.starts_at) for i in v2.items}  # nothing else moved
    assert (request_sid(booked.request.id), advisor_sid(offer.advisor.id), offer.local) in {
        (a["appointment"], a["advisor"], a["start"]) for a in v2.solution["assignments"]}
    cancelling.cancel(booked.request, leader)
    v3 = d.current()
    assert v3.published_version == 3
    assert_one_source_of_truth(v3)
    assert request_sid(booked.request.id) not in {a["id"] for a in v3.problem["appointments"]}
    assert {(i.request_id, i.advisor_id, i.starts_at) for i in v3.items} == before


def test_a_rebooking_in_the_same_week_moves_the_appointment_in_one_version(demo_app):
    d.publish_week()
    north, leader = m.team("north"), m.user("leader")
    client = m.client_of("advisor1")
    first = desk_offers.offers(north, d.ask(client))[0]
    old = booking.book(north, d.ask(client), first.advisor.id, first.local, leader).request
    ask = d.ask(client)
    ask.replacing = old
    again = next(o for o in desk_offers.offers(north, ask) if o.local != first.local)
    new = booking.book(north, ask, again.advisor.id, again.local, leader).request
    plan = d.current()
    assert plan.published_version == 3
    assert_one_source_of_truth(plan)
    ids = {i.request_id for i in plan.items}
    assert new.id in ids and old.id not in ids
    assert request_sid(old.id) not in {a["id"] for a in plan.problem["appointments"]}


def test_an_appointment_broken_by_an_absence_stays_in_the_versions_until_rebooked(demo_client, demo_auth):
    """The published version keeps what an absence breaks where it was (the desk lists it to rebook);
    a booking of someone else does not drop it."""
    plan = d.publish_week()
    item = next(i for i in sorted(plan.items, key=lambda i: i.id)
                if i.advisor_id is not None and i.request is not None and i.request.type.code == "follow-up")
    absent, day = item.advisor, to_local(item.starts_at, "Europe/London").date()
    north = m.team("north")
    demo_auth.login("leader")
    demo_client.post(f"/rota/t/{north.id}/{d.week().isoformat()}/absences", data={
        "advisor": absent.id, "start_day": day.isoformat(), "end_day": day.isoformat(), "reason": "sick"})
    broken = {row.request.id for row, _ in attendance.broken_by_absences(north, d.week())}
    assert item.request_id in broken
    other = next(c for c in (m.client_of(u) for u in ("advisor2", "advisor3", "advisor1")) if c is not None)
    offer = next(o for o in desk_offers.offers(north, d.ask(other)) if o.advisor.id != absent.id)
    booking.book(north, d.ask(other), offer.advisor.id, offer.local, m.user("leader"))
    v2 = d.current()
    assert v2.published_version == 2
    kept = next(i for i in v2.items if i.request_id == item.request_id)
    assert (kept.advisor_id, kept.starts_at, kept.ends_at) == (item.advisor_id, item.starts_at, item.ends_at)
    assert {row.request.id for row, _ in attendance.broken_by_absences(north, d.week())} == broken
    assert (request_sid(item.request_id), advisor_sid(absent.id)) in {
        (a["appointment"], a["advisor"]) for a in v2.solution["assignments"]}
    assert abs((kept.ends_at - kept.starts_at) - timedelta(minutes=item.request.duration_minutes)) < timedelta(seconds=1)


def test_a_request_deleted_from_the_published_week_does_not_stop_the_next_booking(demo_app):
    """Its row lost its request (ON DELETE SET NULL): the next version leaves it out instead of failing."""
    v1 = d.publish_week()
    north, leader = m.team("north"), m.user("leader")
    gone = next(i for i in sorted(v1.items, key=lambda i: i.id) if i.advisor_id is not None and i.request is not None)
    gone_id = gone.request_id
    rota_requests.remove_request(gone.request, leader)
    client = m.client_of("advisor1")
    offer = desk_offers.offers(north, d.ask(client))[0]
    booking.book(north, d.ask(client), offer.advisor.id, offer.local, leader)
    v2 = d.current()
    assert v2.published_version == 2
    assert_one_source_of_truth(v2)
    assert request_sid(gone_id) not in {a["id"] for a in v2.problem["appointments"]}
    assert all(i.request_id is not None for i in v2.items)


def test_a_booking_the_published_plan_no_longer_fits_is_refused_and_the_plan_stays(demo_client, demo_auth):
    """Advisor 1's Thursday is made longer (to 19:00) after the week was published: the week now offers Thursday
    17:30 with them, but the published plan's own problem still has them working until 17:00, so the checker
    refuses the new version's problem (the pin is outside their working time). It was a 500 (ProblemError); now a
    409 saying why and what to do, nothing written, version 1 still published."""
    v1 = d.publish_week()
    north = m.team("north")
    advisor = m.user("advisor1").advisor
    advisor.work_pattern = {**advisor.work_pattern, "thu": [["09:00", "19:00"]]}
    db.session.commit()
    client = m.client_of("advisor1")
    windows = "thu 17:30-19:00"
    offer = next(o for o in desk_offers.offers(north, d.ask(client, windows=windows), count=50)
                 if o.advisor.id == advisor.id)
    demo_auth.login("leader")
    requests_before, audits_before = d.request_count(), _audit_count()
    answer = demo_client.post(f"/desk/clients/{client.id}/book",
                              data=d.form(windows=windows, advisor=advisor.id, start=offer.local))
    assert answer.status_code == 409
    text = html.unescape(answer.get_data(as_text=True))
    assert "Nothing was changed: the week's published plan with this change would break a rule of the plan" in text
    assert f"outside {advisor.name}" in text and "Plan the week again and publish it" in text
    assert d.current().id == v1.id and d.current().published_version == 1
    assert d.request_count() == requests_before and _audit_count() == audits_before
    assert db.session.scalar(select(func.count(Plan.id)).where(Plan.week_start == v1.week_start,
                                                               Plan.status == "published")) == 1


def test_publish_version_refuses_a_solution_that_breaks_a_hard_rule(demo_app):
    """A desk version is checked by the planner's independent checker before anything is written: a solution that
    breaks a hard rule (here two of one advisor's protected blocks made to overlap, rule 7) is refused with the
    rule named; the published plan stays as it was (not superseded, no new version)."""
    v1 = d.publish_week()
    problem, solution = copy.deepcopy(v1.problem), copy.deepcopy(v1.solution)
    block = solution["protected"][0]
    solution["protected"].append(dict(block))  # the same block twice: overlapping protected time
    with pytest.raises(versions.BrokenVersion) as refused:
        versions.publish_version(v1, m.user("leader"), problem, solution)
    assert any(v.startswith("rule 7:") and "overlap" in v for v in refused.value.violations)
    assert isinstance(refused.value, asks.StateMoved) and refused.value.field == "week"
    db.session.rollback()
    assert d.current().id == v1.id and v1.status == "published"
    assert db.session.scalar(select(func.count(Plan.id)).where(Plan.week_start == v1.week_start)) == 1
    assert versions.publish_version(v1, m.user("leader"), copy.deepcopy(v1.problem),  # unbroken: published
                                    copy.deepcopy(v1.solution)).published_version == 2
