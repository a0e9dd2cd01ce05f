"""Series offers (`repeat`): one advisor, the same weekday and local time wherever it is free."""
from __future__ import annotations

from scheduler import offers
from scheduler.booking import check_offers


def _weeks(start: str = "2026-11-23", days: int = 29, mondays=("2026-11-23", "2026-11-30", "2026-12-07",
                                                                 "2026-12-14", "2026-12-21")) -> dict:
    advisors = [{"id": "a0", "name": "Asha", "skills": ["debt"], "roles": ["support"], "protected_minutes": 60,
                 "availability": [{"start": f"{d}T09:00", "end": f"{d}T12:00"} for d in mondays]},
                {"id": "a1", "name": "Ben", "skills": ["debt"], "roles": ["support"],
                 "availability": [{"start": f"{d}T09:00", "end": f"{d}T17:00"} for d in mondays]}]
    clients = [{"id": "c0", "named_advisor": "a0", "need": "debt", "complexity": 2},
               {"id": "c1", "named_advisor": "a1", "need": "debt"}]
    return {"format": "caseload-problem/1",
            "horizon": {"start": start, "days": days, "slot_minutes": 15, "timezone": "Europe/London"},
            "advisors": advisors, "clients": clients, "appointments": []}


def _plan(assignments=(), protected=()) -> dict:
    return {"format": "caseload-solution/1", "status": "feasible", "assignments": list(assignments),
            "unassigned": [], "allocations": [], "protected": list(protected)}


def _request(problem: dict, plan: dict, first_day: str = "2026-11-23", every: int = 7, count: int = 3, **extra) -> dict:
    request = {"id": "s", "client": "c0", "kind": "support", "skill": "debt", "duration_minutes": 60,
               "windows": [{"start": f"{first_day}T09:00", "end": f"{first_day}T17:00"}],
               "repeat": {"every_days": every, "count": count}}
    return {"format": "caseload-offer-request/1", "problem": problem, "plan": plan, "request": request, **extra}


def test_a_free_series_keeps_one_advisor_and_the_same_time():
    request = _request(_weeks(), _plan(), count=4)
    answer = offers(request)
    assert check_offers(request, answer) == []
    top = answer["offers"][0]
    assert top["advisor"] == "a0"  # the named advisor, every week
    assert [i["start"] for i in top["instances"]] == ["2026-11-23T09:00", "2026-11-30T09:00", "2026-12-07T09:00",
                                                      "2026-12-14T09:00"]
    assert [i["appointment"] for i in top["instances"]] == ["s/1", "s/2", "s/3", "s/4"]
    # assigned and continuity (complexity 2) four times, and a0's protected hour, not kept in the plan, seated
    assert top["score_delta"] == 4 * (10000 + 200) + 60 and top["reseated"] == ["a0"]
    assert "the same weekday and time for all 4 instances" in top["reasons"]


def test_an_instance_whose_time_is_taken_gets_the_nearest_free_start_that_day():
    problem = _weeks()
    problem["appointments"] = [{"id": "p0", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 30,
                                "windows": [{"start": "2026-11-30T09:00", "end": "2026-11-30T12:00"}]}]
    plan = _plan([{"appointment": "p0", "advisor": "a0", "start": "2026-11-30T09:15"}])
    request = _request(problem, plan)
    answer = offers(request)
    assert check_offers(request, answer) == []
    mine = [o for o in answer["offers"] if o["advisor"] == "a0"]
    assert mine, answer
    # the usual 09:00 on the 30th overlaps p0 (09:15-09:45): 09:45 is the nearest free start that day
    assert [i["start"] for i in mine[0]["instances"]] == ["2026-11-23T09:00", "2026-11-30T09:45", "2026-12-07T09:00"]
    assert "instance 2 at another time (the usual time is taken)" in mine[0]["reasons"]


def test_a_series_across_the_clock_change_keeps_local_time():
    # UK clocks go back on Sunday 25 October 2026: Mondays 19 and 26 October and 2 November at 10:00 local.
    mondays = ("2026-10-19", "2026-10-26", "2026-11-02")
    problem = _weeks(start="2026-10-19", days=15, mondays=mondays)
    request = _request(problem, _plan(), first_day="2026-10-19")
    request["request"]["windows"] = [{"start": "2026-10-19T10:00", "end": "2026-10-19T11:00"}]
    answer = offers(request)
    assert check_offers(request, answer) == []
    assert [i["start"] for i in answer["offers"][0]["instances"]] == ["2026-10-19T10:00", "2026-10-26T10:00",
                                                                      "2026-11-02T10:00"]


def test_one_offer_per_advisor_and_first_day():
    request = {**_request(_weeks(), _plan()), "count": 10}
    answer = offers(request)
    days = [(o["advisor"], o["start"][:10]) for o in answer["offers"]]
    assert len(days) == len(set(days)) == 2  # both advisors work only on the first Monday of the request's window


def test_a_series_nobody_can_take_whole_is_unplaceable():
    problem = _weeks()
    problem["advisors"][1]["skills"] = ["housing"]
    problem["advisors"][0]["availability"] = [a for a in problem["advisors"][0]["availability"]
                                              if not a["start"].startswith("2026-12-07")]
    request = _request(problem, _plan())
    answer = offers(request)
    assert answer["offers"] == []
    assert answer["unplaceable"]["code"] == "no_time" and answer["unplaceable"]["reason"].startswith("instance 3 (2026-12-07)")
