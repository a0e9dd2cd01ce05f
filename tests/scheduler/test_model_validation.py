"""Reading the problem document: typed objects in slots, and every bad field named."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from scheduler import ProblemError, load_problem, parse_problem
from scheduler.model import UNLIMITED_CASELOAD, Advisor, Interval, Placement


def errors_of(doc) -> list[str]:
    with pytest.raises(ProblemError) as info:
        parse_problem(doc)
    return info.value.errors


def test_valid_document_reads_into_slots(problem_doc):
    p = parse_problem(problem_doc)
    h = p.horizon
    assert (h.start, h.days, h.slot_minutes, h.slots_per_day) == (date(2026, 11, 23), 2, 15, 96)
    assert h.to_slot("2026-11-23T09:00") == 36
    assert h.to_slot("2026-11-24T10:00") == 96 + 40
    assert h.to_text(96 + 40) == "2026-11-24T10:00"
    a1 = p.advisor_by_id["a1"]
    assert a1.availability[0] == Interval(36, 50)
    assert a1.skills == frozenset({"debt", "housing"}) and a1.roles == frozenset({"support"})
    assert p.appointment_by_id["p1"].duration == 3
    assert p.appointment_by_id["p4"].pinned == Placement("a1", 136)
    assert p.previous == {"p1": Placement("a1", 36)}
    assert p.client_by_id["c1"].history[1].advisor == "a2"


def test_touching_or_overlapping_availability_counts_as_one_interval(make_problem):
    """Contract, round 2: a working day split at 13:00 (or written with overlapping spans) is one interval."""
    doc = make_problem()
    doc["advisors"][0]["availability"] = [{"start": "2026-11-23T13:00", "end": "2026-11-23T17:00"},
                                          {"start": "2026-11-23T09:00", "end": "2026-11-23T13:00"},
                                          {"start": "2026-11-24T09:00", "end": "2026-11-24T12:30"},
                                          {"start": "2026-11-24T12:00", "end": "2026-11-24T15:00"},
                                          {"start": "2026-11-24T16:00", "end": "2026-11-24T17:00"}]
    a1 = parse_problem(doc).advisor_by_id["a1"]
    assert a1.availability == (Interval(36, 68), Interval(96 + 36, 96 + 60), Interval(96 + 64, 96 + 68))


def test_caseload_defaults_to_clients_naming_the_advisor(make_problem):
    doc = make_problem()
    doc["clients"].append({"id": "c4", "named_advisor": "a1", "need": "debt"})
    doc["advisors"][1]["caseload"] = 30
    p = parse_problem(doc)
    assert p.advisor_by_id["a1"].caseload == 2
    assert p.advisor_by_id["a2"].caseload == 30
    assert p.advisor_by_id["a3"].caseload == 0
    assert p.client_by_id["c4"].complexity == 1


def test_spare_caseload_is_the_room_left_never_negative_and_unlimited_without_a_maximum():
    advisor = Advisor("a", "A", frozenset(), frozenset({"support"}), (), caseload=30, max_caseload=33)
    assert advisor.spare_caseload() == 3
    assert replace(advisor, caseload=35).spare_caseload() == 0  # over the maximum already: no room
    assert replace(advisor, max_caseload=None).spare_caseload() == UNLIMITED_CASELOAD


def test_partial_or_absent_weights_take_the_defaults(make_problem):
    p = parse_problem(make_problem(weights={"continuity": 300}))
    assert (p.weights.assigned, p.weights.continuity, p.weights.separation) == (10000, 300, 500)
    doc = make_problem()
    del doc["weights"]
    assert parse_problem(doc).weights.disruption == 200


def test_off_grid_conversion_raises(problem_doc):
    p = parse_problem(problem_doc)
    with pytest.raises(ValueError, match="grid"):
        p.horizon.to_slot("2026-11-23T09:10")


def _set(path: str, value):
    """A mutation setting doc[path] (dotted, with list indexes) to value; DELETE removes it."""
    def mutate(doc):
        keys = [int(k) if k.isdigit() else k for k in path.split(".")]
        target = doc
        for key in keys[:-1]:
            target = target[key]
        if value is DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return mutate


DELETE = object()

# (mutation, field path the error must name, words the message must contain)
BAD_FIELDS = [
    (_set("format", "caseload-problem/2"), "format", "caseload-problem/1"),
    (_set("horizon.start", "23/11/2026"), "horizon.start", "not a date"),
    (_set("horizon.days", 0), "horizon.days", "at least 1"),
    (_set("horizon.slot_minutes", 7), "horizon.slot_minutes", "does not divide"),
    (_set("horizon.timezone", "Mars/Olympus"), "horizon.timezone", "not a known time zone"),
    (_set("weights.continuity", -5), "weights.continuity", "at least 0"),
    (_set("weights.protected", 1.5), "weights.protected", "not a whole number"),
    (_set("advisors.1.id", "a1"), "advisors[1].id", "duplicate advisor id 'a1'"),
    (_set("advisors.0.roles", ["support", "boss"]), "advisors[0].roles", "each role must be one of"),
    (_set("advisors.0.skills", "debt"), "advisors[0].skills", "list of strings"),
    (_set("advisors.0.protected_minutes", -60), "advisors[0].protected_minutes", "at least 0"),
    (_set("advisors.0.max_appointments_per_day", -1), "advisors[0].max_appointments_per_day", "at least 0"),
    (_set("advisors.0.max_caseload", -2), "advisors[0].max_caseload", "at least 0"),
    (_set("advisors.0.caseload", -1), "advisors[0].caseload", "at least 0"),
    (_set("advisors.0.availability.0.start", "2026-11-23T09:05"), "advisors[0].availability[0].start",
     "not on the 15-minute slot grid"),
    (_set("advisors.0.availability.0.end", "2026-11-23T08:00"), "advisors[0].availability[0]", "is empty"),
    (_set("advisors.0.availability.0", {"start": "2026-11-25T09:00", "end": "2026-11-25T12:00"}),
     "advisors[0].availability[0]", "outside the horizon"),
    (_set("clients.1.id", "c1"), "clients[1].id", "duplicate client id 'c1'"),
    (_set("clients.0.named_advisor", "a9"), "clients[0].named_advisor", "unknown advisor 'a9'"),
    (_set("clients.0.complexity", 4), "clients[0].complexity", "must be 1, 2 or 3"),
    (_set("clients.0.complexity", 0), "clients[0].complexity", "must be 1, 2 or 3"),
    (_set("clients.0.history.0.date", "yesterday"), "clients[0].history[0].date", "not a date"),
    (_set("appointments.1.id", "p1"), "appointments[1].id", "duplicate appointment id 'p1'"),
    (_set("appointments.0.client", "c9"), "appointments[0].client", "unknown client 'c9'"),
    (_set("appointments.0.kind", "review"), "appointments[0].kind", "must be one of support, policing"),
    (_set("appointments.0.skill", ""), "appointments[0].skill", "non-empty string"),
    (_set("appointments.0.duration_minutes", 50), "appointments[0].duration_minutes",
     "50 is not a multiple of slot_minutes (15)"),
    (_set("appointments.0.duration_minutes", 0), "appointments[0].duration_minutes", "not a positive whole number"),
    (_set("appointments.0.duration_minutes", -15), "appointments[0].duration_minutes", "not a positive whole number"),
    (_set("appointments.0.windows", []), "appointments[0].windows", "at least one window"),
    (_set("appointments.0.windows.0.start", "2026-11-23T09:20"), "appointments[0].windows[0].start", "grid"),
    (_set("appointments.0.windows.0.end", "2026-11-25T17:00"), "appointments[0].windows[0]", "outside the horizon"),
    (_set("appointments.0.windows.0.start", "2026-11-22T09:00"), "appointments[0].windows[0]", "outside the horizon"),
    (_set("appointments.0.windows.0", {"start": "2026-11-23T10:00", "end": "2026-11-23T10:00"}),
     "appointments[0].windows[0]", "is empty"),
    (_set("appointments.0.windows.0", {"start": "2026-11-23T10:00", "end": "2026-11-23T10:30"}),
     "appointments[0].windows[0]", "shorter than the appointment (45 minutes)"),
    (_set("appointments.3.pinned.advisor", "a9"), "appointments[3].pinned.advisor", "unknown advisor 'a9'"),
    (_set("appointments.3.pinned.advisor", "a3"), "appointments[3].pinned.advisor", "does not have the support role"),
    (_set("appointments.3.pinned.advisor", "a2"), "appointments[3].pinned.start", "outside a2's availability"),
    (_set("appointments.3.pinned.start", "2026-11-24T10:05"), "appointments[3].pinned.start", "grid"),
    (_set("appointments.3.pinned.start", "2026-11-24T13:00"), "appointments[3].pinned.start",
     "does not fit inside any of the appointment's windows"),
    (_set("advisors.0.max_appointments_per_day", 0), "appointments[3].pinned.advisor", "takes no appointments"),
    (_set("previous", [{"appointment": "p1", "advisor": "a1", "start": "2026-11-23T09:00"}] * 2),
     "previous[1].appointment", "listed more than once"),
    (_set("previous.0.appointment", "p9"), "previous[0].appointment", "unknown appointment 'p9'"),
    (_set("previous.0.advisor", "a9"), "previous[0].advisor", "unknown advisor 'a9'"),
    (_set("previous.0.start", "2026-11-23T09:01"), "previous[0].start", "grid"),
]


@pytest.mark.parametrize("mutate, path, words", BAD_FIELDS, ids=[f"{i}-{row[1]}" for i, row in enumerate(BAD_FIELDS)])
def test_each_bad_field_is_named(make_problem, mutate, path, words):
    doc = make_problem()
    mutate(doc)
    found = errors_of(doc)
    assert any(e.startswith(f"{path}:") and words in e for e in found), found


def test_pin_lacking_the_skill_is_named(make_problem):
    doc = make_problem()
    doc["appointments"][3]["skill"] = "housing"
    doc["clients"][0]["need"] = "housing"
    doc["appointments"][3]["pinned"] = {"advisor": "a2", "start": "2026-11-23T10:00"}
    doc["appointments"][3]["windows"] = [{"start": "2026-11-23T09:00", "end": "2026-11-23T12:00"}]
    found = errors_of(doc)
    assert any(e.startswith("appointments[3].pinned.advisor:") and "skill housing" in e for e in found), found


def test_every_error_is_collected_not_just_the_first(make_problem):
    doc = make_problem()
    doc["appointments"][0]["duration_minutes"] = 50
    doc["clients"][1]["complexity"] = 9
    doc["advisors"][2]["protected_minutes"] = -1
    found = errors_of(doc)
    assert len(found) >= 3
    text = str(ProblemError(found))
    for path in ("appointments[0].duration_minutes", "clients[1].complexity", "advisors[2].protected_minutes"):
        assert path in text


def test_not_an_object_is_rejected():
    assert errors_of([1, 2]) == ["problem: must be a JSON object"]


def test_load_problem_reports_bad_paths_and_bad_json(tmp_path, problem_doc):
    with pytest.raises(ProblemError, match="no such problem file"):
        load_problem(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ProblemError, match="not valid JSON"):
        load_problem(broken)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(problem_doc))
    assert len(load_problem(good).appointments) == 4


def test_problem_error_is_a_value_error():
    assert issubclass(ProblemError, ValueError)


def test_duration_message_is_exactly_the_contracts(make_problem):
    doc = make_problem()
    doc["appointments"][2]["duration_minutes"] = 50
    assert errors_of(doc) == ["appointments[2].duration_minutes: 50 is not a multiple of slot_minutes (15)"]


def test_weights_partial_keep_the_rest_and_a_negative_one_is_refused_alone(make_problem):
    doc = make_problem(weights={"separation": 0, "disruption": -1})
    assert errors_of(doc) == ["weights.disruption: -1 must be at least 0"]
    p = parse_problem(make_problem(weights={"separation": 0}))
    assert (p.weights.assigned, p.weights.continuity, p.weights.protected, p.weights.separation,
            p.weights.disruption) == (10000, 100, 1, 0, 200)


def test_errors_in_different_sections_are_all_reported_with_their_fields(make_problem):
    doc = make_problem()
    doc["advisors"][1]["availability"][0]["start"] = "2026-11-23T09:07"
    doc["clients"][2]["named_advisor"] = "zz"
    doc["appointments"][1]["windows"] = [{"start": "2026-11-23T12:00", "end": "2026-11-23T11:00"}]
    doc["appointments"][3]["pinned"]["start"] = "2026-11-24T08:00"  # before a1 starts and outside p4's window
    doc["previous"][0]["advisor"] = "nobody"
    found = errors_of(doc)
    for path in ("advisors[1].availability[0].start", "clients[2].named_advisor", "appointments[1].windows[0]",
                 "appointments[3].pinned.start", "previous[0].advisor"):
        assert any(e.startswith(path + ":") for e in found), (path, found)
    pin = [e for e in found if e.startswith("appointments[3].pinned.start:")]
    assert any("windows" in e for e in pin) and any("availability" in e for e in pin)
