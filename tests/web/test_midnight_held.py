"""What a plan already holds (published protected time, appointments held where they are) read across a clock change
at midnight, with the real zone data: Africa/Cairo goes forward at Fri 30 Apr 2027 00:00 (-> 01:00) and back at
Fri 30 Oct 2026 00:00 EEST (-> Thu 23:00 EET: Thursday's 23:00-24:00 runs twice, 20:00-21:00 then 21:00-22:00 UTC).

The faults pinned here: a published protected block to Thursday's 24:00 before the skipped midnight read as ending at
Friday 01:00, the skipped hour inside it, so the desk's copy of the plan dropped it (outside the working time); a block
from the first 23:30 to the second 23:15 read as ending before it started (the desk's copy held a span backwards, a
re-plan dropped it); and an appointment held at the second 23:30 was saved an hour early, at the first, when the week
was planned again.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from caseload.extensions import db
from caseload.localtime import second_run
from caseload.models import AppointmentRequest, Plan, PlanItem, ProtectedBlock
from caseload.services.desk.desk_week import _published_doc
from caseload.services.planning import boundary
from caseload.services.planning.problem import HELD_AT, HELD_PROTECTED, advisor_sid
from scheduler import check_solution
from tests.web.test_midnight_planner import AHEAD, NIGHTS, _team

UTC = timezone.utc
CAIRO = "Africa/Cairo"
EMPTY = {"format": "caseload-solution/1", "status": "feasible", "score": 0, "allocations": [], "protected": [],
         "unassigned": [], "assignments": []}


def _published(team, week, advisor, blocks, items=()):
    plan = Plan(team=team, week_start=week, status="published", published_version=1,
                protected_blocks=[ProtectedBlock(advisor=advisor, starts_at=s, ends_at=e) for s, e in blocks],
                items=list(items))
    db.session.add(plan)
    db.session.commit()
    return plan


def _blocks(plan):
    return sorted((b.starts_at, b.ends_at) for b in plan.protected_blocks)


def test_a_block_to_24_00_before_the_skipped_midnight_stays_in_the_desks_copy_and_a_re_plan(app):
    team, advisor, client, kind = _team(CAIRO, NIGHTS)
    advisor.protected_minutes = 60
    week = date(2027, 4, 26)
    thursday_23, friday_starts = datetime(2027, 4, 29, 21, tzinfo=UTC), datetime(2027, 4, 29, 22, tzinfo=UTC)
    plan = _published(team, week, advisor, [(thursday_23, friday_starts)])  # Thu 23:00-24:00, the planner's own
    problem, _ = boundary.to_problem(team, week, now=AHEAD)
    block = {"advisor": advisor_sid(advisor.id), "start": "2027-04-29T23:00", "end": "2027-04-30T00:00"}
    desks = _published_doc(problem, plan, CAIRO)
    assert desks["protected"] == [block]  # without the fix: [] (read to Fri 01:00, outside the working time)
    assert check_solution(problem, {**desks, "score": None, "bound": None}).ok

    # Planned again on Friday at 01:30 (23:30 UTC): the block is held as it was, an hour, saved where it was.
    problem, _ = boundary.to_problem(team, week, now=datetime(2027, 4, 29, 23, 30, tzinfo=UTC))
    assert [{k: b[k] for k in ("advisor", "start", "end")} for b in problem[HELD_PROTECTED]] == [block]
    again = boundary.save_plan(team, week, problem, EMPTY)
    assert _blocks(again) == [(thursday_23, friday_starts)]


def test_a_block_into_the_second_run_of_the_repeated_hour_is_held_forwards_and_saved_as_it_was(app):
    """From the first 23:30 (EEST, 20:30 UTC) to the second 23:15 (EET, 21:15 UTC): 45 minutes. The document can
    name only the first run, so it holds 23:30-24:00 (the first run's half hour, all inside the block); the plan
    saved from it keeps the block's real end, 21:15 UTC, not 24:00 (22:00 UTC, time it never held)."""
    tz, week = CAIRO, date(2026, 10, 26)
    team, advisor, client, kind = _team(tz, {"thu": [["16:00", "24:00"]]})
    advisor.protected_minutes = 60
    start, end = datetime(2026, 10, 29, 20, 30, tzinfo=UTC), datetime(2026, 10, 29, 21, 15, tzinfo=UTC)
    assert not second_run(start, tz) and second_run(end, tz)
    plan = _published(team, week, advisor, [(start, end)])
    problem, _ = boundary.to_problem(team, week, now=AHEAD)
    block = {"advisor": advisor_sid(advisor.id), "start": "2026-10-29T23:30", "end": "2026-10-30T00:00"}
    assert _published_doc(problem, plan, tz)["protected"] == [block]  # without: 23:30-23:15, backwards

    problem, _ = boundary.to_problem(team, week, now=datetime(2026, 10, 29, 22, 30, tzinfo=UTC))  # Fri 00:30 EET
    assert [{k: b[k] for k in ("advisor", "start", "end")} for b in problem[HELD_PROTECTED]] == [block]  # without: none
    again = boundary.save_plan(team, week, problem, EMPTY)
    assert _blocks(again) == [(start, end)]


def test_a_held_appointment_at_the_second_23_30_is_saved_there_when_the_week_is_planned_again(app):
    """Held (the published plan's, starting before now + the notice) at the second 23:30 (EET, 21:30 UTC): the
    document pins it at 23:30, the only 23:30 it can name, and the plan saved from the planner's solution keeps it
    at 21:30 UTC. Before, it was saved at the first 23:30 (20:30 UTC), an hour before the client's appointment."""
    tz, week = CAIRO, date(2026, 10, 26)
    team, advisor, client, kind = _team(tz, {"thu": [["16:00", "24:00"]]})
    real = datetime(2026, 10, 29, 21, 30, tzinfo=UTC)
    assert second_run(real, tz)
    request = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30)
    other = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30)
    db.session.add_all([request, other])
    db.session.flush()
    _published(team, week, advisor, [], [PlanItem(request_id=request.id, advisor_id=advisor.id, starts_at=real,
                                                  ends_at=real + timedelta(minutes=30), pinned=False)])
    now = datetime(2026, 10, 29, 21, 40, tzinfo=UTC)  # the second 23:40: under way
    problem, maps = boundary.to_problem(team, week, now=now)
    held = next(a for a in problem["appointments"] if maps.requests[a["id"]] == request.id)
    assert held["pinned"] == {"advisor": advisor_sid(advisor.id), "start": "2026-10-29T23:30"}
    assert problem[HELD_AT] == {held["id"]: real.isoformat()}
    solution = {**EMPTY, "assignments": [{"appointment": held["id"], **held["pinned"]}],
                "unassigned": [{"appointment": a["id"], "reason": "no time"} for a in problem["appointments"]
                               if a["id"] != held["id"]]}
    again = boundary.save_plan(team, week, problem, solution)
    item = next(i for i in again.items if i.request_id == request.id)
    assert (item.starts_at, item.ends_at) == (real, real + timedelta(minutes=30))  # without: 20:30-21:00 UTC
    # A pinned start the wall clock names as it is gets no HELD_AT entry: the document is as it was.
    request.pinned_advisor, request.pinned_start = advisor, datetime(2026, 10, 29, 20, 30, tzinfo=UTC)
    db.session.delete(again)
    db.session.commit()
    problem, maps = boundary.to_problem(team, week, now=AHEAD)
    assert HELD_AT not in problem
