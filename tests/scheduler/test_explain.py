"""Reasons for unassigned appointments, most specific first, and which pins clash."""
from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.baselines import desk_plan, named_first
from scheduler.explain import CODES, PinConflict, pin_conflicts, reasons, unplaced
from scheduler.model import Placement, ProblemError
from scheduler.parse import parse_problem
from scheduler.solver import solve
from scheduler.variables import feasible_starts
from tiny import model_accepts, tiny_week
from varied_weeks import varied_week

MON, TUE = "2026-11-23T", "2026-11-24T"


def why(doc: dict, appt_id: str, booked: dict[str, tuple[str, str]] | None = None) -> str:
    """The reason given for `appt_id` when exactly the appointments in `booked` are placed."""
    problem = parse_problem(doc)
    assignments = {a: Placement(v, problem.horizon.to_slot(s)) for a, (v, s) in (booked or {}).items()}
    return reasons(problem, assignments)[appt_id]


def code(doc: dict, appt_id: str, booked: dict[str, tuple[str, str]] | None = None) -> str:
    problem = parse_problem(doc)
    assignments = {a: Placement(v, problem.horizon.to_slot(s)) for a, (v, s) in (booked or {}).items()}
    return unplaced(problem, assignments)[appt_id].code


def test_nobody_has_the_role(make_problem):
    doc = make_problem()
    doc["advisors"][1]["roles"] = ["support"]
    doc["advisors"][2]["roles"] = ["support"]
    assert why(doc, "p2") == "no advisor has the policing role"
    assert code(doc, "p2") == "no_skill"


def test_nobody_has_the_skill_with_the_role(make_problem):
    doc = make_problem()
    doc["appointments"][2]["skill"] = "immigration"
    assert why(doc, "p3") == "no advisor has the immigration skill and the support role"
    assert code(doc, "p3") == "no_skill"


def test_nobody_qualified_works_inside_the_windows(make_problem):
    doc = make_problem()
    doc["appointments"][1]["windows"] = [{"start": TUE + "09:00", "end": TUE + "17:00"}]  # a2 works Monday only
    assert why(doc, "p2") == ("no advisor with skill debt works inside its windows "
                              "(Tue 24 Nov 09:00–Tue 24 Nov 17:00)")
    assert code(doc, "p2") == "no_time"


def test_every_qualified_advisor_is_fully_booked(make_problem):
    doc = make_problem()
    doc["appointments"][1]["windows"] = [{"start": MON + "09:00", "end": MON + "10:00"}]
    doc["appointments"][0].update(client="c2", windows=[{"start": MON + "09:00", "end": MON + "10:00"}],
                                  duration_minutes=60)
    text = why(doc, "p2", {"p1": ("a2", MON + "09:00")})
    assert "fully booked" in text and "skill debt" in text
    assert code(doc, "p2", {"p1": ("a2", MON + "09:00")}) == "advisors_full"


def test_every_free_qualified_advisor_is_at_the_daily_limit(make_problem):
    doc = make_problem()
    doc["advisors"][1]["max_appointments_per_day"] = 1
    text = why(doc, "p2", {"p1": ("a2", MON + "09:00")})
    assert text.startswith("every qualified advisor free inside its windows") and "daily limit" in text
    assert code(doc, "p2", {"p1": ("a2", MON + "09:00")}) == "daily_limit"


def test_the_client_is_busy_whenever_an_advisor_is_free(make_problem):
    doc = make_problem()
    doc["appointments"][1].update(client="c1", windows=[{"start": MON + "09:00", "end": MON + "10:00"}])
    doc["appointments"][0]["windows"] = [{"start": MON + "09:00", "end": MON + "10:00"}]
    doc["appointments"][0]["duration_minutes"] = 60
    assert why(doc, "p2", {"p1": ("a1", MON + "09:00")}) == \
        "the client already has appointments at every time a qualified advisor is free"
    assert code(doc, "p2", {"p1": ("a1", MON + "09:00")}) == "client_busy"


def test_last_resort_says_it_was_left_out_for_more_valuable_work(problem_doc):
    assert why(problem_doc, "p2").startswith("qualified advisors are free, but placing it would")
    assert code(problem_doc, "p2") == "traded"


def test_solution_gives_a_reason_for_each_unassigned(make_problem):
    doc = make_problem()
    doc["appointments"][2]["skill"] = "immigration"
    solution = solve(doc, time_limit=2, workers=1, in_process=True)
    assert solution["unassigned"] == [{"appointment": "p3", "code": "no_skill",
                                       "reason": "no advisor has the immigration skill and the support role"}]


def test_desk_plans_give_codes_and_name_a_clashing_pin(make_problem):
    doc = make_problem()
    doc["appointments"][2]["skill"] = "immigration"
    _pin(doc, 0, "a1", TUE + "09:45")  # p1 09:45-10:30 against p4's 10:00 pin: the desk keeps p1's first
    left = {u["appointment"]: u for u in named_first(doc)["unassigned"]}
    assert left["p3"]["code"] == "no_skill"
    assert left["p4"]["code"] == "pin_clash" and "p1" in left["p4"]["reason"]
    assert all(u["code"] in CODES for u in left.values())


def _pin(doc, index, advisor, start):
    doc["appointments"][index]["pinned"] = {"advisor": advisor, "start": start}


def test_pins_of_one_advisor_that_overlap_are_named(make_problem):
    doc = make_problem()
    _pin(doc, 0, "a1", TUE + "09:45")  # p1 09:45-10:30 against p4's 10:00 pin
    with pytest.raises(PinConflict) as caught:
        solve(doc, time_limit=2, workers=1, in_process=True)
    assert isinstance(caught.value, ProblemError)
    advisor_clash, client_clash = caught.value.errors  # p1 and p4 are both c1's, and both with a1
    assert all("p1" in m and "p4" in m for m in caught.value.errors)
    assert "advisor a1" in advisor_clash and "client c1" in client_clash


def test_pins_of_one_client_with_two_advisors_are_named(make_problem):
    doc = make_problem()
    doc["appointments"][1].update(client="c1", windows=[{"start": MON + "09:00", "end": MON + "17:00"}])
    _pin(doc, 0, "a1", MON + "09:00")
    _pin(doc, 1, "a2", MON + "09:30")
    (message,) = pin_conflicts(parse_problem(doc))
    assert "p1" in message and "p2" in message and "client c1" in message


def test_pins_beyond_the_daily_limit_are_named(make_problem):
    doc = make_problem()
    doc["advisors"][0]["max_appointments_per_day"] = 1
    _pin(doc, 0, "a1", TUE + "14:00")
    (message,) = pin_conflicts(parse_problem(doc))
    assert "p1" in message and "p4" in message and "daily limit of 1" in message


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_pins_that_do_not_clash_always_hold_together(rng):
    """The pairwise checks are complete: when they find no clash, every pin can be kept at once."""
    doc = tiny_week(rng, advisors=2, appointments=(3, 5))
    problem = parse_problem(doc)
    for row, appt in zip(doc["appointments"], problem.appointments):  # pin as many as we can, at random
        options = [(v.id, s) for v in problem.advisors if v.can_do(appt.kind, appt.skill)
                   and v.max_appointments_per_day != 0 for w in appt.windows for a in v.availability
                   for s in range(max(w.start, a.start), min(w.end, a.end) - appt.duration + 1)]
        if options and rng.random() < 0.7:
            advisor, start = rng.choice(options)
            row["pinned"] = {"advisor": advisor, "start": problem.horizon.to_text(start)}
    clashes = pin_conflicts(parse_problem(doc))
    assert model_accepts(doc) == (not clashes)


def _reference_code(problem, appt, assignments) -> str:
    """The reasons' rules as plain filters over every start (slow, obviously right)."""
    busy, client_busy, starts = {}, {}, {}
    for appt_id, placed in assignments.items():
        other = problem.appointment_by_id[appt_id]
        busy.setdefault(placed.advisor, set()).update(range(placed.start, placed.start + other.duration))
        client_busy.setdefault(other.client, set()).update(range(placed.start, placed.start + other.duration))
        key = (placed.advisor, problem.horizon.day_of(placed.start))
        starts[key] = starts.get(key, 0) + 1
    qualified = [a for a in problem.advisors if a.can_do(appt.kind, appt.skill)]
    if not qualified:
        return "no_skill"
    fitting = [(a, s) for a in qualified for s in feasible_starts(problem, appt, a.id)]
    free = [(a, s) for a, s in fitting if not busy.get(a.id, set()) & set(range(s, s + appt.duration))]
    under = [(a, s) for a, s in free if a.max_appointments_per_day is None
             or starts.get((a.id, problem.horizon.day_of(s)), 0) < a.max_appointments_per_day]
    clear = [(a, s) for a, s in under if not client_busy.get(appt.client, set()) & set(range(s, s + appt.duration))]
    for name, left in (("no_time", fitting), ("advisors_full", free), ("daily_limit", under), ("client_busy", clear)):
        if not left:
            return name
    return "traded"


def test_reason_codes_match_plain_filters_over_every_start():
    """unplaced() finds free runs in a byte diary (fast on 10,000-appointment weeks); the code it gives
    must be the one the rules give read literally, start by start."""
    codes = Counter()
    for seed in range(6):
        _check_codes(seed, codes)
    assert {"traded", "no_skill", "no_time", "advisors_full", "daily_limit", "client_busy"} <= set(codes)


def _check_codes(seed: int, codes: Counter) -> None:
    doc = varied_week(seed, advisors=8)
    if seed % 2:  # daily limits, so that reason comes up too
        for advisor in doc["advisors"]:
            advisor["max_appointments_per_day"] = 4
    problem = parse_problem(doc)
    assignments = desk_plan(problem)[0]
    rng = random.Random(seed)
    assignments = {a: p for a, p in assignments.items() if rng.random() < 0.85}  # some left out, some traded
    got = unplaced(problem, assignments)
    assert got, "the week must leave something out"
    codes.update(why_not.code for why_not in got.values())
    for appt_id, why_not in got.items():
        assert why_not.code == _reference_code(problem, problem.appointment_by_id[appt_id], assignments), appt_id
