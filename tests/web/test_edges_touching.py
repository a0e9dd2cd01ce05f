"""Issue 12, kind 3: touching working time is one stretch, overlapping working time is refused.

The example: a work pattern `mon 09:00-13:00, 13:00-17:00` was exported as two intervals, so a 60-minute
request `mon 12:30-13:30` was unassigned with a false reason. Now the pattern is saved as one stretch,
a pattern stored before (or written into the database) is exported merged, overlapping spans are refused
at the door, a client's touching windows are joined, and the week plans the request.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Advisor, AppointmentRequest, AppointmentType, Client, Plan, SolveJob, Skill, Team
from caseload.services.planning import runs as planning
from caseload.services.rota import requests as rota_requests
from caseload.services.planning.boundary import to_problem
from scheduler.check import check_solution

MONDAY = date(2026, 12, 7)


def test_touching_pattern_spans_are_saved_as_one_and_overlaps_refused(app):
    # After the app: services.users and caseload.auth import each other.
    from caseload.services.people import admin_saves, advisor_admin

    assert advisor_admin.parse_work_pattern("mon 09:00-13:00, 13:00-17:00") == {"mon": [["09:00", "17:00"]]}
    with pytest.raises(admin_saves.AdminError) as info:
        advisor_admin.parse_work_pattern("tue 09:00-13:00, 12:30-17:00")
    assert info.value.field == "work_pattern" and "09:00-13:00 and 12:30-17:00 overlap" in str(info.value)


def test_admin_form_shows_the_merged_pattern(demo_client, demo_auth):
    demo_auth.login("admin")
    advisor = db.session.scalars(select(Advisor).order_by(Advisor.id)).first()
    data = {"name": advisor.name, "team": advisor.team_id, "skills": [s.id for s in advisor.skills],
            "does_support": "y", "work_pattern": "mon 09:00-13:00, 13:00-17:00", "protected_minutes": 60,
            "max_appointments_per_day": 6, "max_caseload": "", "active": "y"}
    assert demo_client.post(f"/admin/advisors/{advisor.id}", data=data).status_code == 302
    db.session.refresh(advisor)
    assert advisor.work_pattern == {"mon": [["09:00", "17:00"]]}
    overlapping = demo_client.post(f"/admin/advisors/{advisor.id}",
                                   data={**data, "work_pattern": "mon 09:00-13:00, 12:00-17:00"})
    assert overlapping.status_code == 400 and "overlap" in overlapping.data.decode()
    db.session.refresh(advisor)
    assert advisor.work_pattern == {"mon": [["09:00", "17:00"]]}


def test_touching_windows_of_one_day_are_joined():
    windows = rota_requests.parse_windows("mon 09:00-12:00; mon 12:00-15:00\nmon 14:00-16:00; tue 20:00-24:00; wed 00:00-02:00",
                                 MONDAY)
    assert [(w.day.isoformat(), w.start, w.end) for w in windows] == [
        ("2026-12-07", "09:00", "16:00"), ("2026-12-08", "20:00", "24:00"), ("2026-12-09", "00:00", "02:00")]


def _small_week(pattern: dict) -> tuple[Team, AppointmentRequest]:
    """One team, one advisor with `pattern`, one client and a 60-minute request that can only be mon 12:30-13:30."""
    debt = Skill(code="debt", name="Debt")
    kind = AppointmentType(code="first-meeting", name="First meeting", kind="support", default_minutes=60)
    team = Team(name="east", timezone="Europe/London")
    advisor = Advisor(team=team, name="Asha Patel", does_support=True, does_policing=False, work_pattern=pattern,
                      protected_minutes=0, skills=[debt])
    client = Client(team=team, reference="E0001", name="Jo Bloggs", need=debt, named_advisor=advisor)
    db.session.add_all([debt, kind, team, advisor, client])
    db.session.flush()
    request = rota_requests.new_request(team, MONDAY, rota_requests.RequestFields(
        client=client, type=kind, duration_minutes=60, windows=rota_requests.parse_windows("mon 12:30-13:30", MONDAY)))
    db.session.add(request)
    db.session.commit()
    return team, request


def test_a_stored_split_day_is_exported_as_one_interval(app):
    """A pattern saved before the merge (or written by a script) still reaches the planner as one stretch."""
    team, _ = _small_week({"mon": [["09:00", "13:00"], ["13:00", "17:00"]]})
    problem, _ = to_problem(team, MONDAY)
    assert problem["advisors"][0]["availability"] == [{"start": "2026-12-07T09:00", "end": "2026-12-07T17:00"}]


def test_the_issue_example_is_planned_and_passes_the_checker(app):
    """60 minutes at mon 12:30-13:30 with pattern 09:00-13:00,13:00-17:00: assigned by the planning job."""
    team, request = _small_week({"mon": [["09:00", "13:00"], ["13:00", "17:00"]]})
    job = planning.start_plan_job(team, MONDAY, by=None, time_limit=3)  # the queue runs it inline in tests
    job = db.session.get(SolveJob, job.id)
    assert job.status == "succeeded", job.message
    plan = db.session.get(Plan, job.plan_id)
    [item] = plan.items
    assert item.request_id == request.id and item.advisor_id is not None, item.unassigned_reason
    assert plan.solution["assignments"][0]["start"] == "2026-12-07T12:30"
    assert check_solution(plan.problem, plan.solution).violations == []


def test_the_split_day_as_the_scheduler_reads_it_from_the_cli_document(app):
    """A problem document that still splits the day (from the API or the CLI) is read as one interval."""
    team, _ = _small_week({"mon": [["09:00", "17:00"]]})
    problem, _ = to_problem(team, MONDAY)
    problem["advisors"][0]["availability"] = [{"start": "2026-12-07T09:00", "end": "2026-12-07T13:00"},
                                              {"start": "2026-12-07T13:00", "end": "2026-12-07T17:00"}]
    solution = {"format": "caseload-solution/1", "status": "feasible",
                "assignments": [{"appointment": problem["appointments"][0]["id"],
                                 "advisor": problem["advisors"][0]["id"], "start": "2026-12-07T12:30"}],
                "unassigned": [], "allocations": [], "protected": []}
    result = check_solution(problem, solution)
    assert not [v for v in result.violations if v.startswith("rule")], result.violations
