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
