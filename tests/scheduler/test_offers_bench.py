"""The offer sections of BENCHMARKS.md are regenerated alone, keeping the planner sections as they are."""
from __future__ import annotations

import json

from scheduler.baselines import named_first
from scheduler.bench_offers import KEEP_MARKER, MARKER, repeat_weeks, write_sections
from scheduler.booking import Desk, check_offers
from scheduler.generate import generate


def test_writing_the_offer_sections_keeps_the_planner_sections(tmp_path):
    md, js = tmp_path / "B.md", tmp_path / "B.json"
    md.write_text("# Benchmarks\n\nplanner table\n")
    js.write_text(json.dumps([{"profile": "advice"}]))
    write_sections(MARKER + "\n\n## Offer latency\n\nfirst\n", str(md), {"run": 1})
    write_sections(MARKER + "\n\n## Offer latency\n\nsecond\n", str(md), {"run": 2})
    text = md.read_text()
    assert text.startswith("# Benchmarks\n\nplanner table\n") and "second" in text and "first" not in text
    assert text.count(MARKER) == 1
    assert json.loads(js.read_text()) == {"planner": [{"profile": "advice"}], "offers": {"run": 2}}


def test_sections_after_the_keep_marker_survive_the_offer_bench(tmp_path):
    """The region section (measured by `flask region bench`) sits after KEEP_MARKER and is not overwritten."""
    md = tmp_path / "B.md"
    md.write_text(f"# Benchmarks\n\nplanner\n\n{MARKER}\n\nold offers\n\n{KEEP_MARKER}\n\n## Region\n\nregion table\n")
    write_sections(MARKER + "\n\n## Offer latency\n\nnew offers\n", str(md), {})
    text = md.read_text()
    assert "new offers" in text and "old offers" not in text and text.endswith(f"{KEEP_MARKER}\n\n## Region\n\nregion table\n")
    assert text.index("new offers") < text.index(KEEP_MARKER)


def test_a_week_repeated_over_eleven_weeks_answers_series_that_check():
    week = generate("advice", 3, seed=2)
    long_week, long_plan = repeat_weeks(week, named_first(week), 11)
    assert long_week["horizon"]["days"] == 75
    desk = Desk(long_week, long_plan)  # the repeated plan passes the checker
    client = week["clients"][0]
    request = {"id": "s", "client": client["id"], "kind": "support", "skill": client["need"], "duration_minutes": 60,
               "windows": [{"start": "2026-11-24T09:00", "end": "2026-11-25T17:00"}],
               "repeat": {"every_days": 14, "count": 6}}
    answer = desk.offers(request, 3)
    document = {"format": "caseload-offer-request/1", "problem": long_week, "plan": long_plan, "request": request,
                "count": 3}
    assert check_offers(document, answer) == []
    assert all(len(o["instances"]) == 6 for o in answer["offers"])
    if answer["offers"]:
        desk.book(request, answer["offers"][0])
        assert sum(r["appointment"].startswith("s/") for r in desk.plan_document()["assignments"]) == 6
