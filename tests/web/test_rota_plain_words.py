"""The plan's quality in words, the solver detail behind a toggle, and a bound that never jumps back up."""
from __future__ import annotations

import html
import re

from caseload.services.planning.job_watch import JobWatch
from caseload.services.planning.plan_words import continuity_words, quality_words, status_words, tighter_bound
from tests.web.test_rota_team_view import _empty_draft


def test_quality_in_words_rounds_the_gap_up_and_says_when_nothing_is_proven():
    better = "Good plan found in the time: a better plan could be at most {} % better."
    assert quality_words(99_950, 100_000) == better.format("0.1")
    assert quality_words(99_000, 100_000) == better.format("1.0")
    assert quality_words(99_899, 100_000) == better.format("0.2")  # 0.101 %: never flatters
    assert quality_words(100, 100) == quality_words(5, None, "optimal") == "Best plan found; no better plan exists."
    assert "is not known" in quality_words(100, None, "feasible")
    assert status_words("optimal") == "Best plan found; no better plan exists"
    assert status_words("feasible") == "Good plan found in the time"
    assert continuity_words({"continuity": 0.957}) == "96 % of appointments with the client's named advisor."
    assert continuity_words({}) is None


def test_the_progress_bound_is_the_best_proven_so_far():
    watch = JobWatch(engine=None, job_id=1, token="t", time_limit=10)
    watch({"elapsed": 1, "score": 10, "bound": 900})
    watch({"elapsed": 2, "score": 20, "bound": 1000})  # a looser bound reported later
    assert watch.latest["bound"] == 900
    watch({"elapsed": 3, "score": 30, "bound": None})  # none reported
    assert watch.latest["bound"] == 900
    watch({"elapsed": 4, "score": 40, "bound": 800})
    assert watch.latest["bound"] == 800
    assert tighter_bound(None, None) is None and tighter_bound(5, None, 7) == 5


def test_the_review_page_says_the_quality_in_words_and_hides_the_score_in_details(leader, north):
    from caseload.extensions import db

    team, week = north
    plan = _empty_draft(team, week)
    plan.score, plan.bound, plan.solver_status = 19_990, 20_000, "feasible"
    plan.figures = {"continuity": 0.96, "fill": 0.5}
    db.session.commit()
    page = leader.get(f"/rota/plans/{plan.id}").data.decode()
    quality = html.unescape(re.search(r'<p class="plan-quality">(.*?)</p>', page, re.S).group(1))
    assert "a better plan could be at most 0.1 % better." in quality
    assert "96 % of appointments with the client's named advisor." in quality
    assert "19990" not in quality
    detail = re.search(r'<details class="solver-detail">(.*?)</details>', page, re.S).group(1)
    assert "score 19990" in detail and "proven bound 20000" in detail
    assert "Good plan found in the time" in detail and "Solver detail" not in page

    plan.bound = None
    db.session.commit()
    page = leader.get(f"/rota/plans/{plan.id}").data.decode()
    assert "not known" in re.search(r'<p class="plan-quality">(.*?)</p>', page, re.S).group(1)
    assert "no proven bound" in page and "bound None" not in page


def test_the_time_limit_is_under_advanced_and_opens_with_a_refused_value(leader, north):
    team, week = north
    page = leader.get(f"/rota/t/{team.id}/{week}/").get_data(as_text=True)
    advanced = re.search(r'<details class="plan-advanced"( open)?>(.*?)</details>', page, re.S)
    assert advanced and advanced.group(1) is None and 'id="time_limit"' in advanced.group(2)
    assert "<summary>Advanced</summary>" in advanced.group(2)
    refused = leader.post(f"/rota/t/{team.id}/{week}/plan", data={"time_limit": "fast"}).get_data(as_text=True)
    assert '<details class="plan-advanced" open>' in refused  # the refused value and its reason show
