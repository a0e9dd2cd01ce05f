"""Generated weeks: valid, repeatable, and shaped like the profiles in the performance issue."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from scheduler.generate import PROFILES, generate
from scheduler.parse import parse_problem

GRID = {"jobcentre": 15, "advice": 30, "clinic": 10}


@pytest.fixture(scope="module", params=sorted(GRID))
def week(request):
    profile = request.param
    doc = generate(profile, 30, seed=7)
    return profile, doc, parse_problem(doc)


def test_same_seed_same_week_and_another_seed_another(week):
    profile, doc, _ = week
    assert generate(profile, 30, seed=7) == doc
    assert generate(profile, 30, seed=8) != doc


def test_a_monday_week_in_london_on_the_profile_grid(week):
    profile, doc, p = week
    assert p.horizon.start.weekday() == 0 and p.horizon.days == 5
    assert p.horizon.timezone == "Europe/London"
    assert p.horizon.slot_minutes == GRID[profile]
    assert p.horizon.protected_block_minutes == PROFILES[profile].protected_block


def test_load_is_appointment_minutes_over_bookable_minutes(week):
    profile, doc, p = week
    slot = p.horizon.slot_minutes
    bookable = sum(sum(i.length for i in a.availability) * slot - a.protected_minutes for a in p.advisors)
    booked = sum(a.duration * slot for a in p.appointments)
    longest = max(a.duration * slot for a in p.appointments)
    assert 0.8 * bookable <= booked < 0.8 * bookable + longest


def test_staff_mix(week):
    _, _, p = week
    assert all(1 <= len(a.skills) <= 3 for a in p.advisors)
    policing = [a for a in p.advisors if "policing" in a.roles]
    assert 2 <= len(policing) <= 15  # ~25 % of 30
    full_week = max(sum(i.length for i in a.availability) for a in p.advisors)
    part_timers = [a for a in p.advisors if sum(i.length for i in a.availability) <= 0.6 * full_week]
    assert 1 <= len(part_timers) <= 15  # ~20 % part-time, plus a few absences
    # Lunch: nobody works 12:30-13:30.
    spd = p.horizon.slots_per_day
    lunch = (12 * 60 + 30) // p.horizon.slot_minutes, (13 * 60 + 30) // p.horizon.slot_minutes
    for a in p.advisors:
        for i in a.availability:
            assert not (i.start % spd < lunch[1] and lunch[0] < i.end % spd)


def test_clients_and_appointments(week):
    profile, doc, p = week
    assert len(p.clients) == PROFILES[profile].clients_per_advisor * 30
    named = sum(c.named_advisor is not None for c in p.clients) / len(p.clients)
    assert 0.8 <= named <= 0.95
    complexity = Counter(c.complexity for c in p.clients)
    assert complexity[1] > complexity[2] > complexity[3] > 0
    assert 0.5 <= complexity[1] / len(p.clients) <= 0.7
    share = sum(a.kind == "policing" for a in p.appointments) / len(p.appointments)
    assert abs(share - PROFILES[profile].policing_share) < 0.06
    spd = p.horizon.slots_per_day
    for a in p.appointments:
        w = a.windows[0]
        assert w.start % spd * p.horizon.slot_minutes == 9 * 60
        assert 1 <= -(-w.end // spd) - w.start // spd <= 3  # one to three days
    with_history = [c for c in p.clients if c.history]
    assert with_history and all(c.named_advisor for c in with_history)
    visits = [v.advisor == c.named_advisor for c in with_history for v in c.history]
    assert sum(visits) / len(visits) > 0.6  # mostly with the named advisor
    assert all(v.date < p.horizon.start for c in with_history for v in c.history)


def test_a_few_pins_that_do_not_clash(week):
    _, _, p = week
    pinned = [a for a in p.appointments if a.pinned]
    assert 1 <= len(pinned) <= 0.05 * len(p.appointments)
    spans = [(a.pinned.advisor, a.client, a.pinned.start, a.pinned.start + a.duration) for a in pinned]
    for i, (adv, client, s, e) in enumerate(spans):
        for adv2, client2, s2, e2 in spans[i + 1:]:
            if adv == adv2 or client == client2:
                assert e <= s2 or e2 <= s  # parse_problem already checked each pin alone


def test_sizes_and_bad_arguments():
    for n in (1, 2):
        for profile in GRID:
            parse_problem(generate(profile, n, seed=1))
    with pytest.raises(ValueError, match="unknown profile"):
        generate("hospital", 5)
    with pytest.raises(ValueError, match="at least 1"):
        generate("advice", 0)
    assert generate("advice", 3, seed=1, start=date(2027, 1, 4))["horizon"]["start"] == "2027-01-04"
