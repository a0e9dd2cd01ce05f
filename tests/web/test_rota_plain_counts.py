"""Counts and figures in plain words: singular for one ("1 appointment request", never "team(s)"), the review's
figures without solver jargon, a published plan's figures under Published, and move offers saying what
changes for clients and advisors rather than a score."""
from __future__ import annotations

import re

from caseload.extensions import db
from caseload.models import utcnow
from caseload.services.planning import move_offers
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.problem import week_requests
from caseload.wording import counted
from scheduler.baselines import named_first
from tests.web.desk_support import publish_week


def test_counted_is_singular_for_one():
    assert [counted(n, "team") for n in (0, 1, 2)] == ["0 teams", "1 team", "2 teams"]
    assert counted(1, "appointment request") == "1 appointment request"


def test_the_week_page_counts_one_request_as_one(leader, north):
    team, week = north
    for request in week_requests(team, week)[1:]:
        request.cancelled_at = utcnow()
    db.session.commit()
    page = leader.get(f"/rota/t/{team.id}/{week}/").get_data(as_text=True)
    assert "· 1 appointment request ·" in page


def test_the_region_page_says_teams_without_brackets(demo_auth):
    demo_auth.login("admin")
    page = demo_auth.client.get("/admin/region").get_data(as_text=True)
    assert "team(s)" not in page and re.search(r"Week of \w{3} \d\d \w{3} \d{4}: \d+ teams?\.", page)


def test_a_published_plan_counts_itself_under_published_in_plain_figures(leader, north):
    plan = publish_week()
    page = leader.get(f"/rota/plans/{plan.id}").get_data(as_text=True)
    figures = page[page.index('class="figures-table"'):page.index("</table>", page.index('class="figures-table"'))]
    assert "Gap to bound" not in figures and "How much better a plan could possibly be" in figures
    assert '<th scope="col">Published v1 (this plan)</th>' in figures
    fill = re.search(r'<td class="fig-fill">([^<]+)</td>\s*<td>([^<]+)</td>', figures)
    assert fill.group(1) == fill.group(2) != "—"


def test_move_offers_say_what_changes_not_the_score(leader, north):
    team, week = north
    problem, maps = to_problem(team, week)
    plan = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
    item = next(i for i in plan.items if i.advisor_id and i.request.type.kind == "support"
                and i.request.client.named_advisor_id == i.advisor_id)
    page = leader.get(f"/rota/plans/{plan.id}?move={item.id}").get_data(as_text=True)
    panel = page[page.index('id="move"'):page.index("</section>", page.index('id="move"'))]
    assert re.search(r"(better|worse) than where it is now: ", panel)
    assert "score" not in panel and "re-seated" not in panel


def test_term_changes_name_what_a_move_changes():
    before = {"assigned": 10, "continuity": 8, "protected": 600, "separation": 0, "disruption": 0}
    after = {"assigned": 11, "continuity": 7, "protected": 570, "separation": 1, "disruption": 2}
    assert move_offers.term_changes(before, after) == [
        "places it", "fewer appointments with clients' named advisors", "costs 30 minutes of protected time",
        "puts a policing appointment with the client's supporting advisor",
        "changes 2 published appointments (tell the clients)"]
    assert move_offers.change_words(-40, before, {**before, "protected": 570}) == (
        "worse than where it is now: costs 30 minutes of protected time")
    assert move_offers.plain_reason("keeps the advisor's protected time (blocks re-seated)",
                                    type("A", (), {"name": "Asha Khan"})()) == "keeps Asha Khan's protected time (moved to fit)"
