"""repair._Earliest: the places book_by_ejection remembers between tries are the ones
baselines.choose_named_first finds in the diary as it is, and the budget checks inside the passes."""
from __future__ import annotations

import random
import time

import pytest

from scheduler import baselines, lns, repair, solver
from scheduler.budget import Budget
from scheduler.diary import Diary
from scheduler.generate_varied import generate_varied
from scheduler.model import Placement
from scheduler.parse import parse_problem

from test_repair import _away_week, _onward_week


@pytest.mark.parametrize("seed", [1, 3, 7])
def test_remembered_places_match_the_desk_in_the_changed_diary(seed):
    # A tight week (load 1.3, daily limits): take one booked appointment out, change a few others
    # (move one out, book another in its place or elsewhere), and ask both ways, many times over the
    # same base diary, so remembered answers are reused under different changes.
    problem = parse_problem(generate_varied(10, seed, load=1.3, daily_limit=0.8))
    _, assignments, allocations, _ = baselines.desk_plans(problem, baselines.DESK_VARIANTS[:1])[0]
    book = Diary.holding(problem, assignments)
    memo = repair._Earliest(problem, book, allocations)
    rng = random.Random(seed)
    booked = sorted(assignments)
    asked = booked[:40]  # asked about again and again, under different changes
    unbooked = [a for a in problem.appointments if a.id not in assignments]
    compared = reused = 0
    for _ in range(400):
        x = problem.appointment_by_id[rng.choice(asked)]
        others = [problem.appointment_by_id[a] for a in rng.sample(booked, 2) if a != x.id]
        book.remove(x, assignments[x.id].advisor, assignments[x.id].start)
        undo, advisors, clients = [], set(), set()
        for y in others:  # out of the diary, and maybe an unbooked one in its place
            there = assignments[y.id]
            book.remove(y, there.advisor, there.start)
            undo.append(("place", y, there))
            advisors.add(there.advisor)
            clients.add(y.client)
            if unbooked and rng.random() < 0.7:
                z = rng.choice(unbooked)
                spot = baselines.choose_named_first(problem, book, z, problem.home_of(z.client, allocations))
                if spot is not None:
                    book.place(z, spot.advisor, spot.start)
                    undo.append(("remove", z, spot))
                    advisors.add(spot.advisor)
                    clients.add(z.client)
        reused += x.id in memo.memo
        named = problem.home_of(x.client, allocations)
        assert memo.named_first(x, advisors, clients) == baselines.choose_named_first(problem, book, x, named)
        compared += 1
        for what, appt, spot in reversed(undo):
            (book.place if what == "place" else book.remove)(appt, spot.advisor, spot.start)
        book.place(x, assignments[x.id].advisor, assignments[x.id].start)
    assert compared == 400 and reused > 100


def test_bring_home_stops_when_its_budget_is_spent(make_problem):
    problem, plan = _away_week(make_problem)
    before = dict(plan.assignments)
    assert repair.bring_home(plan, Budget(time.perf_counter() - 1.0)) == 0
    assert plan.assignments == before
    assert repair.bring_home(plan, Budget(time.perf_counter() + 60)) >= 1  # the same pass with time left
    assert plan.assignments["p1"].advisor == "a1"


def test_the_start_phase_first_booking_pass_moves_blockers_onward():
    # The onward chain (test_repair.test_a_blocker_with_no_free_place_goes_to_a_full_day_...) is found
    # by the start phase's first booking pass already, before the moves home.
    problem = parse_problem(_onward_week())
    at = problem.horizon.to_slot
    plan = lns.Plan(problem, {"p1": Placement("a1", at("2026-11-23T09:00")),
                              "p3": Placement("a2", at("2026-11-23T10:00"))}, {}, [])
    solver._book_first(plan, Budget(time.perf_counter() + 60))
    assert "p2" in plan.assignments


def test_a_change_to_the_clients_own_diary_is_not_answered_from_memory():
    # x's remembered place was found with the client's other appointment y booked; once y leaves, the
    # client is free at y's time and x may go earlier, even at advisors the try did not touch.
    problem = parse_problem(generate_varied(10, 3, load=1.3, daily_limit=0.8))
    _, assignments, allocations, _ = baselines.desk_plans(problem, baselines.DESK_VARIANTS[:1])[0]
    book = Diary.holding(problem, assignments)
    by_client: dict[str, list] = {}
    for appt_id in sorted(assignments):
        appt = problem.appointment_by_id[appt_id]
        by_client.setdefault(appt.client, []).append(appt)
    freed_earlier = 0
    for mates in by_client.values():
        for x in mates:
            for y in mates:
                if x is y:
                    continue
                memo = repair._Earliest(problem, book, allocations)
                named = problem.home_of(x.client, allocations)
                book.remove(x, assignments[x.id].advisor, assignments[x.id].start)
                before = memo.named_first(x, set(), set())  # remembered with y in the diary
                book.remove(y, assignments[y.id].advisor, assignments[y.id].start)
                now = baselines.choose_named_first(problem, book, x, named)
                assert memo.named_first(x, {assignments[y.id].advisor}, {x.client}) == now
                freed_earlier += now != before
                book.place(y, assignments[y.id].advisor, assignments[y.id].start)
                book.place(x, assignments[x.id].advisor, assignments[x.id].start)
    assert freed_earlier > 0  # the week has cases where the client's own change moves x
