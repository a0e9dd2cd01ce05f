"""The weights page warns when the weights make re-planning prefer moving promised times for continuity: the
continuity weight × a client's complexity (1-3) outweighs the disruption weight for moving a published time. (A
tester raised continuity 100 -> 300 and a re-plan moved times an absence had not touched.)"""
from __future__ import annotations

from caseload.services.planning.weights import active_profile, moves_promised, save_weights


def test_the_sentence_names_the_lowest_complexity_whose_continuity_outweighs_disruption():
    assert moves_promised({"continuity": 300, "disruption": 200}).startswith(
        "With these weights a re-plan may move times already promised to any client")
    assert "clients of complexity 2 or more" in moves_promised({"continuity": 150, "disruption": 200})
    # The defaults: 100 × 3 = 300 outweighs 200 for the most complex clients only.
    assert "clients of complexity 3 so" in moves_promised({})
    assert "100 × complexity 3 = 300 outweighs disruption 200" in moves_promised({})
    assert moves_promised({"continuity": 100, "disruption": 300}) is None  # 300 is not more than 300


def test_the_weights_page_says_so_only_while_the_weights_do(demo_client, demo_auth):
    demo_auth.login("admin")
    profile = active_profile()
    save_weights(profile, {**profile.as_weights(), "continuity": 300}, None, None)
    page = demo_client.get("/admin/weights").get_data(as_text=True)
    assert "Promised times may be moved for continuity." in page and "promised to any client" in page
    save_weights(profile, {**profile.as_weights(), "continuity": 100, "disruption": 400}, None, None)
    assert "Promised times may be moved" not in demo_client.get("/admin/weights").get_data(as_text=True)
