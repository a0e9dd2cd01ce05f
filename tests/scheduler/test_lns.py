"""Neighbourhood search: a re-solved part never collides with what stays outside it."""
from __future__ import annotations

import random
import time

from scheduler import baselines, lns
from scheduler.budget import Budget
from scheduler.check import check_solution
from scheduler.document import solution_document
from scheduler.generate_varied import generate_varied
from scheduler.model import Interval, Placement
from scheduler.parse import parse_problem

NIGHT = {
    "format": "caseload-problem/1",
    "horizon": {"start": "2026-11-23", "days": 2, "slot_minutes": 15},
    "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"], "protected_minutes": 60,
                  "availability": [{"start": "2026-11-23T22:00", "end": "2026-11-24T02:00"}]}],
    "clients": [{"id": "c1", "named_advisor": "a1", "need": "debt"},
                {"id": "c2", "named_advisor": "a1", "need": "debt"}],
    "appointments": [
        {"id": "p1", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 60,
         "windows": [{"start": "2026-11-23T23:30", "end": "2026-11-24T00:30"}]},
        {"id": "p2", "client": "c2", "kind": "support", "skill": "debt", "duration_minutes": 30,
         "windows": [{"start": "2026-11-24T00:00", "end": "2026-11-24T01:00"}]},
    ],
}


def _plan():
    problem = parse_problem(NIGHT)
    to_slot = problem.horizon.to_slot
    # p1 Monday 23:30-00:30, across midnight; p2 not booked yet; a1's hour of protected time 22:00-23:00.
    return problem, lns.Plan(problem, {"p1": Placement("a1", to_slot("2026-11-23T23:30"))}, {},
                             [("a1", to_slot("2026-11-23T22:00"), to_slot("2026-11-23T23:00"))])


def test_a_part_leaves_out_time_taken_by_what_started_the_day_before():
    problem, plan = _plan()
    sub, freed = lns.subproblem(plan, {"a1"}, {1})  # Tuesday only: p1 (Monday) stays
    assert freed == {"p2"}
    to_slot = problem.horizon.to_slot
    (a1,) = sub.advisors
    assert a1.availability == (Interval(to_slot("2026-11-24T00:30"), to_slot("2026-11-24T02:00")),)


def test_search_keeps_the_plan_valid_across_midnight():
    problem, plan = _plan()
    lns.improve(plan, Budget(time.perf_counter() + 20, units=0.5), workers=1, seed=0, size=1)
    doc = solution_document(problem, plan.assignments, plan.allocations, plan.protected, status="feasible",
                            reasons={})
    result = check_solution(problem, doc)
    assert result.ok, result.violations
    assert len(plan.assignments) >= 1  # never worse than the start: one appointment booked


def _crowded_day() -> dict:
    """One advisor, two days, far more requests than time: 12 on Tuesday (15-120 minutes) and 4 that
    can only be on Monday."""
    doc = {**NIGHT, "horizon": {"start": "2026-11-23", "days": 2, "slot_minutes": 15},
           "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"],
                         "availability": [{"start": "2026-11-23T09:00", "end": "2026-11-23T17:00"},
                                          {"start": "2026-11-24T09:00", "end": "2026-11-24T17:00"}]}]}
    doc["clients"] = [{"id": f"c{i}", "named_advisor": "a1", "need": "debt"} for i in range(16)]
    doc["appointments"] = [
        {"id": f"t{i:02d}", "client": f"c{i}", "kind": "support", "skill": "debt", "duration_minutes": 15 * (1 + i % 8),
         "windows": [{"start": "2026-11-24T09:00", "end": "2026-11-24T17:00"}]} for i in range(12)]
    doc["appointments"] += [
        {"id": f"m{i}", "client": f"c{12 + i}", "kind": "support", "skill": "debt", "duration_minutes": 15,
         "windows": [{"start": "2026-11-23T09:00", "end": "2026-11-23T17:00"}]} for i in range(4)]
    return doc


def test_a_part_takes_only_unbooked_appointments_that_fit_its_days():
    problem = parse_problem(_crowded_day())
    sub, freed = lns.subproblem(lns.Plan(problem, {}, {}, []), {"a1"}, {1})
    assert freed == {f"t{i:02d}" for i in range(12)}  # Monday's four cannot go on Tuesday


def test_a_part_takes_at_most_the_cap_of_unbooked_appointments_its_focus_first_then_the_shortest():
    """At 120 advisors and load 1.3 two advisors' day drew up to 900 unbooked appointments and no part
    finished; capped, the part is small and still aims at its focus."""
    problem = parse_problem(_crowded_day())
    plan = lns.Plan(problem, {}, {}, [])
    sub, freed = lns.subproblem(plan, {"a1"}, {1}, unbooked_cap=3, focus="t07")  # t07: the longest, 2 hours
    assert freed == {"t07", "t00", "t08"}  # the two others are the 15-minute ones
    assert {a.id for a in sub.appointments} == freed
    sub, freed = lns.subproblem(plan, {"a1"}, {1}, unbooked_cap=3, rng=random.Random(1))
    assert len(freed) == 3


def test_every_part_comes_back_at_least_as_good_as_the_plan_even_with_almost_no_time():
    # The part's hint covers every variable (placements, protected slots and the helpers that follow
    # from them), so CP-SAT takes the current plan as its first solution before it searches. With the
    # helpers unhinted it had to search its way back to the plan: on this week 10 of these 12 parts
    # returned nothing within 0.001 units, and at 120 advisors half the parts came back empty in 1 s.
    problem = parse_problem(generate_varied(30, seed=10))
    plan = lns.Plan(problem, *baselines.desk_plan(problem)[:3])
    rng = random.Random(1)
    stream = lns.neighbourhoods(problem, rng, 4, plan)
    day_of = problem.horizon.day_of
    parts = 0
    for _ in range(12):
        group, days, focus = next(stream)
        built = lns.subproblem(plan, group, days, lns.UNBOOKED_CAP, rng, focus)
        if built is None:
            continue
        sub, ids = built
        current = {a: pl for a, pl in plan.assignments.items() if a in ids}
        protected = [(v, s, e) for v, s, e in plan.protected if v in group and day_of(s) in days]
        result = lns.solve_part(sub, current, protected, 0.001, 0, Budget(time.perf_counter() + 60, 1.0))
        assert result is not None, f"part {sorted(group)} days {sorted(days)} came back empty"
        assert lns._sub_score(sub, *result) >= lns._sub_score(sub, current, protected)
        parts += 1
    assert parts >= 10


def test_the_count_of_parts_leaves_out_the_neighbourhoods_skipped():
    # Five days, work on the first only: most random neighbourhoods free nothing and are skipped
    # (no model, no charge); improve() counts only the parts it solved, each charged at least
    # PART_OVERHEAD of the deterministic budget.
    days = [f"2026-11-{23 + d}" for d in range(5)]
    doc = {**NIGHT, "horizon": {"start": days[0], "days": 5, "slot_minutes": 15},
           "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"],
                         "availability": [{"start": f"{d}T09:00", "end": f"{d}T17:00"} for d in days]}]}
    doc["appointments"] = [
        {"id": f"p{i}", "client": f"c{i}", "kind": "support", "skill": "debt", "duration_minutes": 60,
         "windows": [{"start": f"{days[0]}T09:00", "end": f"{days[0]}T12:00"}]} for i in (1, 2)]
    problem = parse_problem(doc)
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"p1": Placement("a1", at(f"{days[0]}T09:00")),
                              "p2": Placement("a1", at(f"{days[0]}T10:00"))}, {}, [])
    budget = Budget(time.perf_counter() + 60, units=0.3)
    parts = lns.improve(plan, budget, workers=1, seed=0, size=1)
    assert 0 < parts * lns.PART_OVERHEAD <= budget.spent + 1e-9


def _paired_week():
    """One day, 09:00-17:00. a1 is full of two 4-hour appointments, below its limit of 4; a2 is at its
    limit of 2 with 6 idle hours; a3 is at its limit with no idle time; a4 is below its limit with 7
    idle hours; a5 shares no skill with a1. u1 (an hour, unbooked) fits none of a1's time."""
    day = "2026-11-23"

    def advisor(name, limit, skills=("debt",)):
        return {"id": name, "skills": list(skills), "roles": ["support"], "max_appointments_per_day": limit,
                "availability": [{"start": f"{day}T09:00", "end": f"{day}T17:00"}]}

    booked = {"l1": ("a1", "09:00", 240), "l2": ("a1", "13:00", 240), "s1": ("a2", "09:00", 60),
              "s2": ("a2", "10:00", 60), "l3": ("a3", "09:00", 240), "l4": ("a3", "13:00", 240),
              "s3": ("a4", "09:00", 60), "h1": ("a5", "09:00", 60)}
    appts = [{"id": a, "client": f"c{a}", "kind": "support", "skill": "housing" if a == "h1" else "debt",
              "duration_minutes": minutes, "windows": [{"start": f"{day}T09:00", "end": f"{day}T17:00"}]}
             for a, (_, _, minutes) in booked.items()]
    appts.append({"id": "u1", "client": "cu1", "kind": "support", "skill": "debt", "duration_minutes": 60,
                  "windows": [{"start": f"{day}T09:00", "end": f"{day}T17:00"}]})
    doc = {"format": "caseload-problem/1", "horizon": {"start": day, "days": 1, "slot_minutes": 15},
           "advisors": [advisor("a1", 4), advisor("a2", 2), advisor("a3", 2), advisor("a4", 4),
                        advisor("a5", 2, ("housing",))],
           "clients": [{"id": a["client"], "need": a["skill"]} for a in appts],
           "appointments": appts}
    problem = parse_problem(doc)
    at = problem.horizon.to_slot
    return problem, lns.Plan(problem, {a: Placement(v, at(f"{day}T{t}")) for a, (v, t, _) in booked.items()}, {}, [])


def test_paired_days_pair_an_advisor_full_below_its_limit_with_one_at_its_limit_with_idle_time():
    # Tight weeks with daily limits (#16): varied 120 s19 had 454 of 539 advisor-days at their limit
    # with idle gaps and 85 below it with no time left; parts pairing the two kinds gained ~11,000
    # points a unit against ~3,500 for the aimed parts (60 s3).
    problem, plan = _paired_week()
    found = [lns._paired_days(plan, random.Random(seed)) for seed in range(30)]
    assert all(f is None or f == ({"a1", "a2"}, {0}, "u1") for f in found), found
    assert sum(f is not None for f in found) >= 10  # a1 or a4 is drawn; a4 has room for u1 as it is


def test_the_search_takes_paired_days_on_weeks_with_daily_limits_only(monkeypatch):
    problem, plan = _paired_week()
    monkeypatch.setattr(lns, "PAIRED_MIN_ADVISORS", 1)  # the week has five
    monkeypatch.setattr(lns, "PACK_SHARE", 0.0)  # the packing parts are tested on their own
    stream = lns.neighbourhoods(problem, random.Random(0), 2, plan)
    drawn = [next(stream) for _ in range(100)]
    # Without them the aimed parts draw this pair for u1 one time in six or so (two of four qualified).
    assert drawn.count(({"a1", "a2"}, {0}, "u1")) >= 30
    unlimited = parse_problem({**NIGHT})
    assert all(a.max_appointments_per_day is None for a in unlimited.advisors)
    stream = lns.neighbourhoods(unlimited, random.Random(0), 2, lns.Plan(unlimited, {}, {}, []))
    assert all(len(group) == 1 for group, _, _ in (next(stream) for _ in range(20)))


def _packed_day(limit=None):
    """One day, no daily limits. a1 (debt, 09:00-12:00) is full of two 90-minute appointments; four
    45-minute ones (s1-s4) and a 2-hour one (x1) wait unbooked: trading the two long ones for the four
    short ones books two more. a2 (housing, 09:00-12:00) holds a 30-minute appointment; the one
    housing appointment waiting is longer."""
    day = "2026-11-23"

    def advisor(name, skill):
        return {"id": name, "skills": [skill], "roles": ["support"], "max_appointments_per_day": limit,
                "availability": [{"start": f"{day}T09:00", "end": f"{day}T12:00"}]}

    minutes = {"l1": 90, "l2": 90, "s1": 45, "s2": 45, "s3": 45, "s4": 45, "x1": 120, "h1": 30, "h2": 60}
    appts = [{"id": a, "client": f"c{a}", "kind": "support", "skill": "housing" if a[0] == "h" else "debt",
              "duration_minutes": m, "windows": [{"start": f"{day}T09:00", "end": f"{day}T12:00"}]}
             for a, m in minutes.items()]
    doc = {"format": "caseload-problem/1", "horizon": {"start": day, "days": 1, "slot_minutes": 15},
           "advisors": [advisor("a1", "debt"), advisor("a2", "housing")],
           "clients": [{"id": a["client"], "need": a["skill"]} for a in appts],
           "appointments": appts}
    problem = parse_problem(doc)
    at = problem.horizon.to_slot
    booked = {"l1": ("a1", "09:00"), "l2": ("a1", "10:30"), "h1": ("a2", "09:00")}
    return problem, lns.Plan(problem, {a: Placement(v, at(f"{day}T{t}")) for a, (v, t) in booked.items()}, {}, [])


def test_packing_parts_are_the_days_whose_long_bookings_could_make_way_for_shorter_unbooked_ones():
    # Varied 120 s7 (#16): days full to a few idle minutes, the unbooked 60-90 minutes long; one
    # advisor-day traded for shorter ones gained ~2.7 times as much a unit as the other parts.
    problem, plan = _packed_day()
    assert lns._packing_days(plan, random.Random(0)) == [({"a1"}, {0})]  # a2's waiting one is longer


def test_a_packing_part_takes_only_the_unbooked_shorter_than_its_longest_booking_shortest_first(monkeypatch):
    problem, plan = _packed_day()
    sub, freed = lns.subproblem(plan, {"a1"}, {0}, lns.UNBOOKED_CAP, random.Random(0), lns.PACKING)
    assert freed == {"l1", "l2", "s1", "s2", "s3", "s4"}  # not x1 (2 hours)
    monkeypatch.setattr(lns, "PACK_UNBOOKED", 2)
    sub, freed = lns.subproblem(plan, {"a1"}, {0}, lns.UNBOOKED_CAP, random.Random(0), lns.PACKING)
    assert len(freed - {"l1", "l2"}) == 2


def test_the_search_takes_packing_parts_on_tight_weeks_of_twenty_advisors_or_more(monkeypatch):
    problem, plan = _packed_day()
    stream = lns.neighbourhoods(problem, random.Random(0), 2, plan)
    assert all(f[2] != lns.PACKING for f in (next(stream) for _ in range(100)))  # two advisors
    monkeypatch.setattr(lns, "PAIRED_MIN_ADVISORS", 1)
    stream = lns.neighbourhoods(problem, random.Random(0), 2, plan)
    assert sum(f == ({"a1"}, {0}, lns.PACKING) for f in (next(stream) for _ in range(100))) >= 90
    limited, limited_plan = _packed_day(limit=4)  # with daily limits too, beside the paired days
    stream = lns.neighbourhoods(limited, random.Random(0), 2, limited_plan)
    assert sum(f == ({"a1"}, {0}, lns.PACKING) for f in (next(stream) for _ in range(100))) >= 90
    full = lns.Plan(problem, {**plan.assignments, "h2": Placement("a2", plan.assignments["h1"].start + 2)}, {}, [])
    for a in ("s1", "s2", "s3", "s4", "x1"):
        full.assignments.pop(a, None)
    assert lns._packs(plan) and lns._packs(full)  # 3 or 4 of 9 booked
    almost = lns.Plan(problem, {a: Placement("a1", 0) for a in ("l1", "l2", "s1", "s2", "s3", "s4", "x1", "h1", "h2")}, {}, [])
    assert not lns._packs(almost)  # nothing unbooked (validity does not matter to the count)


def test_a_packing_part_books_the_shorter_ones_in_the_time_the_long_ones_free():
    problem, plan = _packed_day()
    sub, freed = lns.subproblem(plan, {"a1"}, {0}, lns.UNBOOKED_CAP, random.Random(0), lns.PACKING)
    current = {a: pl for a, pl in plan.assignments.items() if a in freed}
    found = lns.solve_part(sub, current, [], 5.0, 0, Budget(time.perf_counter() + 20, units=5.0))
    assert found is not None
    assert set(found[0]) == {"s1", "s2", "s3", "s4"}


def test_a_day_at_its_daily_limit_is_no_packing_part():
    problem, plan = _packed_day(limit=2)  # a1 holds two
    assert lns._packing_days(plan, random.Random(0)) == []
    problem, plan = _packed_day(limit=3)
    assert lns._packing_days(plan, random.Random(0)) == [({"a1"}, {0})]
