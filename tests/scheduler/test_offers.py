"""Offers (caseload-offers/1): properties on small weeks against the checker and a brute force."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offer_weeks import at, brute_force, request_for, small_week
from scheduler import offers
from scheduler.booking import Desk, check_offers
from scheduler.explain import CODES

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=60, **SETTINGS)
@given(st.randoms(use_true_random=False))
def test_without_moves_the_top_offer_is_the_best_single_placement(rng):
    request = request_for(small_week(rng), rng)
    answer = offers(request)
    assert check_offers(request, answer) == []  # each offer applied passes the checker; deltas are the checker's
    best = brute_force(request)
    if not best:
        assert answer["offers"] == [] and answer["unplaceable"]["code"] in CODES
        assert answer["unplaceable"]["code"] != "traded" and answer["unplaceable"]["reason"]
        return
    assert answer["unplaceable"] is None
    assert answer["offers"][0]["score_delta"] == max(best.values())
    # at most one offer per advisor-day, each the best there; fewer than count only when fewer exist
    days = [(o["advisor"], o["start"][:10]) for o in answer["offers"]]
    assert len(days) == len(set(days)) == min(request["count"], len(best))
    assert all(o["score_delta"] == best[(o["advisor"], o["start"][:10])] for o in answer["offers"])
    ranked = sorted(best.values(), reverse=True)[:len(answer["offers"])]
    assert [o["score_delta"] for o in answer["offers"]] == ranked


@settings(max_examples=40, **SETTINGS)
@given(st.randoms(use_true_random=False))
def test_offers_with_moves_are_valid_and_beat_the_best_offer_without(rng):
    doc = small_week(rng)
    request = request_for(doc, rng, max_moves=rng.randint(1, 3), count=4)
    answer = offers(request)
    assert check_offers(request, answer) == []
    plain = offers({**request, "max_moves": 0})
    best_plain = plain["offers"][0]["score_delta"] if plain["offers"] else None
    for offer in answer["offers"]:
        assert len(offer["moves"]) <= request["max_moves"]
        if offer["moves"]:
            assert best_plain is None or offer["score_delta"] > best_plain
    if plain["offers"]:  # moves never make the answer worse
        assert answer["offers"][0]["score_delta"] >= best_plain


def _full_named_advisor() -> dict:
    """a0 (the client's named advisor) is fully booked on Monday morning by c1, whom a1 could see as well."""
    advisors = [{"id": "a0", "name": "Asha", "skills": ["debt"], "roles": ["support"],
                 "availability": [{"start": at(0, 540), "end": at(0, 600)}]},
                {"id": "a1", "name": "Ben", "skills": ["debt"], "roles": ["support"],
                 "availability": [{"start": at(0, 540), "end": at(0, 720)}]}]
    clients = [{"id": "c0", "named_advisor": "a0", "need": "debt", "complexity": 3},
               {"id": "c1", "named_advisor": "a1", "need": "debt", "complexity": 1}]
    appointments = [{"id": "p0", "client": "c1", "kind": "support", "skill": "debt", "duration_minutes": 60,
                     "windows": [{"start": at(0, 540), "end": at(0, 720)}]}]
    doc = {"format": "caseload-problem/1",
           "horizon": {"start": "2026-11-23", "days": 2, "slot_minutes": 15, "timezone": "Europe/London"},
           "advisors": advisors, "clients": clients, "appointments": appointments}
    plan = {"format": "caseload-solution/1", "status": "feasible", "allocations": [], "protected": [],
            "assignments": [{"appointment": "p0", "advisor": "a0", "start": at(0, 540)}], "unassigned": []}
    request = {"id": "new", "client": "c0", "kind": "support", "skill": "debt", "duration_minutes": 60,
               "windows": [{"start": at(0, 540), "end": at(0, 720)}]}
    return {"format": "caseload-offer-request/1", "problem": doc, "plan": plan, "request": request, "count": 3}


def test_a_move_brings_the_client_to_their_named_advisor():
    request = _full_named_advisor()
    plain = offers({**request, "max_moves": 0})
    assert [o["advisor"] for o in plain["offers"]] == ["a1"]
    moved = offers({**request, "max_moves": 1})
    assert check_offers({**request, "max_moves": 1}, moved) == []
    top = moved["offers"][0]
    assert top["advisor"] == "a0" and top["start"] == at(0, 540)
    (move,) = top["moves"]
    assert move["appointment"] == "p0" and move["advisor"] == "a1" and move["from"] == {"advisor": "a0",
                                                                                         "start": at(0, 540)}
    # +assigned +3 x continuity for c0, and p0 gains its own continuity with a1 too
    assert top["score_delta"] == plain["offers"][0]["score_delta"] + 300 + 100
    assert top["score_delta"] > plain["offers"][0]["score_delta"]
    assert "moves 1 appointment to make room" in top["reasons"]


def test_a_pinned_appointment_never_moves():
    request = _full_named_advisor()
    request["problem"]["appointments"][0]["pinned"] = {"advisor": "a0", "start": at(0, 540)}
    moved = offers({**request, "max_moves": 3})
    assert all(not o["moves"] for o in moved["offers"]) and moved["offers"][0]["advisor"] == "a1"


def test_nowhere_to_go_is_unplaceable_with_a_code():
    request = _full_named_advisor()
    request["request"]["skill"] = "housing"
    answer = offers(request)
    assert answer["offers"] == []
    assert answer["unplaceable"] == {"code": "no_skill", "reason": "no advisor has the housing skill and the support role"}
    request = _full_named_advisor()
    request["problem"]["advisors"][1]["availability"] = [{"start": at(0, 540), "end": at(0, 600)}]
    request["plan"]["assignments"].append({"appointment": "p1", "advisor": "a1", "start": at(0, 540)})
    request["problem"]["appointments"].append({**request["problem"]["appointments"][0], "id": "p1", "client": "c0",
                                              "duration_minutes": 60})
    answer = offers(request)
    assert answer["unplaceable"]["code"] == "advisors_full" and answer["offers"] == []
    assert check_offers(request, answer) == []


def test_protected_time_is_reseated_when_the_offer_takes_its_place():
    request = _full_named_advisor()
    request["problem"]["advisors"][1]["protected_minutes"] = 60
    request["plan"]["protected"] = [{"advisor": "a1", "start": at(0, 540), "end": at(0, 600)}]
    request["request"]["windows"] = [{"start": at(0, 540), "end": at(0, 600)}]
    answer = offers(request)
    (offer,) = answer["offers"]
    assert offer["advisor"] == "a1" and offer["start"] == at(0, 540)
    assert offer["reseated"] == ["a1"] and offer["protected"] == [{"advisor": "a1", "start": at(0, 600),
                                                                    "end": at(0, 660)}]
    assert offer["score_delta"] == 10000  # default weights: assigned; the hour is kept elsewhere
    assert check_offers(request, answer) == []


def test_the_warm_desk_answers_as_the_cold_call_and_books():
    rng = random.Random(7)
    doc = small_week(rng)
    request = request_for(doc, rng, count=3)
    desk = Desk(request["problem"], request["plan"])
    assert desk.offers(request["request"], 3) == offers({**request, "count": 3})
    answer = desk.offers(request["request"], 3)
    if answer["offers"]:
        desk.book(request["request"], answer["offers"][0])
        booked = desk.plan_document()
        assert any(row["appointment"] == "new" for row in booked["assignments"])
        from scheduler.check import check_solution
        assert check_solution({**doc, "appointments": doc["appointments"] + [request["request"]]}, booked).ok
