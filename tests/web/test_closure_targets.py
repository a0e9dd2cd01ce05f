"""Protected-time targets follow the working time a week actually has: an office closure day (and an advisor's
absence) cuts the week's target pro rata, so the planner is not asked for protected time it cannot give and the
plan's report shows no shortfall that is not real. The clock is the tests' pinned one: the demo week is
Mon 30 Nov to Fri 4 Dec 2026."""
from __future__ import annotations

import re
from datetime import timedelta

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import Absence, Advisor, Plan, SolveJob, Team, WeekProtectedTarget
from caseload.services import closures
from caseload.services.planning import runs as planning
from caseload.services.planning.boundary import to_problem
from caseload.services.planning.problem import pro_rata, protected_target
from scheduler import check_solution
from tests.web import access_matrix as m
from tests.web import desk_support as d

HOUR_A_DAY = {day: [["09:00", "10:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def _close(day, reason, team=None):
    closures.add_closure(day, team, reason, by=m.user("admin"))
    db.session.commit()


def _target_in(problem: dict, advisor: Advisor) -> int:
    return next(a["protected_minutes"] for a in problem["advisors"] if a["name"] == advisor.name)


def _minutes_a_day(advisor: Advisor, day: str) -> int:
    total = 0
    for start, end in advisor.work_pattern.get(day, []):
        (h1, m1), (h2, m2) = (map(int, start.split(":")), map(int, end.split(":")))
        total += (h2 * 60 + m2) - (h1 * 60 + m1)
    return total


def test_pro_rata_scales_by_the_working_time_left():
    assert pro_rata(240, 2400, 1920) == 192
    assert pro_rata(240, 2400, 2400) == 240 and pro_rata(240, 0, 0) == 240  # nothing lost, or no pattern
    assert pro_rata(240, 2400, 0) == 0
    assert pro_rata(100, 300, 200) == 66  # whole minutes, rounded down


def test_a_closed_day_asks_for_proportionally_less_protected_time(demo_app):
    team, week = m.team("north"), d.week()
    advisor = m.user("advisor1").advisor
    advisor.protected_minutes = 240
    db.session.commit()
    assert _target_in(to_problem(team, week)[0], advisor) == 240
    usual = sum(_minutes_a_day(advisor, day) for day in ("mon", "tue", "wed", "thu", "fri"))
    wednesday = week + timedelta(days=2)
    lost = _minutes_a_day(advisor, "wed")
    assert lost > 0
    _close(wednesday, "Bank holiday")
    assert _target_in(to_problem(team, week)[0], advisor) == 240 * (usual - lost) // usual
    # A week's own target is cut the same way; other weeks keep theirs.
    db.session.add(WeekProtectedTarget(advisor_id=advisor.id, week_start=week, minutes=120))
    db.session.commit()
    assert _target_in(to_problem(team, week)[0], advisor) == 120 * (usual - lost) // usual
    assert _target_in(to_problem(team, week + timedelta(days=7))[0], advisor) == 240


def test_an_absence_cuts_the_target_too(demo_app):
    team, week = m.team("north"), d.week()
    advisor = m.user("advisor2").advisor
    advisor.protected_minutes = 300
    usual = sum(_minutes_a_day(advisor, day) for day in ("mon", "tue", "wed", "thu", "fri"))
    thursday = week + timedelta(days=3)
    db.session.add(Absence(advisor_id=advisor.id, starts_at=to_utc(thursday, "00:00", team.timezone),
                           ends_at=to_utc(thursday + timedelta(days=1), "00:00", team.timezone), reason="leave"))
    db.session.commit()
    expected = 300 * (usual - _minutes_a_day(advisor, "thu")) // usual
    assert expected < 300
    assert _target_in(to_problem(team, week)[0], advisor) == expected
    target = protected_target(advisor, week, team.timezone)
    assert (target.set, target.minutes, target.reduced) == (300, expected, True)


def _one_advisor_team() -> tuple[Team, Advisor]:
    """A team whose only advisor works an hour a day and wants all of it protected (300 min a week)."""
    team = Team(name="east", timezone="Europe/London")
    db.session.add(team)
    db.session.flush()
    advisor = Advisor(team_id=team.id, name="Esme East", work_pattern=HOUR_A_DAY, protected_minutes=300)
    db.session.add(advisor)
    db.session.commit()
    return team, advisor


def test_the_plan_of_a_week_with_a_closed_day_shows_no_false_shortfall(demo_client, demo_auth):
    team, advisor = _one_advisor_team()
    week = d.week()
    _close(week + timedelta(days=2), "Bank holiday")
    job = planning.start_plan_job(team, week, by=None, time_limit=3)
    job = db.session.get(SolveJob, job.id)
    assert job.status == "succeeded", job.message
    plan = db.session.get(Plan, job.plan_id)
    assert check_solution(plan.problem, plan.solution).ok
    assert _target_in(plan.problem, advisor) == 240  # four open hours of five
    # All the time there is, is kept: without the cut this read 0.8 (240 of 300), a shortfall nobody could fill.
    assert plan.figures["protected"] == 1.0
    demo_auth.login("admin")
    page = demo_client.get(f"/rota/plans/{plan.id}").get_data(as_text=True)
    row = re.search(r'<th scope="row">Esme East</th>(.*?)</tr>', page, re.S).group(1)
    assert "240 / 240 min" in row and "(of 300: less working time this week" in row


def test_the_teams_week_says_what_the_plan_is_asked_for(demo_client, demo_auth):
    team, week = m.team("north"), d.week()
    advisor = m.user("advisor1").advisor
    advisor.protected_minutes = 240
    db.session.commit()
    demo_auth.login("leader")
    url = f"/rota/t/{team.id}/{week.isoformat()}/"

    def row() -> str:
        page = demo_client.get(url).get_data(as_text=True)
        return re.search(rf'<th scope="row">{re.escape(advisor.name)}<br>.*?</tr>', page, re.S).group(0)

    assert "The plan is asked for" not in row()  # the whole week open: the target as set
    _close(week + timedelta(days=2), "Bank holiday")
    expected = protected_target(advisor, week, team.timezone).minutes
    assert expected < 240 and f"The plan is asked for <strong>{expected} min</strong> this week" in row()


def test_a_week_already_started_asks_for_the_protected_time_still_reachable(demo_app):
    """A re-plan on Wednesday cannot seat protected time on Monday or Tuesday (their hours are gone from the
    problem): it is asked for the target pro rata to the working time still ahead, as for a closure."""
    team, week = m.team("north"), d.week()
    advisor = m.user("advisor1").advisor
    advisor.protected_minutes = 240
    db.session.commit()
    usual = sum(_minutes_a_day(advisor, day) for day in ("mon", "tue", "wed", "thu", "fri"))
    gone = _minutes_a_day(advisor, "mon") + _minutes_a_day(advisor, "tue")
    assert 0 < gone < usual
    wednesday = to_utc(week + timedelta(days=2), "00:00", team.timezone)
    expected = 240 * (usual - gone) // usual
    assert _target_in(to_problem(team, week, now=wednesday)[0], advisor) == expected
    assert protected_target(advisor, week, team.timezone).minutes == 240  # the week as a whole: unchanged
    # Before the week starts nothing is gone; after it ends nothing is reachable.
    assert _target_in(to_problem(team, week, now=to_utc(week, "00:00", team.timezone))[0], advisor) == 240
    assert _target_in(to_problem(team, week, now=to_utc(week + timedelta(days=5), "00:00", team.timezone))[0],
                      advisor) == 0


def test_the_review_of_a_plan_made_mid_week_shows_the_target_it_was_asked_for(demo_client, demo_auth):
    """The review's "Protected kept / target" reads the target from the plan's own problem, as its protected
    figure does: a plan made on Wednesday is measured against Wednesday-to-Friday's share, not the whole week's."""
    from scheduler.baselines import named_first
    from caseload.services.planning.boundary import save_plan

    team, week = m.team("north"), d.week()
    advisor = m.user("advisor1").advisor
    advisor.protected_minutes = 240
    db.session.commit()
    wednesday = to_utc(week + timedelta(days=2), "00:00", team.timezone)
    problem, maps = to_problem(team, week, now=wednesday)
    asked = _target_in(problem, advisor)
    assert asked < 240
    plan = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    kept = sum(int((b.ends_at - b.starts_at).total_seconds() // 60) for b in plan.protected_blocks
               if b.advisor_id == advisor.id)
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/plans/{plan.id}").get_data(as_text=True)
    row = re.search(rf'<th scope="row">{re.escape(advisor.name)}</th>(.*?)</tr>', page, re.S).group(1)
    assert f"{kept} / {asked} min" in row and "(of 240: less working time this week" in row


def test_my_week_of_a_plan_made_mid_week_shows_the_target_it_was_asked_for(demo_client, demo_auth):
    """My week reads the target from the published plan's own problem too (as the review does): a plan made on
    Wednesday showed the whole week's 4.0 h beside protected time planned only from Wednesday."""
    from scheduler.baselines import named_first
    from caseload.services.planning.boundary import save_plan
    from caseload.services.planning.plans import publish_plan

    team, week = m.team("north"), d.week()
    advisor = m.user("advisor1").advisor
    advisor.protected_minutes = 240
    db.session.commit()
    wednesday = to_utc(week + timedelta(days=2), "00:00", team.timezone)
    problem, maps = to_problem(team, week, now=wednesday)
    asked = _target_in(problem, advisor)
    assert asked < 240
    plan = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    publish_plan(plan, m.user("leader"), plan.version_id, expected_published=0)
    demo_auth.login("advisor1")
    page = demo_client.get(f"/me/week/{week.isoformat()}").get_data(as_text=True)
    assert f"(target {round(asked / 60, 1)} h this week, of 4.0 h" in page
    assert "hours already gone when it was planned" in page
