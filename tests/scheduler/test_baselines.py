"""The booking-desk baselines: valid under every hard rule, and behaving as a desk would."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scheduler.baselines import earliest, named_first
from scheduler.check import check_solution
from scheduler.generate import generate
from scheduler.model import ProblemError
from scheduler.parse import parse_problem

BASELINES = [earliest, named_first]


def placed(solution: dict) -> dict[str, tuple[str, str]]:
    return {r["appointment"]: (r["advisor"], r["start"]) for r in solution["assignments"]}


@pytest.mark.parametrize("baseline", BASELINES, ids=lambda f: f.__name__)
def test_small_week_is_valid_and_complete(problem_doc, baseline):
    solution = baseline(problem_doc)
    result = check_solution(problem_doc, solution)
    assert result.ok, result.violations
    assert solution["score"] == result.score
    assert solution["status"] == "feasible" and solution.get("bound") is None
    assert isinstance(solution["solve_seconds"], float)
    assert placed(solution)["p4"] == ("a1", "2026-11-24T10:00")  # the pin holds
    assert solution["allocations"] == [{"client": "c3", "advisor": "a1"}]  # the only support+housing advisor


def test_named_first_prefers_the_named_advisor_and_earliest_does_not(make_problem):
    doc = make_problem()
    doc["clients"][1]["named_advisor"] = "a1"  # c2 is a1's client now ...
    doc["advisors"][0]["skills"] = ["debt", "housing"]
    doc["appointments"][1].update(kind="support")  # ... and p2 is support on Monday
    doc["advisors"][1]["availability"] = [{"start": "2026-11-23T08:00", "end": "2026-11-23T17:00"}]
    doc["appointments"][1]["windows"] = [{"start": "2026-11-23T08:00", "end": "2026-11-23T17:00"}]
    assert placed(earliest(doc))["p2"] == ("a2", "2026-11-23T08:00")  # a2 is free an hour earlier
    assert placed(named_first(doc))["p2"][0] == "a1"


def test_named_first_keeps_policing_away_from_the_named_advisor(make_problem):
    doc = make_problem()
    doc["advisors"].append({"id": "a4", "name": "Dev Shah", "skills": ["debt"], "roles": ["policing"],
                            "availability": [{"start": "2026-11-23T13:00", "end": "2026-11-23T17:00"}]})
    assert placed(named_first(doc))["p2"][0] == "a4"  # later in the day, but not c2's named advisor a2
    assert placed(earliest(doc))["p2"][0] == "a2"
    # With nobody else able, the named advisor still takes it rather than leaving it unbooked.
    assert placed(named_first(make_problem()))["p2"][0] == "a2"


def test_new_client_goes_to_the_qualified_advisor_with_most_spare_caseload(make_problem):
    doc = make_problem()
    doc["advisors"].append({"id": "a4", "name": "Dev Shah", "skills": ["housing"], "roles": ["support"],
                            "availability": [{"start": "2026-11-24T09:00", "end": "2026-11-24T17:00"}],
                            "caseload": 2, "max_caseload": 10})
    for baseline in BASELINES:
        solution = baseline(doc)
        assert solution["allocations"] == [{"client": "c3", "advisor": "a4"}]
        assert check_solution(doc, solution).ok


def test_no_allocation_beyond_max_caseload(make_problem):
    doc = make_problem()
    doc["advisors"][0]["max_caseload"] = 1  # a1 is full with c1
    for baseline in BASELINES:
        solution = baseline(doc)
        assert solution["allocations"] == []
        assert check_solution(doc, solution).ok


def test_what_cannot_be_booked_is_unassigned_with_a_reason(make_problem):
    doc = make_problem()
    doc["appointments"][2]["skill"] = "immigration"  # nobody has it
    for baseline in BASELINES:
        solution = baseline(doc)
        assert [u["appointment"] for u in solution["unassigned"]] == ["p3"]
        assert solution["unassigned"][0]["reason"] == "no advisor has the immigration skill and the support role"
        assert solution["unassigned"][0]["code"] == "no_skill"
        assert check_solution(doc, solution).ok


def test_booked_out_appointment_says_so(make_problem):
    doc = make_problem()
    doc["appointments"][1]["windows"] = [{"start": "2026-11-24T09:00", "end": "2026-11-24T17:00"}]  # a2 is off
    for baseline in BASELINES:
        [row] = baseline(doc)["unassigned"]
        assert row["appointment"] == "p2" and row["code"] == "no_time"
        assert row["reason"].startswith("no advisor with skill debt works inside its windows")


def test_protected_blocks_are_long_enough_and_meet_the_targets(problem_doc):
    solution = named_first(problem_doc)
    p = parse_problem(problem_doc)
    kept = {}
    for block in solution["protected"]:
        length = p.horizon.to_slot(block["end"]) - p.horizon.to_slot(block["start"])
        assert length * 15 >= 60
        kept[block["advisor"]] = kept.get(block["advisor"], 0) + length * 15
    assert kept["a1"] >= 120 and kept["a2"] >= 60 and "a3" not in kept
    assert solution["figures"]["protected"] == 1.0


def test_protected_blocks_go_to_preferred_time_but_never_lose_minutes(make_problem):
    doc = make_problem()
    a3 = doc["advisors"][2]  # no appointments can go to a3 (policing housing): all its time is free
    a3.update(protected_minutes=60, availability=[{"start": "2026-11-24T09:00", "end": "2026-11-24T12:00"}],
              protected_preferences=[{"start": "2026-11-24T10:30", "end": "2026-11-24T11:30"}])
    blocks = [b for b in named_first(doc)["protected"] if b["advisor"] == "a3"]
    assert blocks == [{"advisor": "a3", "start": "2026-11-24T10:30", "end": "2026-11-24T11:30"}]
    # A 30-minute preference in a two-hour day would split it into pieces too short to keep 120 minutes.
    a3.update(protected_minutes=120, availability=[{"start": "2026-11-24T09:00", "end": "2026-11-24T11:00"}],
              protected_preferences=[{"start": "2026-11-24T09:30", "end": "2026-11-24T10:00"}])
    solution = named_first(doc)
    assert check_solution(doc, solution).ok
    assert sum(_minutes(b) for b in solution["protected"] if b["advisor"] == "a3") == 120


def _minutes(block: dict) -> int:
    start, end = (int(block[k][11:13]) * 60 + int(block[k][14:16]) for k in ("start", "end"))
    return end - start


@pytest.mark.parametrize("profile", ["jobcentre", "advice", "clinic"])
def test_generated_weeks_pass_the_checker_and_named_first_keeps_more_continuity(profile):
    doc = generate(profile, 5, seed=3)
    problem = parse_problem(doc)
    results = {}
    for baseline in BASELINES:
        solution = baseline(problem)
        result = check_solution(problem, solution)
        assert result.ok, result.violations[:5]
        assert solution["score"] == result.score
        results[baseline.__name__] = result
    assert results["named_first"].figures["continuity"] >= results["earliest"].figures["continuity"]
    assert results["named_first"].terms["continuity"] > results["earliest"].terms["continuity"]


# --- property test: many small random weeks ---------------------------------------------------------

DAY = ("2026-11-23", "2026-11-24")


def _time(day: int, minutes: int) -> str:
    return f"{DAY[day]}T{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def small_problems(draw):
    slot = draw(st.sampled_from([15, 30]))
    skills = ["debt", "housing"]
    advisors = []
    for i in range(draw(st.integers(1, 4))):
        spans = []
        for day in range(2):
            if draw(st.booleans()):
                start = draw(st.integers(16, 22)) * 30  # 08:00-11:00
                end = start + draw(st.integers(2, 12)) * 30
                spans.append({"start": _time(day, start), "end": _time(day, end)})
        advisors.append({
            "id": f"a{i}", "name": f"A{i}",
            "skills": draw(st.lists(st.sampled_from(skills), min_size=1, max_size=2, unique=True)),
            "roles": draw(st.sampled_from([["support"], ["policing"], ["support", "policing"]])),
            "availability": spans,
            "protected_minutes": draw(st.sampled_from([0, 60, 120])),
            "max_appointments_per_day": draw(st.sampled_from([None, 1, 3])),
            "max_caseload": draw(st.sampled_from([None, 0, 5])),
        })
        if spans and draw(st.booleans()):  # a preferred protected stretch, any length
            day = draw(st.integers(0, 1))
            start = draw(st.integers(16, 30)) * 30
            advisors[-1]["protected_preferences"] = [
                {"start": _time(day, start), "end": _time(day, start + draw(st.integers(1, 6)) * 30)}]
    clients = []
    for c in range(draw(st.integers(1, 4))):
        named = draw(st.sampled_from([None] + [a["id"] for a in advisors]))
        clients.append({"id": f"c{c}", "named_advisor": named, "need": draw(st.sampled_from(skills)),
                        "complexity": draw(st.integers(1, 3))})
    appointments = []
    for n in range(draw(st.integers(1, 8))):
        client = draw(st.sampled_from(clients))
        minutes = slot * draw(st.integers(1, 3))
        day = draw(st.integers(0, 1))
        start = draw(st.integers(16, 26)) * 30
        end = min(max(start + minutes, start + draw(st.integers(1, 16)) * 30), 20 * 60)
        appt = {"id": f"p{n}", "client": client["id"], "kind": draw(st.sampled_from(["support", "policing"])),
                "skill": draw(st.sampled_from(skills)), "duration_minutes": minutes,
                "windows": [{"start": _time(day, start), "end": _time(day, end)}]}
        appointments.append(appt)
    doc = {"format": "caseload-problem/1",
           "horizon": {"start": DAY[0], "days": 2, "slot_minutes": slot, "timezone": "Europe/London",
                       "protected_block_minutes": draw(st.sampled_from([30, 60]))},
           "weights": {"separation": draw(st.sampled_from([0, 500]))},
           "advisors": advisors, "clients": clients, "appointments": appointments}
    if draw(st.booleans()):
        _pin_one(doc, draw(st.integers(0, len(appointments) - 1)))
    if draw(st.booleans()):
        a = appointments[0]
        doc["previous"] = [{"appointment": a["id"], "advisor": advisors[0]["id"], "start": a["windows"][0]["start"]}]
    return doc


def _pin_one(doc: dict, index: int) -> None:
    """Pin one appointment where it is valid on its own (a single pin cannot clash with another)."""
    probe = parse_problem(doc)
    appt = probe.appointments[index]
    for advisor in probe.advisors:
        if not advisor.can_do(appt.kind, appt.skill):
            continue
        for start in range(appt.windows[0].start, appt.windows[0].end - appt.duration + 1):
            if any(a.contains(start, start + appt.duration) for a in advisor.availability) \
                    and advisor.max_appointments_per_day != 0:
                doc["appointments"][index]["pinned"] = {"advisor": advisor.id, "start": probe.horizon.to_text(start)}
                return


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_both_baselines_pass_the_checker_on_random_small_weeks(doc):
    try:
        problem = parse_problem(doc)
    except ProblemError:
        assume(False)
    for baseline in BASELINES:
        solution = baseline(problem)
        result = check_solution(problem, solution)
        assert result.ok, (baseline.__name__, result.violations)
        assert solution["score"] == result.score
        listed = [r["appointment"] for r in solution["assignments"]] + [u["appointment"] for u in solution["unassigned"]]
        assert sorted(listed) == sorted(a.id for a in problem.appointments)
    # Preferences only move protected blocks: the same plan keeps as many minutes without them.
    plain = parse_problem({**doc, "advisors": [{k: v for k, v in a.items() if k != "protected_preferences"}
                                               for a in doc["advisors"]]})
    assert check_solution(plain, named_first(plain)).terms["protected"] == \
        check_solution(problem, named_first(problem)).terms["protected"]


def test_keep_previous_never_keeps_a_published_placement_over_a_pin(make_problem):
    from scheduler.baselines import keep_previous

    doc = make_problem()
    # p1 was published with a1 on Tuesday at 10:00, where p4 is now pinned: the pin wins, p1 is re-booked.
    doc["previous"] = [{"appointment": "p1", "advisor": "a1", "start": "2026-11-24T10:00"}]
    solution = keep_previous(doc)
    result = check_solution(doc, solution)
    assert result.ok, result.violations
    booked = placed(solution)
    assert booked["p4"] == ("a1", "2026-11-24T10:00")
    assert "p1" in booked and booked["p1"] != ("a1", "2026-11-24T10:00")
    # What does not clash with a pin stays put.
    doc["previous"] = [{"appointment": "p1", "advisor": "a1", "start": "2026-11-24T14:00"}]
    assert placed(keep_previous(doc))["p1"] == ("a1", "2026-11-24T14:00")
