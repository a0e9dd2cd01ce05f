"""Faults found walking through the app as a new user (issue 17): duplicate element ids, ISO dates shown to
people, a fill figure of 100 % with requests skipped, charts without a data table."""
from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import human_value, share_text, this_week_start
from caseload.models import AppointmentRequest, Team
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.boundary import save_plan
from caseload.services.planning.boundary import to_problem
from scheduler.baselines import named_first

ISO_DAY = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def _duplicate_ids(page: str) -> list[str]:
    return [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', page)).items() if n > 1]


def _visible(page: str) -> str:
    """The page's text as shown: no tags, attributes, scripts or styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def _north():
    team = db.session.scalar(select(Team).where(Team.name == "north"))
    return team, this_week_start(team.timezone)


def test_pages_with_two_forms_give_each_element_its_own_id(demo_client, demo_auth):
    demo_auth.login("admin")
    page = demo_client.get("/admin/weights").data.decode()
    assert 'id="whatif-continuity"' in page and 'for="whatif-continuity"' in page
    assert not _duplicate_ids(page), _duplicate_ids(page)
    demo_auth.logout()
    demo_auth.login("advisor1")
    page = demo_client.get("/me/time").data.decode()
    assert not _duplicate_ids(page), _duplicate_ids(page)
    # The prefix changes ids, not names: the forms post what they did.
    assert 'name="start"' in page and 'id="once-start"' in page
    demo_auth.logout()
    demo_auth.login("leader")
    team, week = _north()
    page = demo_client.get(f"/rota/t/{team.id}/{week}/").data.decode()
    assert not _duplicate_ids(page), _duplicate_ids(page)


def test_fill_counts_skipped_requests_and_never_reads_100_percent_unless_all_are_placed(demo_client, demo_auth):
    team, week = _north()
    request = db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.team_id == team.id)).first()
    for window in request.windows:  # no window inside the week: the request is skipped, not in the problem
        window.starts_at = window.starts_at.replace(year=2030)
        window.ends_at = window.ends_at.replace(year=2030)
    db.session.commit()
    problem, maps = to_problem(team, week)
    assert request.id in maps.skipped
    solution = named_first(problem)
    total = len(problem["appointments"]) + len(maps.skipped)
    placed = len(solution["assignments"])
    plan = save_plan(team, week, problem, solution, skipped=maps.skipped)
    assert plan.figures["fill"] == round(placed / total, 6) < 1
    demo_auth.login("leader")
    page = demo_client.get(f"/rota/plans/{plan.id}").data.decode()
    fill = re.search(r'class="fig-fill">([^<]+)</td>', page).group(1)
    assert fill == share_text(placed / total, 0) and fill != "100%"
    assert share_text(200 / 201, 0) == "99.5%" and share_text(200 / 201) == "99.5%" and share_text(1.0, 0) == "100%"


def test_dates_reach_people_as_dates_not_iso_stamps(demo_client, demo_auth):
    team, week = _north()
    problem, maps = to_problem(team, week)
    plan = save_plan(team, week, problem, named_first(problem), by=team.leader, skipped=maps.skipped)
    publish_plan(plan, team.leader, plan.version_id, expected_published=0)
    demo_auth.login("admin")
    audit = demo_client.get("/admin/audit").data.decode()
    shown = _visible(audit)
    assert "Plan published" in shown or "Draft plan made" in shown  # actions in words (audit.action_name)
    assert not ISO_DAY.search(shown), ISO_DAY.findall(shown)[:5]
    assert f"{week:%a %d %b %Y}" in shown  # the week of the drafted plan, as a date people read
    assert human_value("2026-11-30T09:00:00+00:00") == "Mon 30 Nov 2026 09:00 UTC"


def test_every_chart_has_its_figures_as_a_table_with_weeks_as_dates(demo_client, demo_auth):
    team, week = _north()
    problem, maps = to_problem(team, week)
    plan = save_plan(team, week, problem, named_first(problem), by=team.leader, skipped=maps.skipped)
    publish_plan(plan, team.leader, plan.version_id, expected_published=0)
    demo_auth.login("admin")
    page = demo_client.get("/admin/reports").data.decode()
    charts = re.findall(r'<canvas class="report-chart"', page)
    tables = re.findall(r'<details class="chart-table"', page)
    assert len(charts) == len(tables) >= 6  # one table per chart, however many reports there are
    assert f"w/c {week:%d %b %Y}" in page
    assert not ISO_DAY.search(_visible(page)), ISO_DAY.findall(_visible(page))[:5]
    chart = demo_client.get("/admin/reports/continuity-team.json").get_json()
    assert chart["labels"][-1] == f"w/c {week:%d %b %Y}"
    # The CSV keeps ISO dates for spreadsheets.
    assert ISO_DAY.search(demo_client.get("/admin/reports/continuity-team.csv").data.decode())
