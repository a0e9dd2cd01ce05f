"""A week already under way: planning it (the leader's run, a re-plan after an absence, the region's runs and the
background jobs all build the problem in boundary.to_problem) places nothing before now, and leaves what is held
before now where it is.

The fault: on Monday 30 Nov at 15:41 "Plan the week" put ~50 appointments at Monday 09:00-14:00, and an absence
re-plan moved a desk booking from Tuesday to Monday 13:30, hours already gone; the problem had no notion of now.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import Absence, AppointmentRequest, Plan, RequestWindow
from caseload.services.planning import runs as planning
from caseload.services.planning.boundary import to_problem
from scheduler import check_solution
from scheduler.baselines import named_first
from tests.clock import DEMO_WEEK, at
from tests.web import desk_support as d
from tests.web.test_rota_problem import _one_advisor_team

UTC = timezone.utc
MONDAY_1541 = datetime(2026, 11, 30, 15, 41, tzinfo=UTC)  # London is on GMT: 15:41 local
CUT = "2026-11-30T15:45"  # the first 15-minute slot from then
NOTICE_CUT = "2026-11-30T17:45"  # and from then plus the service's minimum notice (2 hours, the default)


def _starts(spans):
    return [s["start"] for s in spans]


def test_a_started_week_is_planned_from_now_and_keeps_what_is_held_before_it(leader, north, monkeypatch):
    team, week = north
    assert week == DEMO_WEEK
    published = d.publish_week()  # on Sunday (the pinned clock): Monday morning is planned and published
    held = {i.request_id: (f"a{i.advisor_id}", i.starts_at) for i in published.items
            if i.starts_at is not None and i.starts_at < MONDAY_1541 + timedelta(hours=2)}
    assert len(held) >= 5
    seen = {}

    def capture(problem, time_limit, workers, progress):
        seen["problem"] = problem
        return {**named_first(problem), "score": 0, "bound": 0}

    monkeypatch.setattr(planning, "solver", lambda: capture)
    with at(MONDAY_1541):
        page = leader.get(f"/rota/t/{team.id}/{week}/").data.decode()
        assert "This week has started: times before now are not used" in page and "Mon 30 Nov 17:45" in page
        assert leader.post(f"/rota/t/{team.id}/{week}/plan", data={"time_limit": 5}).status_code == 302
    problem = seen["problem"]
    for appointment in problem["appointments"]:
        rid = int(appointment["id"][1:])
        if rid in held:  # held before now (or within the minimum notice): pinned where the published plan has it
            advisor, starts_at = held[rid]
            assert appointment["pinned"] == {"advisor": advisor, "start": f"{starts_at:%Y-%m-%dT%H:%M}"}
        else:
            assert min(_starts(appointment["windows"])) >= NOTICE_CUT, appointment
    for advisor in problem["advisors"]:  # working time before now only where a held appointment is
        early = [s for s in advisor["availability"] if s["start"] < CUT]
        mine = {f"{v[1]:%Y-%m-%dT%H:%M}" for v in held.values() if v[0] == advisor["id"]}
        assert all(s["start"] in mine for s in early), (advisor["id"], early)
    draft = db.session.scalars(select(Plan).where(Plan.status == "draft").order_by(Plan.id.desc())).first()
    rules = [v for v in check_solution(draft.problem, draft.solution).violations if not v.startswith(("score", "bound"))]
    assert rules == []  # the fake run's score is not the point
    for item in draft.items:
        if item.starts_at is not None and item.request_id not in held:
            assert item.starts_at >= datetime(2026, 11, 30, 17, 45, tzinfo=UTC)
        elif item.request_id in held:
            assert item.starts_at == held[item.request_id][1]


def test_a_desk_booking_moved_by_an_absence_goes_later_never_earlier_than_now(north):
    """Before any publish: a booking pinned Monday 10:00 stays; one pinned Tuesday 11:30 whose advisor is now
    absent Tuesday is planned afresh from now on, not on Monday morning."""
    team, week = north
    problem, _ = to_problem(team, week)
    first = next(a for a in problem["appointments"] if "pinned" not in a)
    morning = db.session.get(AppointmentRequest, int(first["id"][1:]))
    second = next(a for a in problem["appointments"] if "pinned" not in a and a["client"] != first["client"])
    tuesday = db.session.get(AppointmentRequest, int(second["id"][1:]))
    advisor = next(a for a in problem["advisors"] if a["skills"] and first.get("skill") in a["skills"])
    aid = int(advisor["id"][1:])
    for request in (morning, tuesday):
        request.windows = [RequestWindow(starts_at=to_utc(week, "09:00", team.timezone),
                                         ends_at=to_utc(week + timedelta(days=4), "17:00", team.timezone))]
    morning.pinned_advisor_id, morning.pinned_start = aid, to_utc(week, "10:00", team.timezone)
    tuesday.pinned_advisor_id, tuesday.pinned_start = aid, to_utc(week + timedelta(days=1), "11:30", team.timezone)
    db.session.add(Absence(advisor_id=aid, starts_at=to_utc(week + timedelta(days=1), "00:00", team.timezone),
                           ends_at=to_utc(week + timedelta(days=2), "00:00", team.timezone)))
    db.session.commit()
    with at(MONDAY_1541):
        problem, maps = to_problem(team, week)
    docs = {a["id"]: a for a in problem["appointments"]}
    assert docs[f"r{morning.id}"].get("pinned") == {"advisor": advisor["id"], "start": "2026-11-30T10:00"}
    moved = docs[f"r{tuesday.id}"]
    assert "pinned" not in moved and min(_starts(moved["windows"])) >= NOTICE_CUT, maps.warnings
    assert any("11:30 with" in w and "is not working then" in w for w in maps.warnings), maps.warnings


def test_a_started_week_across_a_clock_change_cuts_at_local_now(app):
    """Cairo's clocks went back at Friday 30 Oct 2026 00:00 EEST (UTC+3) to Thursday 23:00 EET (UTC+2):
    at 07:41 UTC on the Friday it is 09:41 there, so nothing starts before 09:45 local (10:45 on the old offset),
    nor anything new before 11:45, the service's minimum notice (2 hours) on."""
    team, advisor, client, kind = _one_advisor_team("Africa/Cairo")
    week = date(2026, 10, 26)
    request = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30)
    request.windows.append(RequestWindow(starts_at=to_utc(week, "09:00", team.timezone),
                                         ends_at=to_utc(week + timedelta(days=4), "17:00", team.timezone)))
    db.session.add(request)
    db.session.commit()
    with at(datetime(2026, 10, 30, 7, 41, tzinfo=UTC)):
        problem, maps = to_problem(team, week)
    assert problem["appointments"][0]["windows"] == [{"start": "2026-10-30T11:45", "end": "2026-10-30T17:00"}]
    assert problem["advisors"][0]["availability"] == [{"start": "2026-10-30T09:45", "end": "2026-10-30T17:00"}]
    with at(datetime(2026, 10, 30, 16, 41, tzinfo=UTC)):  # 18:41 in Cairo: the week's times have all passed
        problem, maps = to_problem(team, week)
    assert problem["appointments"] == [] and maps.skipped[request.id] == "its times in this week have passed"
