"""Building the scheduler's problem from the database: ids, local times, absences, windows, DST."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from caseload.services.demo import REQUESTS_PER_TEAM
from caseload.extensions import db
from caseload.localtime import this_week_start, to_utc
from caseload.models import (
    Absence, Advisor, AppointmentRequest, AppointmentType, Client, Contact, RequestWindow, Skill, Team,
)
from caseload.services.planning.problem import db_id
from caseload.services.planning.boundary import to_problem

UTC = timezone.utc
BEFORE_THE_WEEK = datetime(2026, 10, 1, tzinfo=UTC)  # these weeks are past: build them as planned ahead


def _north():
    return db.session.scalar(select(Team).where(Team.name == "north"))


def _assert_consistent(problem):
    """Every reference names something in the document; every time is on the grid inside the horizon."""
    advisors = {a["id"] for a in problem["advisors"]}
    clients = {c["id"] for c in problem["clients"]}
    start = datetime.fromisoformat(problem["horizon"]["start"])
    end = start + timedelta(days=problem["horizon"]["days"])
    slot = problem["horizon"]["slot_minutes"]

    def on_grid(text):
        moment = datetime.fromisoformat(text)
        assert start <= moment <= end, text
        assert (moment.hour * 60 + moment.minute) % slot == 0, text

    for a in problem["advisors"]:
        for span in a["availability"]:
            on_grid(span["start"]), on_grid(span["end"])
            assert span["start"] < span["end"]
    for c in problem["clients"]:
        assert c["named_advisor"] is None or c["named_advisor"] in advisors
        assert all(h["advisor"] in advisors for h in c["history"])
    for p in problem["appointments"]:
        assert p["client"] in clients and p["windows"]
        assert p["duration_minutes"] % slot == 0
        for span in p["windows"]:
            on_grid(span["start"]), on_grid(span["end"])


def test_demo_week_problem_parses_and_is_consistent(demo_app):
    import scheduler

    team = _north()
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    scheduler.parse_problem(problem)
    _assert_consistent(problem)
    requests = db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.team_id == team.id)).all()
    assert len(problem["appointments"]) == len(requests) == REQUESTS_PER_TEAM
    assert {db_id(p["id"]) for p in problem["appointments"]} == {r.id for r in requests}
    assert len(problem["advisors"]) == 12
    # Caseload is the number of clients naming the advisor.
    first = db.session.get(Advisor, maps.advisors[problem["advisors"][0]["id"]])
    named = db.session.scalars(select(Client).where(Client.named_advisor_id == first.id)).all()
    assert problem["advisors"][0]["caseload"] == len(named)
    assert problem["weights"]["assigned"] == 10000


def test_absences_cut_availability_whole_and_part_days(demo_app):
    team = _north()
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    by_id = {a["id"]: a for a in problem["advisors"]}
    # The demo puts a whole-day absence on Wednesday for the third advisor and a Thursday afternoon for the seventh.
    whole = db.session.scalars(select(Absence).where(Absence.reason == "annual leave")).first()
    part = db.session.scalars(select(Absence).where(Absence.reason == "training")).first()
    wednesday = (week + timedelta(days=2)).isoformat()
    thursday = (week + timedelta(days=3)).isoformat()
    whole_spans = by_id[f"a{whole.advisor_id}"]["availability"]
    assert not any(s["start"].startswith(wednesday) for s in whole_spans)
    part_thursday = [s for s in by_id[f"a{part.advisor_id}"]["availability"] if s["start"].startswith(thursday)]
    assert part_thursday and max(s["end"] for s in part_thursday) == f"{thursday}T12:30"


def _one_advisor_team(tz="Europe/London"):
    skill = Skill(code="debt", name="Debt")
    team = Team(name="dst", timezone=tz)
    advisor = Advisor(team=team, name="Ann", work_pattern={d: [["09:00", "17:00"]] for d in
                                                            ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                      skills=[skill], max_appointments_per_day=5)
    client = Client(team=team, reference="D1", name="Dee", named_advisor=advisor, need=skill, complexity=2)
    kind = AppointmentType(code="follow-up", name="Follow-up", kind="support", default_minutes=30)
    db.session.add_all([team, advisor, client, kind])
    db.session.flush()
    return team, advisor, client, kind


def test_week_crossing_the_october_clock_change_converts_utc_and_local(app):
    # UK clocks went back at 01:00 UTC on Sunday 2026-10-25 (BST, UTC+1 -> GMT, UTC+0).
    team, advisor, client, kind = _one_advisor_team()
    week = date(2026, 10, 19)
    # Absent Saturday 10:00-12:00 UTC (11:00-13:00 BST) and Sunday 10:00-12:00 UTC (10:00-12:00 GMT).
    db.session.add(Absence(advisor=advisor, starts_at=datetime(2026, 10, 24, 10, tzinfo=UTC),
                           ends_at=datetime(2026, 10, 24, 12, tzinfo=UTC)))
    db.session.add(Absence(advisor=advisor, starts_at=datetime(2026, 10, 25, 10, tzinfo=UTC),
                           ends_at=datetime(2026, 10, 25, 12, tzinfo=UTC)))
    request = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30,
                                 pinned_advisor=advisor, pinned_start=datetime(2026, 10, 25, 14, tzinfo=UTC))
    # Window Sunday 09:00-17:00 local, stored in UTC: GMT that day, so 09:00-17:00 UTC.
    request.windows.append(RequestWindow(starts_at=datetime(2026, 10, 25, 9, tzinfo=UTC),
                                         ends_at=datetime(2026, 10, 25, 17, tzinfo=UTC)))
    db.session.add(request)
    db.session.add(Contact(client=client, advisor=advisor, occurred_at=datetime(2026, 10, 12, 23, 30, tzinfo=UTC)))
    db.session.commit()

    problem, _ = to_problem(team, week, days=7, now=BEFORE_THE_WEEK)
    spans = [(s["start"], s["end"]) for s in problem["advisors"][0]["availability"]]
    assert ("2026-10-24T09:00", "2026-10-24T11:00") in spans and ("2026-10-24T13:00", "2026-10-24T17:00") in spans
    assert ("2026-10-25T09:00", "2026-10-25T10:00") in spans and ("2026-10-25T12:00", "2026-10-25T17:00") in spans
    appointment = problem["appointments"][0]
    assert appointment["windows"] == [{"start": "2026-10-25T09:00", "end": "2026-10-25T17:00"}]
    assert appointment["pinned"]["start"] == "2026-10-25T14:00"
    # 23:30 UTC on 12 October was 00:30 BST on the 13th.
    assert problem["clients"][0]["history"] == [{"advisor": f"a{advisor.id}", "date": "2026-10-13"}]
    # The round trip: 09:00 local is 08:00 UTC in BST and 09:00 UTC in GMT.
    assert to_utc(date(2026, 10, 23), "09:00", team.timezone).hour == 8
    assert to_utc(date(2026, 10, 26), "09:00", team.timezone).hour == 9


def test_windows_are_clipped_to_the_horizon_and_requests_outside_it_are_skipped(app):
    team, advisor, client, kind = _one_advisor_team()
    week = date(2026, 11, 23)
    inside = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30)
    inside.windows.append(RequestWindow(starts_at=to_utc(date(2026, 11, 20), "09:00", team.timezone),
                                        ends_at=to_utc(date(2026, 11, 23), "10:07", team.timezone)))
    outside = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30)
    outside.windows.append(RequestWindow(starts_at=to_utc(date(2026, 11, 28), "09:00", team.timezone),
                                         ends_at=to_utc(date(2026, 11, 28), "17:00", team.timezone)))
    db.session.add_all([inside, outside])
    db.session.commit()
    problem, maps = to_problem(team, week, now=BEFORE_THE_WEEK)
    assert [p["id"] for p in problem["appointments"]] == [f"r{inside.id}"]
    assert problem["appointments"][0]["windows"] == [{"start": "2026-11-23T00:00", "end": "2026-11-23T10:00"}]
    assert outside.id in maps.skipped


def test_a_pin_inside_an_absence_is_dropped_with_a_warning(app):
    team, advisor, client, kind = _one_advisor_team()
    week = date(2026, 11, 23)
    kept = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30,
                              pinned_advisor=advisor, pinned_start=to_utc(week, "10:00", team.timezone))
    dropped = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30,
                                 pinned_advisor=advisor, pinned_start=to_utc(week + timedelta(days=1), "10:00", team.timezone))
    db.session.add_all([kept, dropped])
    db.session.add(Absence(advisor=advisor, starts_at=to_utc(week + timedelta(days=1), "00:00", team.timezone),
                           ends_at=to_utc(week + timedelta(days=2), "00:00", team.timezone)))
    db.session.commit()
    problem, maps = to_problem(team, week, now=BEFORE_THE_WEEK)
    pins = {p["id"]: p.get("pinned") for p in problem["appointments"]}
    assert pins[f"r{kept.id}"] == {"advisor": f"a{advisor.id}", "start": "2026-11-23T10:00"}
    assert pins[f"r{dropped.id}"] is None
    # In plain words: which client, which time and advisor, why (not "pin … ignored: outside …").
    assert maps.warnings == [f"Client {client.reference}'s time, Tue 24 Nov 2026 10:00 with {advisor.name}, could not "
                             f"be kept: {advisor.name} is not working then (an absence, or their working time changed "
                             "after it was given). It was planned again: tell the client the new time"]


def test_a_plan_on_the_day_the_clocks_change_is_stored_in_the_right_utc(app):
    from caseload.services.planning.boundary import save_plan

    team, advisor, client, kind = _one_advisor_team()
    week = date(2026, 10, 19)
    saturday, sunday = (AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30)
                        for _ in range(2))
    db.session.add_all([saturday, sunday])
    db.session.commit()
    problem, maps = to_problem(team, week, days=7, now=BEFORE_THE_WEEK)
    a = f"a{advisor.id}"
    solution = {"format": "caseload-solution/1", "status": "feasible", "allocations": [], "unassigned": [],
                "assignments": [{"appointment": f"r{saturday.id}", "advisor": a, "start": "2026-10-24T14:00"},
                                {"appointment": f"r{sunday.id}", "advisor": a, "start": "2026-10-25T14:00"}],
                "protected": [{"advisor": a, "start": "2026-10-25T09:00", "end": "2026-10-25T10:00"}],
                "score": 1, "bound": 1, "figures": {"fill": 1.0}}
    plan = save_plan(team, week, problem, solution)
    starts = {i.request_id: i.starts_at for i in plan.items}
    assert starts[saturday.id] == datetime(2026, 10, 24, 13, tzinfo=UTC)  # 14:00 BST
    assert starts[sunday.id] == datetime(2026, 10, 25, 14, tzinfo=UTC)  # 14:00 GMT
    assert plan.protected_blocks[0].starts_at == datetime(2026, 10, 25, 9, tzinfo=UTC)
    assert all(i.ends_at - i.starts_at == timedelta(minutes=30) for i in plan.items)


def test_weights_come_from_the_active_profile_and_can_be_overridden(demo_app):
    from caseload.models import WeightProfile

    profile = db.session.scalar(select(WeightProfile).where(WeightProfile.is_active.is_(True)))
    profile.continuity = 321
    db.session.commit()
    team = _north()
    week = this_week_start(team.timezone)
    assert to_problem(team, week)[0]["weights"]["continuity"] == 321
    weights = to_problem(team, week, weights={"separation": 7})[0]["weights"]
    assert (weights["continuity"], weights["separation"], weights["assigned"]) == (321, 7, 10000)


def test_an_advisors_preferred_protected_time_reaches_the_plan(demo_app):
    """Preferences travel in the problem (extra field) and the planner seats protected time there."""
    from scheduler.check import check_solution
    from scheduler.solver import solve_in_process

    team = db.session.scalar(select(Team).where(Team.name == "north"))
    week = this_week_start(team.timezone)
    advisor = next(a for a in team.advisors if a.does_support and (a.work_pattern or {}).get("tue")
                   and a.protected_minutes)
    advisor.protected_preferences = [{"day": "tue", "start": "13:30", "end": "15:30"}]
    db.session.commit()
    problem, maps = to_problem(team, week)
    doc = next(a for a in problem["advisors"] if a["id"] == f"a{advisor.id}")
    tuesday = (week + timedelta(days=1)).isoformat()
    assert doc["protected_preferences"] == [{"start": f"{tuesday}T13:30", "end": f"{tuesday}T15:30"}]
    solution = solve_in_process(problem, time_limit=3, workers=1, deterministic=True)
    assert check_solution(problem, solution).ok
    blocks = [b for b in solution["protected"] if b["advisor"] == doc["id"]]
    # Protected time is seated inside the preferred hours, as much of them as appointments leave free: a
    # preference is not a rule, so the planner may book appointments there when it has to.
    window = (datetime.fromisoformat(f"{tuesday}T13:30"), datetime.fromisoformat(f"{tuesday}T15:30"))
    minutes = {a["id"]: a["duration_minutes"] for a in problem["appointments"]}
    booked = [(datetime.fromisoformat(a["start"]), minutes[a["appointment"]]) for a in solution["assignments"]
              if a["advisor"] == doc["id"]]
    free = _longest_free_minutes(window, [(s, s + timedelta(minutes=m)) for s, m in booked])
    tuesday_blocks = [b for b in blocks if b["start"].startswith(tuesday)]
    assert free >= problem["horizon"]["protected_block_minutes"] or not any(
        f"{tuesday}T13:30" <= b["start"] < f"{tuesday}T15:30" for b in tuesday_blocks)
    if free >= problem["horizon"]["protected_block_minutes"]:
        assert any(f"{tuesday}T13:30" <= b["start"] and b["end"] <= f"{tuesday}T15:30" for b in tuesday_blocks), blocks


def _longest_free_minutes(window, busy) -> int:
    """The longest stretch of `window` (start, end) not covered by any (start, end) in `busy`, in minutes."""
    edges, longest, at = sorted(b for b in busy if b[0] < window[1] and window[0] < b[1]), 0, window[0]
    for start, end in edges + [(window[1], window[1])]:
        longest = max(longest, (min(start, window[1]) - at).total_seconds() // 60)
        at = max(at, end)
    return int(longest)
