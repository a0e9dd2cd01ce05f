"""A re-plan keeps the service's minimum notice, and says which promised times an absence broke.

The fault (a new user's walkthrough): with Femi off sick on Thursday, a region re-plan run at 02:00 on Wednesday
with the same-advisor (continuity) weight raised to 300 moved promised times the absence did not touch: one client
from Thursday to that Wednesday's 09:00, seven hours' notice, and Wednesday's times with advisors who were working.
The list "Promised times that changed" did not say which changes the absence caused.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from caseload.extensions import db
from caseload.localtime import to_local, to_utc
from caseload.models import Absence, AppointmentRequest
from caseload.services.desk.policy import current_policy, save_policy
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.publish_summary import promised_changes
from scheduler import check_solution, solve
from tests.clock import DEMO_WEEK, at
from tests.web import access_matrix as m
from tests.web import desk_support as d

UTC = timezone.utc
WEDNESDAY_0200 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # London is on GMT
NOTICE = timedelta(hours=24)
THURSDAY = DEMO_WEEK + timedelta(days=3)


def _sick_on_thursday(published):
    """The advisor with the most published appointments on Thursday and some on Wednesday, off sick all Thursday."""
    tz = published.team.timezone
    counts = {}
    for item in published.items:
        if item.starts_at is not None:
            day = to_local(item.starts_at, tz).date()
            counts.setdefault(item.advisor_id, {}).setdefault(day, 0)
            counts[item.advisor_id][day] += 1
    advisor_id = max((a for a, days in counts.items() if days.get(THURSDAY - timedelta(days=1))),
                     key=lambda a: counts[a].get(THURSDAY, 0))
    db.session.add(Absence(advisor_id=advisor_id, reason="sick", starts_at=to_utc(THURSDAY, "00:00", tz),
                           ends_at=to_utc(THURSDAY + timedelta(days=1), "00:00", tz)))
    db.session.commit()
    db.session.expire_all()
    return advisor_id


def test_a_replan_at_2am_moves_no_promised_time_inside_the_notice_and_places_nothing_new_there(leader, north):
    team, week = north
    published = d.publish_week()
    save_policy(current_policy(), current_policy().late_cancel_hours, None, m.user("admin"), min_notice_hours=24)
    sick = _sick_on_thursday(published)
    inside = {i.request_id: (i.advisor_id, i.starts_at) for i in published.items
              if i.starts_at is not None and WEDNESDAY_0200 <= i.starts_at < WEDNESDAY_0200 + NOTICE}
    assert len(inside) >= 5 and all(aid != sick or s.date() < THURSDAY for aid, s in inside.values())
    with at(WEDNESDAY_0200):
        problem, maps = to_problem(team, week, weights={"continuity": 1000}, previous=published)
        docs = {int(a["id"][1:]): a for a in problem["appointments"]}
        for rid, (aid, starts_at) in inside.items():  # within the notice: pinned where it was promised
            assert docs[rid]["pinned"] == {"advisor": f"a{aid}", "start": f"{starts_at:%Y-%m-%dT%H:%M}"}
        for rid, doc in docs.items():  # nothing else may start before now + the notice (Thursday 02:00)
            if rid not in inside and "pinned" not in doc:
                assert min(w["start"] for w in doc["windows"]) >= "2026-12-03T02:00", doc
        solution = solve(problem, time_limit=8, workers=1, deterministic=True)
        rules = [v for v in check_solution(problem, solution).violations if not v.startswith(("score", "bound"))]
        assert rules == []
        draft = save_plan(team, week, problem, solution, skipped=maps.skipped)
        changes = promised_changes(draft, published)
        page = leader.get(f"/rota/plans/{draft.id}/publish").get_data(as_text=True).replace("&#39;", "'")
    for item in draft.items:
        if item.request_id in inside:
            assert (item.advisor_id, item.starts_at) == inside[item.request_id]
        elif item.starts_at is not None and item.starts_at >= WEDNESDAY_0200:
            assert item.starts_at >= WEDNESDAY_0200 + NOTICE
    assert all(c.old_start >= WEDNESDAY_0200 + NOTICE for c in changes)
    assert all(c.new_start is None or c.new_start >= WEDNESDAY_0200 + NOTICE for c in changes)
    # Thursday's times with the sick advisor are all listed, as broken by the absence, and first.
    broken = [c for c in changes if c.broken]
    thursday = sum(1 for i in published.items if i.advisor_id == sick and i.starts_at is not None
                   and to_local(i.starts_at, team.timezone).date() == THURSDAY)
    assert thursday and len(broken) == thursday
    name = broken[0].old_advisor.name
    assert all(c.broken == f"broken by {name}'s absence (sick) on Thu" for c in broken)
    assert changes[:len(broken)] == broken and all(c.why.endswith("to make room") for c in changes[len(broken):])
    counts = re.search(r'<p class="promised-counts">(.*?)</p>', page, re.S).group(1)
    assert f"<strong>{len(broken)}</strong> broken by an absence or a closure" in counts
    assert f"<strong>{len(changes) - len(broken)}</strong> moved to make room" in counts
    assert f"broken by {name}'s absence (sick) on Thu" in page


def test_a_promised_time_the_planner_moves_without_an_absence_says_it_was_moved_to_make_room(leader, north):
    team, week = north
    published = d.publish_week()
    sick = _sick_on_thursday(published)
    problem, maps = to_problem(team, week, previous=published)
    draft = save_plan(team, week, problem, solve(problem, time_limit=5, workers=1, deterministic=True),
                      skipped=maps.skipped)
    # A leader-independent change nothing broke: move one Wednesday appointment of another advisor an hour later.
    moved = next(i for i in draft.items if i.advisor_id not in (None, sick) and i.starts_at is not None
                 and to_local(i.starts_at, team.timezone).date() == THURSDAY - timedelta(days=1))
    was = moved.starts_at
    moved.starts_at, moved.ends_at = was + timedelta(days=1), moved.ends_at + timedelta(days=1)
    db.session.commit()
    changes = promised_changes(draft, published)
    mine = next(c for c in changes if c.old_start == was and c.client.id == moved.request.client_id)
    assert mine.broken is None and mine.why == "moved to make room"
    assert changes.index(mine) > max((changes.index(c) for c in changes if c.broken), default=-1)
    assert any(c.broken for c in changes)
    page = leader.get(f"/rota/plans/{draft.id}").get_data(as_text=True)
    row = re.search(rf"<tr><td>[^<]*\({mine.client.reference}\)</td>.*?</tr>", page, re.S).group(0)
    assert "<td>moved to make room</td>" in row


def _pin_on_wednesday(problem):
    """(appointment doc, advisor id, local start text): a support appointment pinned, with its client's named
    advisor, at a Wednesday time inside both its windows and that advisor's working time."""
    named = {c["id"]: c.get("named_advisor") for c in problem["clients"]}
    advisors = {a["id"]: a for a in problem["advisors"]}
    for p in problem["appointments"]:
        v = named.get(p["client"])
        if p["kind"] != "support" or "pinned" in p or v not in advisors:
            continue
        for w in p["windows"]:
            for av in advisors[v]["availability"]:
                start = max(w["start"], av["start"], "2026-12-02T10:00")
                end = min(w["end"], av["end"], "2026-12-02T17:00")
                at_ = datetime.strptime(start, "%Y-%m-%dT%H:%M")
                if start[:10] == "2026-12-02" and at_.minute % 15 == 0 \
                        and (at_ + timedelta(minutes=p["duration_minutes"])).strftime("%Y-%m-%dT%H:%M") <= end:
                    return p, int(v[1:]), start
    raise AssertionError("no Wednesday time to pin")


def test_a_pin_inside_the_notice_on_a_week_never_published_stays_pinned(leader, north):
    """A leader's pin (or a desk booking's, made with a notice override) inside the minimum notice of a week with no
    published plan: accepted when saved, so a plan keeps it where it is, not dropped as outside the windows (the
    windows of everything else start at the notice)."""
    team, week = north
    with at(WEDNESDAY_0200):
        free, advisor_id, start = _pin_on_wednesday(to_problem(team, week)[0])
        request = db.session.get(AppointmentRequest, int(free["id"][1:]))
        request.pinned_advisor_id = advisor_id
        request.pinned_start = to_utc(THURSDAY - timedelta(days=1), start[11:], team.timezone)
        db.session.commit()
        save_policy(current_policy(), current_policy().late_cancel_hours, None, m.user("admin"), min_notice_hours=24)
        problem, maps = to_problem(team, week)
    doc = next(p for p in problem["appointments"] if p["id"] == free["id"])
    assert doc.get("pinned") == {"advisor": f"a{advisor_id}", "start": start}, maps.warnings
