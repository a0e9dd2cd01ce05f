"""Reports with small samples (walkthrough E): "100 % continuity" came from one visit and "50 % DNA" from two.
Each rate shows n (the cases behind it) in the page's table and the chart's data; a rate from fewer than
MIN_SAMPLE (5) is held back: "too few to say (n = 2)" in the table, no point in the chart. The CSV keeps every
rate with its count."""
from __future__ import annotations

import html
import re

from caseload.services import reports
from tests.web.test_admin_reports import _csv, _publish_north, _record


def _week_label(week) -> str:
    return f"w/c {week:%d %b %Y}"


def test_a_rate_from_few_cases_is_held_back_and_every_rate_shows_its_n(demo_client, demo_auth):
    plan, _left, week = _publish_north(with_named=5, policing_with_named=2)
    _record(plan, "support", ("attended", "attended", "dna"))  # continuity from 2 visits, DNA from 3 recorded
    demo_auth.login("admin")
    chart = demo_client.get("/admin/reports/continuity-team.json").get_json()
    north = next(d for d in chart["datasets"] if d["label"] == "north")
    at = chart["labels"].index(_week_label(week))
    assert north["n"][at] == 2 and north["data"][at] is None  # held back, not "100 %"
    dna = next(d for d in demo_client.get("/admin/reports/dna.json").get_json()["datasets"] if d["label"] == "north")
    assert dna["n"][at] == 3 and dna["data"][at] is None
    page = html.unescape(demo_client.get("/admin/reports").get_data(as_text=True))
    table = page[page.index('id="continuity-team-table"'):page.index('id="continuity-advisor"')]
    row = re.search(rf"<th scope=\"row\">{_week_label(week)}</th>(.*?)</tr>", table, re.S).group(1)
    assert "too few to say (n = 2)" in row and "100.0%" not in row
    # The demo's history weeks have enough visits: their rates are shown, each with its n.
    shown = re.findall(r"\d+\.\d% \(n = (\d+)\)", table)
    assert shown and all(int(n) >= reports.MIN_SAMPLE for n in shown)
    # The CSV keeps the rate with its count.
    rows = [r for r in _csv(demo_client, "continuity-team") if r["week"] == week.isoformat() and r["team"] == "north"]
    assert rows == [{"week": week.isoformat(), "team": "north", "visits": "2", "kept": "2", "share": "1.0"}]
