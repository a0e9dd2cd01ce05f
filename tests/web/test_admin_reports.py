"""Reports (JSON for the charts, CSV downloads) and the audit log viewer."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Team, User, utcnow
from caseload.services import audit
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.reports import CODE_LABELS

REPORTS = ["continuity-team", "continuity-advisor", "equity", "separation", "protected", "unassigned", "dna"]


def _publish_north(with_named: int, policing_with_named: int, reason=lambda appointment: "no advisor with the skill is free",
                   code=lambda appointment: None):
    """Publish north's week placing `with_named` support and `policing_with_named` policing appointments
    with the client's named advisor, the rest unassigned for a stated reason (and code, unless None:
    a solution stored before codes existed)."""
    team = db.session.scalar(select(Team).where(Team.name == "north"))
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    named = {c["id"]: c["named_advisor"] for c in problem["clients"]}
    support = [p for p in problem["appointments"] if p["kind"] == "support" and named[p["client"]]][:with_named]
    policing = [p for p in problem["appointments"] if p["kind"] == "policing" and named[p["client"]]][:policing_with_named]
    placed = [{"appointment": p["id"], "advisor": named[p["client"]], "start": p["windows"][0]["start"]}
              for p in support + policing]
    ids = {a["appointment"] for a in placed}
    solution = {"format": "caseload-solution/1", "status": "feasible", "assignments": placed,
                "unassigned": [{"appointment": p["id"], "reason": reason(p),
                                **({"code": code(p)} if code(p) else {})}
                               for p in problem["appointments"] if p["id"] not in ids],
                "allocations": [], "protected": [], "score": 1, "bound": 1,
                "figures": {"fill": 0.2, "continuity": 1.0, "separation": 0.0, "protected": 0.375, "gap": 0.0}}
    plan = save_plan(team, week, problem, solution, by=team.leader, skipped=maps.skipped)
    publish_plan(plan, team.leader, plan.version_id, expected_published=0)
    return plan, len(problem["appointments"]) - len(placed), week


def _csv(demo_client, name):
    response = demo_client.get(f"/admin/reports/{name}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _record(plan, kind: str, outcomes) -> None:
    """Mark the plan's first placed `kind` appointments with `outcomes` (as the leader, after they ended)."""
    from caseload.models import AppointmentRequest
    from caseload.services.desk import attendance

    placed = sorted((i for i in plan.items if i.advisor_id is not None and i.request.kind == kind), key=lambda i: i.id)
    leader = db.session.scalar(select(Team).where(Team.name == "north")).leader
    after = max(i.ends_at for i in placed) + timedelta(hours=1)
    for item, outcome in zip(placed, outcomes):
        attendance.mark(db.session.get(AppointmentRequest, item.request_id), outcome, leader, now=after)


def test_every_report_has_chart_json_and_csv(demo_client, demo_auth):
    plan, _left, _week = _publish_north(with_named=5, policing_with_named=2)
    _record(plan, "policing", ("attended", "dna"))  # the history holds support contacts only
    demo_auth.login("admin")
    for name in REPORTS:
        chart = demo_client.get(f"/admin/reports/{name}.json").get_json()
        assert chart["labels"] and chart["datasets"], name
        assert all(len(d["data"]) == len(chart["labels"]) for d in chart["datasets"]), name
        assert _csv(demo_client, name), name
    assert demo_client.get("/admin/reports/nonsense.csv").status_code == 404


def test_a_published_week_counts_only_its_attended_appointments_and_the_dna_rate(demo_client, demo_auth):
    plan, left, week = _publish_north(with_named=5, policing_with_named=2)
    demo_auth.login("admin")
    # The coming week's published plan is what was planned, not visits: no row for it.
    assert not [r for r in _csv(demo_client, "continuity-team") if r["week"] == week.isoformat() and r["team"] == "north"]
    assert not [r for r in _csv(demo_client, "separation") if r["week"] == week.isoformat() and r["team"] == "north"]
    _record(plan, "support", ("attended", "attended", "dna"))
    rows = [r for r in _csv(demo_client, "continuity-team") if r["week"] == week.isoformat() and r["team"] == "north"]
    assert rows == [{"week": week.isoformat(), "team": "north", "visits": "2", "kept": "2", "share": "1.0"}]
    dna = [r for r in _csv(demo_client, "dna") if r["week"] == week.isoformat() and r["team"] == "north"]
    assert dna == [{"week": week.isoformat(), "team": "north", "recorded": "3", "dna": "1", "rate": "0.3333"}]
    protected = [r for r in _csv(demo_client, "protected") if r["team"] == "north"]
    assert protected == [{"week": week.isoformat(), "team": "north", "protected_kept": "0.375"}]
    unplaced = _csv(demo_client, "unassigned")
    assert sum(int(r["appointments"]) for r in unplaced if r["reason"] == "no advisor with the skill is free") == left


def test_unplaced_reasons_read_in_local_words_and_count_by_kind(demo_client, demo_auth):
    # The solver's reasons carry each appointment's own windows as ISO times: stored, they read as a
    # person would say them; counted, one bar per kind of reason, not one per appointment.
    def reason(appointment):
        window = appointment["windows"][0]
        return f"no advisor with skill debt works inside its windows ({window['start']}–{window['end']})"

    plan, left, week = _publish_north(with_named=5, policing_with_named=0, reason=reason)
    stored = [i.unassigned_reason for i in plan.items if i.advisor_id is None and "windows" in (i.unassigned_reason or "")]
    assert len(stored) == left and len(set(stored)) > 1
    assert all("T0" not in r and "T1" not in r and re.search(r"\((Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d \w{3} ", r)
               for r in stored), stored[:3]
    demo_auth.login("admin")
    unplaced = [r for r in _csv(demo_client, "unassigned") if r["week"] == week.isoformat() and r["team"] == "north"]
    assert unplaced == [{"week": week.isoformat(), "team": "north", "code": "",
                         "reason": "no advisor with skill debt works inside its windows", "appointments": str(left)}]


def test_unplaced_report_groups_by_the_solutions_code(demo_client, demo_auth):
    # Two sentences that differ (each names its skill) but share a code count as one reason; a
    # different code is its own bar.
    def reason(appointment):
        return f"every advisor with skill {appointment['skill']} who works inside its windows is fully booked then"

    def code(appointment):
        return "advisors_full" if appointment["kind"] == "support" else "no_time"

    plan, left, week = _publish_north(with_named=5, policing_with_named=0, reason=reason, code=code)
    codes = {u["appointment"]: u["code"] for u in plan.solution["unassigned"]}
    assert len({u["reason"] for u in plan.solution["unassigned"] if u["code"] == "advisors_full"}) > 1
    demo_auth.login("admin")
    unplaced = [r for r in _csv(demo_client, "unassigned") if r["week"] == week.isoformat() and r["team"] == "north"]
    expected = sorted(((c, n) for c, n in Counter(codes.values()).items()), key=lambda row: CODE_LABELS[row[0]])
    assert [(r["code"], int(r["appointments"])) for r in sorted(unplaced, key=lambda r: r["reason"])] == expected
    assert {r["reason"] for r in unplaced} == {CODE_LABELS[c] for c in codes.values()}
    chart = demo_client.get("/admin/reports/unassigned.json").get_json()
    assert any(label.startswith(CODE_LABELS["advisors_full"]) for label in chart["labels"])


def test_history_weeks_count_contacts_and_equity_splits_by_complexity(demo_client, demo_auth):
    demo_auth.login("admin")
    rows = _csv(demo_client, "equity")
    assert {r["clients"] for r in rows} >= {"complexity 1 (straightforward)", "complexity 3 (complex needs)"}
    for r in rows:
        assert 0 <= int(r["kept"]) <= int(r["visits"]) and abs(float(r["share"]) - int(r["kept"]) / int(r["visits"])) < 1e-3
    # Totals over the team report equal the equity report: the same visits, grouped differently.
    team_rows = _csv(demo_client, "continuity-team")
    assert sum(int(r["visits"]) for r in rows) == sum(int(r["visits"]) for r in team_rows)


def test_advisor_report_can_be_limited_to_a_team(demo_client, demo_auth):
    demo_auth.login("admin")
    south = db.session.scalar(select(Team).where(Team.name == "south"))
    chart = demo_client.get(f"/admin/reports/continuity-advisor.json?team={south.id}").get_json()
    assert chart["datasets"] and all("(south)" in d["label"] for d in chart["datasets"])
    assert demo_client.get("/admin/reports/continuity-advisor.json?team=9999").status_code == 404


def test_audit_log_filters_and_pages(demo_client, demo_auth):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    for i in range(60):
        audit.record("test_event", user=admin, number=i)
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit?action=test_event").get_data(as_text=True)
    assert "60 events" in page and "page 1 of 2" in page and "number</strong>: 59" in page
    second = demo_client.get("/admin/audit?action=test_event&page=2").get_data(as_text=True)
    assert "number</strong>: 0" in second and "number</strong>: 59" not in second
    by_leader = demo_client.get("/admin/audit?user=leader&action=test_event").get_data(as_text=True)
    assert "0 events" in by_leader
    today = utcnow().date()
    future = demo_client.get(f"/admin/audit?since={(today + timedelta(days=1)).isoformat()}").get_data(as_text=True)
    assert "0 events" in future
    assert demo_client.get("/admin/audit?since=not-a-date").status_code == 400


def test_team_leaders_see_reports_for_their_own_team_only(demo_client, demo_auth):
    north = db.session.scalar(select(Team).where(Team.name == "north"))
    south = db.session.scalar(select(Team).where(Team.name == "south"))
    demo_auth.login("leader")  # leads north
    teams = {r["team"] for r in _csv(demo_client, "continuity-team")}
    assert teams == {"north"}
    chart = demo_client.get("/admin/reports/continuity-advisor.json").get_json()
    assert chart["datasets"] and all("(north)" in d["label"] for d in chart["datasets"])
    assert demo_client.get(f"/admin/reports/continuity-advisor.json?team={south.id}").status_code == 404
    assert demo_client.get(f"/admin/reports/separation.csv?team={south.id}").status_code == 404
    assert demo_client.get(f"/admin/reports/separation.csv?team={north.id}").status_code == 200
    demo_auth.logout()
    demo_auth.login("admin")
    assert {r["team"] for r in _csv(demo_client, "continuity-team")} == {"north", "south"}


def test_reports_page_loads_chart_js_from_static_with_a_canvas_per_report(demo_client, demo_auth):
    demo_auth.login("admin")
    page = demo_client.get("/admin/reports").get_data(as_text=True)
    assert page.count('class="report-chart"') == len(REPORTS)
    assert "<script>" not in page  # data comes from the JSON endpoints, never inline
    for name in REPORTS:
        assert f"/admin/reports/{name}.csv" in page
    for script in ("/static/vendor/chart.umd.min.js", "/static/reports.js"):
        assert script in page
        assert demo_client.get(script).status_code == 200


def test_the_protected_report_says_its_figures_are_the_published_plans_own(demo_client, demo_auth):
    """The figure is read from the plan as published (its targets then, cut for the time still ahead when it was
    re-planned mid-week), not recomputed: the page says so above the table."""
    plan, _left, week = _publish_north(with_named=1, policing_with_named=0)
    demo_auth.login("admin")
    assert _csv(demo_client, "protected")[0]["protected_kept"] == "0.375"
    page = demo_client.get("/admin/reports").get_data(as_text=True)
    section = re.search(r'<section class="card report" id="protected">(.*?)</section>', page, re.S).group(1)
    assert "the one its published plan was planned with" in section
    assert "re-planned after its week started was asked only for the protected time still ahead" in section
