"""Rule 7: protected blocks sit inside availability, are long enough, and overlap nothing."""
from tiny import model_accepts, solve_checked


def test_long_enough_block_accepted_short_one_refused(problem_doc):
    assert model_accepts(problem_doc, blocks=[("a1", "2026-11-23T14:00", "2026-11-23T15:00")])
    assert not model_accepts(problem_doc, blocks=[("a1", "2026-11-23T14:00", "2026-11-23T14:45")])


def test_block_cannot_cover_an_appointment_or_leave_availability(problem_doc):
    block = ("a1", "2026-11-23T09:00", "2026-11-23T10:00")
    assert model_accepts(problem_doc, {"p1": ("a1", "2026-11-23T10:00")}, blocks=[block])
    assert not model_accepts(problem_doc, {"p1": ("a1", "2026-11-23T09:30")}, blocks=[block])
    assert not model_accepts(problem_doc, blocks=[("a1", "2026-11-23T12:00", "2026-11-23T13:45")])  # lunch
    assert not model_accepts(problem_doc, blocks=[("a3", "2026-11-24T09:00", "2026-11-24T10:00")])  # no target


def test_solution_keeps_each_target_in_long_blocks(problem_doc):
    solution = solve_checked(problem_doc)
    kept = {}
    for block in solution["protected"]:
        start, end = (int(block[k][11:13]) * 60 + int(block[k][14:16]) for k in ("start", "end"))
        assert end - start >= 60
        kept[block["advisor"]] = kept.get(block["advisor"], 0) + end - start
    assert kept.get("a1", 0) >= 120 and kept.get("a2", 0) >= 60
    assert solution["terms"]["protected"] == 180


def _morning(duration: int, window: tuple[str, str], target: int, weights: dict) -> dict:
    """One advisor 09:00-11:00, one client of theirs, one support appointment; blocks of at least an hour."""
    return {
        "format": "caseload-problem/1",
        "horizon": {"start": "2026-11-23", "days": 1, "slot_minutes": 15, "protected_block_minutes": 60},
        "weights": weights,
        "advisors": [{"id": "a1", "skills": ["debt"], "roles": ["support"], "protected_minutes": target,
                      "availability": [{"start": "2026-11-23T09:00", "end": "2026-11-23T11:00"}]}],
        "clients": [{"id": "c1", "named_advisor": "a1", "need": "debt"}],
        "appointments": [{"id": "p1", "client": "c1", "kind": "support", "skill": "debt",
                          "duration_minutes": duration,
                          "windows": [{"start": f"2026-11-23T{window[0]}", "end": f"2026-11-23T{window[1]}"}]}],
    }


def test_the_appointment_is_placed_where_it_leaves_a_whole_block():
    # p1 (30 min) may start 09:45 or 10:00. At 09:45 it leaves 45 + 45 free minutes: no block fits.
    # At 10:00 it leaves 09:00-10:00, one block of 60: the optimum, 10000 + 100 + 60.
    doc = _morning(30, ("09:45", "10:30"), 60, {})
    solution = solve_checked(doc, deterministic=True)
    assert solution["assignments"] == [{"appointment": "p1", "advisor": "a1", "start": "2026-11-23T10:00"}]
    assert solution["protected"] == [{"advisor": "a1", "start": "2026-11-23T09:00", "end": "2026-11-23T10:00"}]
    assert solution["score"] == 10000 + 100 + 60 and solution["status"] == "optimal"


def test_protected_time_can_outweigh_a_cheap_appointment():
    # Target 120 = the whole morning. Placing p1 keeps at most 90 minutes: 20 + 90 = 110 < 120 for none.
    doc = _morning(30, ("09:00", "11:00"), 120, {"assigned": 20, "continuity": 0})
    solution = solve_checked(doc, deterministic=True)
    assert solution["assignments"] == [] and solution["score"] == 120 and solution["status"] == "optimal"
    assert "protected case work" in solution["unassigned"][0]["reason"]
    # Worth 40 instead, placing wins: 40 + 90 = 130 > 120.
    doc["weights"]["assigned"] = 40
    solution = solve_checked(doc, deterministic=True)
    assert len(solution["assignments"]) == 1 and solution["score"] == 130
