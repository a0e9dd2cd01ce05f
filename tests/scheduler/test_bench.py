"""The honest bench's arithmetic (closed share, gap, median and worst, targets, continuity by
complexity) on hand-made numbers and tiny weeks, and a tiny run that keeps the other sections."""
from __future__ import annotations

import json
import math

import pytest

from scheduler.bench import run_bench, sample, sample_text
from scheduler.bench_figures import closed_share, continuity_by_complexity, gap_of, summarise, targets
from scheduler.bench_offers import KEEP_MARKER, MARKER
from scheduler.parse import parse_problem


def test_closed_share():
    assert closed_share(planner=105, desk=100, bound=110) == pytest.approx(0.5)
    assert closed_share(planner=110, desk=100, bound=110) == 1.0
    assert closed_share(planner=95, desk=100, bound=110) == pytest.approx(-0.5)  # below the desk
    assert closed_share(planner=100, desk=100, bound=100) == 1.0  # the desk is at the bound and so is the planner
    assert closed_share(planner=99, desk=100, bound=100) == -math.inf  # lost where nothing could be gained
    assert closed_share(planner=100, desk=100, bound=None) is None


def test_gap():
    assert gap_of(99, 100) == pytest.approx(0.01)
    assert gap_of(0, 0) == 0.0 and gap_of(5, None) is None


def _week(advisors, score, desk, bound, c1=0.8, c3=0.9, valid=True, memory=300.0):
    return {"advisors": advisors, "best_desk": desk, "bound": bound, "closed": closed_share(score, desk, bound),
            "gap": gap_of(score, bound), "ratio": {"named-first": score / desk},
            "planner": {"valid": valid, "score": score, "memory": memory, "by_complexity": {1: c1, 2: None, 3: c3}}}


def test_median_and_worst_not_the_mean():
    weeks = [_week(30, 110, 100, 110), _week(30, 109, 100, 110), _week(30, 101, 100, 110),
             _week(30, 95, 100, 110, c3=0.5, memory=1600.0)]
    s = summarise(weeks)
    assert s["closed_median"] == pytest.approx(0.5)  # of 1.0, 0.9, 0.1, -0.5 (the mean would be 0.375)
    assert s["closed_worst"] == pytest.approx(-0.5)
    assert s["gap_worst"] == pytest.approx(15 / 110) and s["gap_median"] == pytest.approx((1 / 110 + 9 / 110) / 2)
    assert (s["valid"], s["at_least_desk"], s["c3_at_least_c1"], s["c3_weeks"]) == (4, 3, 3, 4)
    assert s["memory_max"] == 1600.0 and s["ratio_named_worst"] == pytest.approx(0.95)
    t = targets(s)
    assert t["valid"][0] is True
    assert t["score ≥ best desk"] == (False, "3/4")
    assert t["closed median ≥ 90 %"][0] is False and t["closed worst ≥ 75 %"][0] is False
    assert t["gap ≤ 0.5 % (≤ 30 advisors) / 1 %"] == (False, "1/4 weeks, worst 13.6 %")
    assert t["continuity c3 ≥ c1"] == (False, "3/4 weeks")
    assert t["peak memory < 1.5 GB"][0] is False


def test_targets_met_and_the_gap_limit_by_size():
    weeks = [_week(120, 1000, 990, 1002), _week(120, 1000, 999, 1000), _week(120, 995, 950, 1000)]
    t = targets(summarise(weeks))
    assert all(met for met, _ in t.values()), t  # gaps 0.2 %, 0 %, 0.5 %: within 1 % at 120 advisors
    assert summarise([_week(30, 995, 950, 1000)])["gap_ok"] == 1
    assert summarise([_week(30, 994, 950, 1000)])["gap_ok"] == 0  # 0.6 % > 0.5 % at 30 advisors
    assert summarise([_week(60, 994, 950, 1000)])["gap_ok"] == 1  # but within 1 % at 60
    # one week where the desk was at the bound and the planner fell below it is the worst week
    s = summarise(weeks + [_week(120, 999, 1000, 1000)])
    assert s["closed_worst"] == -math.inf and targets(s)["closed worst ≥ 75 %"] == (False, "−∞")
    assert targets(s)["score ≥ best desk"] == (False, "3/4")


def test_an_invalid_plan_fails_valid():
    t = targets(summarise([_week(10, 101, 100, 101, valid=False)]))
    assert t["valid"] == (False, "0/1")


def test_continuity_by_complexity(problem_doc):
    problem = parse_problem(problem_doc)
    # c1 (complexity 2, named a1) has p1 and p4 (pinned to a1); c3 is new (complexity 1), allocated to a1
    solution = {"assignments": [{"appointment": "p1", "advisor": "a2", "start": "2026-11-23T09:00"},
                                {"appointment": "p4", "advisor": "a1", "start": "2026-11-24T10:00"},
                                {"appointment": "p3", "advisor": "a1", "start": "2026-11-23T09:00"},
                                {"appointment": "p2", "advisor": "a3", "start": "2026-11-24T09:00"}],
                "allocations": [{"client": "c3", "advisor": "a1"}]}
    by = continuity_by_complexity(problem, solution)
    assert by == {1: 1.0, 2: 0.5, 3: None}  # policing (p2) never counts
    by = continuity_by_complexity(problem, {**solution, "allocations": []})
    assert by[1] is None  # a new client not allocated has no named advisor


def test_the_sample_is_fixed():
    specs = sample([10, 30], 3)
    assert [s["family"] for s in specs[:8]] == ["uhhc"] * 8  # first, so a run cut short still has them
    assert [(s["advisors"], s["seed"]) for s in specs[8:]] == [(10, 1), (30, 1), (10, 2), (30, 2), (10, 3), (30, 3)]
    assert sample([10, 30], 3) == specs


@pytest.mark.slow
def test_a_tiny_run_writes_the_planner_sections_and_keeps_the_others(tmp_path):
    md, js = tmp_path / "B.md", tmp_path / "B.json"
    md.write_text(f"# old planner\n\n## Re-plan after an absence\n\nold replan table\n\n{MARKER}\n\n## Offer latency\n\n"
                  f"offers table\n\n{KEEP_MARKER}\n\n## Region\n\nregion table\n")
    js.write_text(json.dumps({"planner": [], "offers": {"kept": True}}))
    weeks = run_bench(time_limit=2, workers=1, sizes=(2,), weeks=2, outside=False, out=str(md),
                      mip_max_appointments=0, log=lambda m: None)
    assert len(weeks) == 2 and all(w["planner"]["valid"] for w in weeks)
    text = md.read_text()
    assert "old planner" not in text and "## Targets (issue 16)" in text and "| 2 advisors |" in text
    assert "varied 2 s1" in text and "varied 2 s2" in text
    assert "old replan table" in text and "carried over" in text  # not re-measured: labelled, kept
    assert text.count(MARKER) == 1 and "offers table" in text
    assert text.endswith(f"{KEEP_MARKER}\n\n## Region\n\nregion table\n")
    data = json.loads(js.read_text())
    assert data["offers"] == {"kept": True} and len(data["planner"]) == 2
    assert data["planner_summary"]["2 advisors"]["weeks"] == 2
    assert data["planner"][0]["generator"]["parameters"]["load"] >= 0.6
    for week in weeks:  # the bound is the week's: the bound peer's LP bound joins the planner's, lowest wins
        assert week["bound_peer"]["bound"] is not None and week["bounds"]["lp"] == week["bound_peer"]["bound"]
        assert week["bound"] == min(week["bounds"].values()) >= week["planner"]["score"]
        assert week["bound_from"] in text and not week["bound_broken"]
    assert "| bound | from |" in text and "the bound peer's (`lp`" in text


def test_sample_text_says_what_a_stopped_run_covers():
    """The bench writes its files after every week: a run stopped early must not claim the whole sample."""
    def week(advisors):
        return {"family": "varied", "advisors": advisors}
    outside = {"family": "uhhc", "advisors": 3}
    done = [outside, outside, week(10), week(30), week(10), week(30)]
    assert sample_text(done, (10, 30), planned=6) == "2 varied weeks at each of 10, 30 advisors and the 2 outside days"
    text = sample_text(done[:5], (10, 30), planned=6)
    assert text.startswith("varied weeks: 2 at 10 advisors, 1 at 30 advisors and the 2 outside days")
    assert "stopped after 5 of the 6 planned weeks" in text
