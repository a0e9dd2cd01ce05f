"""The UHHC converter: the mapping on a hand-made instance, and every vendored instance converts into a
day the desk plans and the checker accept."""
from __future__ import annotations

import gzip
import json

import pytest

from scheduler.baselines import BASELINES
from scheduler.check import check_solution
from scheduler.cli import main
from scheduler.parse import parse_problem
from scheduler.uhhc import convert, read_instance, vendored


def tiny() -> dict:
    return {
        "metadata": {"name": "tiny", "horizon": 600, "time_window_met": "at_service_start"},
        "distances": [[0, 10, 20, 30], [10, 0, 12, 40], [20, 12, 0, 25], [30, 40, 25, 0]],
        "caregivers": [
            {"id": "c1", "abilities": ["s0", "s1"], "working_shift": {"start": 0, "end": 480}, "lunch_break": True},
            {"id": "c2", "abilities": ["s1"], "working_shift": {"start": 120, "end": 600}, "lunch_break": False},
        ],
        "patients": [
            {"id": "p0", "required_services": [{"service": "s0", "duration": 30}], "distance_matrix_index": 1,
             "time_windows": [{"start": 60, "end": 120}, {"start": 300, "end": 360}], "preferred_caregivers": ["c2", "c1"],
             "incompatible_caregivers": ["c1"], "optional": True},
            {"id": "p1", "required_services": [{"service": "s0", "duration": 45}, {"service": "s1", "duration": 30}],
             "distance_matrix_index": 2, "time_windows": [{"start": 90.00000000000001, "end": 210}],
             "synchronization": {"type": "simultaneous"}, "preferred_caregivers": ["c1", "c2"]},
            {"id": "p2", "required_services": [{"service": "s1", "duration": 60}, {"service": "s0", "duration": 15}],
             "distance_matrix_index": 3, "time_windows": [{"start": 0, "end": 540}], "synchronization": {"type": "independent"}},
        ],
        "services": [{"id": "s0", "type": "t0"}, {"id": "s1", "type": "t1"}],
        "lunch_breaks": {"start": 180, "end": 360, "min_duration": 30},
    }


def test_the_mapping():
    doc = convert(tiny())
    problem = parse_problem(doc)
    assert doc["horizon"] == {"start": "2026-11-23", "days": 1, "slot_minutes": 15, "timezone": "Europe/Rome",
                              "protected_block_minutes": 30}
    c1, c2 = doc["advisors"]
    assert c1["availability"] == [{"start": "2026-11-23T08:00", "end": "2026-11-23T16:00"}]
    assert c1["skills"] == ["s0", "s1"] and c1["roles"] == ["support"]
    assert (c1["protected_minutes"], c2["protected_minutes"]) == (30, 0)  # the lunch break
    clients = {c["id"]: c for c in doc["clients"]}
    # each further service is a companion client's (the second carer's visit)
    assert set(clients) == {"p0", "p1", "p1+2", "p2", "p2+2"}
    # the first preferred caregiver who has the ability: c2 lacks s0, so p0's named advisor is c1
    assert clients["p0"]["named_advisor"] == "c1"
    # p1's first service goes to c1, its second (s1) to the next preferred caregiver, c2
    assert (clients["p1"]["named_advisor"], clients["p1+2"]["named_advisor"]) == ("c1", "c2")
    assert clients["p2"]["named_advisor"] is None and clients["p2+2"]["named_advisor"] is None  # new clients
    assert [clients[c]["complexity"] for c in ("p0", "p1", "p1+2", "p2", "p2+2")] == [1, 3, 3, 2, 2]
    # c1 holds p0 and p1, c2 holds p1+2; the two new clients are shared out: room for one more each
    assert (c1["caseload"], c1["max_caseload"], c2["caseload"], c2["max_caseload"]) == (2, 3, 1, 2)
    appts = {a["id"]: a for a in doc["appointments"]}
    assert set(appts) == {"p0/s0", "p1/s0", "p1/s1", "p2/s1", "p2/s0"}
    # a window on the start becomes [start, end + duration]; two windows stay two
    assert appts["p0/s0"]["windows"] == [{"start": "2026-11-23T09:00", "end": "2026-11-23T10:30"},
                                         {"start": "2026-11-23T13:00", "end": "2026-11-23T14:30"}]
    assert appts["p1/s0"]["windows"] == [{"start": "2026-11-23T09:30", "end": "2026-11-23T12:15"}]
    assert appts["p1/s0"]["duration_minutes"] == 45 and appts["p1/s0"]["skill"] == "s0"
    assert (appts["p1/s0"]["client"], appts["p1/s1"]["client"]) == ("p1", "p1+2")
    assert doc["generator"]["dropped"] == {"incompatible_caregivers": 1, "synchronised_patients": 1,
                                           "optional_patients": 1}
    assert len(problem.appointments) == 5


def test_a_preferred_caregiver_without_the_ability_is_never_the_named_advisor():
    # UHHC draws a patient's preferred caregivers from those able to do any of its services: c2 (s1
    # only) is preferred by p0 (s0) and by p1 (s0, then s1)
    inst = tiny()
    inst["patients"][0]["preferred_caregivers"] = ["c2"]
    inst["patients"][1]["preferred_caregivers"] = ["c2"]
    clients = {c["id"]: c for c in convert(inst)["clients"]}
    assert clients["p0"]["named_advisor"] is None  # a new client, not c2 who can never see them
    # p1's s0 has no able preferred carer; c2 stays free for the companion's s1, which it can do
    assert (clients["p1"]["named_advisor"], clients["p1+2"]["named_advisor"]) == (None, "c2")


@pytest.mark.parametrize("path", vendored(), ids=lambda p: p.name)
def test_every_named_advisor_of_a_vendored_day_can_serve_the_client(path):
    doc = convert(read_instance(path))
    skills = {a["id"]: set(a["skills"]) for a in doc["advisors"]}
    unable = [c["id"] for c in doc["clients"] if c["named_advisor"] and c["need"] not in skills[c["named_advisor"]]]
    assert unable == []


def test_travel_as_a_buffer_lengthens_each_visit_by_the_median_travel_time():
    doc = convert(tiny(), travel="buffer")
    appts = {a["id"]: a for a in doc["appointments"]}
    # p0's travel to p1 and p2: 12 and 40 minutes, median 26 -> 30 on the 15-minute grid
    assert appts["p0/s0"]["duration_minutes"] == 30 + 30
    with pytest.raises(ValueError, match="travel"):
        convert(tiny(), travel="teleport")


def test_a_window_too_short_after_rounding_is_dropped_and_counted():
    inst = tiny()
    inst["patients"][0]["time_windows"] = [{"start": 7, "end": 8}, {"start": 300, "end": 360}]
    doc = convert(inst)
    assert doc["horizon"]["slot_minutes"] == 5  # 7 and 8 are on no coarser grid
    p0 = next(a for a in doc["appointments"] if a["client"] == "p0")
    # [7, 8 + 30] rounds inwards to [10, 35]: 25 minutes, too short for 30
    assert len(p0["windows"]) == 1 and doc["generator"]["dropped"]["windows_too_short"] == 1


@pytest.mark.parametrize("path", vendored(), ids=lambda p: p.name)
def test_every_vendored_instance_converts_into_a_valid_day(path):
    doc = convert(read_instance(path))
    problem = parse_problem(doc)
    assert problem.horizon.days == 1 and len(problem.advisors) >= 4
    assert sum(c.named_advisor is not None for c in problem.clients) >= 0.2 * len(problem.clients)
    for name in ("earliest", "named-first"):
        result = check_solution(problem, BASELINES[name](problem))
        assert result.ok, (name, result.violations[:3])


def test_eight_vendored_with_their_licence():
    files = vendored()
    assert len(files) == 8
    readme = (files[0].parent / "README.md").read_text()
    assert "CC BY 4.0" in readme and "10.1111/itor.70140" in readme
    for f in files:
        assert f.name in readme


def test_the_command_line(tmp_path, capsys):
    src = tmp_path / "tiny.json.gz"
    with gzip.open(src, "wt") as fh:
        json.dump(tiny(), fh)
    out = tmp_path / "day.json"
    assert main(["convert-uhhc", str(src), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["generator"]["instance"] == "tiny"
    bad = tmp_path / "bad.json"
    bad.write_text('{"caregivers": []}')
    assert main(["convert-uhhc", str(bad)]) == 2
    assert "not a UHHC instance" in capsys.readouterr().err
    assert main(["convert-uhhc", str(tmp_path / "missing.json")]) == 2
