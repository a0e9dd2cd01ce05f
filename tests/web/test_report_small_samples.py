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


def test_the_separation_report_says_why_its_weeks_are_held_back_and_pools_them(client, auth):
    """The demo (with its past) books three compliance reviews a week: every weekly separation rate is held back.
    The page said "Nothing to show yet"; it now says why, and gives the weeks together (4 weeks × 3 = 12 reviews)."""
    from caseload.services.demo import seed_demo

    seed_demo("demo", clients_per_team=30, requests_per_team=10, past=True)
    auth.login("admin")
    demo_client = client
    chart = demo_client.get("/admin/reports/separation.json").get_json()
    assert all(v is None for d in chart["datasets"] for v in d["data"])  # every week held back …
    assert any(n for d in chart["datasets"] for n in d["n"])  # … though there were reviews
    page = html.unescape(demo_client.get("/admin/reports").get_data(as_text=True))
    section = page[page.index('id="separation"'):page.index('id="protected"')]
    assert (f"Held back: fewer than {reports.MIN_SAMPLE} policing visits (compliance reviews) a week, too few to say"
            in section and "Nothing to show yet" not in section)
    pooled = re.search(r'class="report-pooled">(.*?)</p>', section, re.S).group(1)
    figures = re.findall(r"(north|south) (\d+\.\d)% \(n = (\d+) policing", pooled)
    assert {name for name, _, _ in figures} == {"north", "south"}
    assert all(int(n) >= reports.MIN_SAMPLE for _, _, n in figures)
    # The continuity report, with enough visits a week, keeps its usual empty-chart wording for no data.
    continuity = page[page.index('id="continuity-team"'):page.index('id="continuity-advisor"')]
    assert "Held back" not in continuity
    # This week's n is its visits so far, not its published plan's appointments (the page claimed the latter).
    assert "counted from that plan" not in page and "the current week counts only the visits made so far" in page


def test_the_pooled_rate_adds_the_weeks_and_holds_back_a_small_total():
    report = reports._share_report("x", "x", [reports.date(2026, 1, 5), reports.date(2026, 1, 12)],
                                   {1: {reports.date(2026, 1, 5): (2, 3), reports.date(2026, 1, 12): (3, 3)},
                                    2: {reports.date(2026, 1, 5): (1, 2)}}, lambda k: f"t{k}", "team")
    assert report.held_back
    assert report.pooled_rates() == [("t1", round(5 / 6, 4), 6), ("t2", None, 2)]
