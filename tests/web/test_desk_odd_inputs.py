"""Odd input at the booking desk, as a careless or hostile user types it: refused naming the field, the form
kept as it was filled in, nothing booked, never a 500."""
from __future__ import annotations

from datetime import timedelta

from tests.web import access_matrix as m
from tests.web import desk_support as d

HUGE = "99999999999999999999"  # more than any date arithmetic can hold


def test_a_series_of_a_huge_count_is_refused_naming_how_many_times(demo_client, demo_auth):
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    ask = d.form(week_start=d.next_week(), windows="tue 09:00-17:00", repeat="1", count=HUGE)
    page = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=ask)
    text = page.get_data(as_text=True)
    assert page.status_code == 400, text[:2000]
    assert "How many times in all (a series): " in text and "run past a year" in text
    assert HUGE in text  # the form shows what was typed
    count = d.request_count()
    booked = demo_client.post(f"/desk/clients/{client.id}/book",
                              data={**ask, "advisor": str(client.named_advisor_id), "start": f"{d.next_week() + timedelta(days=1)}T09:00"})
    assert booked.status_code == 400, booked.get_data(as_text=True)[:2000]
    assert "run past a year" in booked.get_data(as_text=True)
    assert d.request_count() == count


def test_a_series_start_not_as_offered_names_starts(demo_client):
    """A later instance's start changed by hand is refused naming `starts` (where it came from), not `start`."""
    client = m.client_of("advisor1")
    week = d.next_week()
    wednesday = (week + timedelta(days=2)).isoformat()
    body = {"client_id": client.id, "type": "follow-up", "week": week.isoformat(),
            "windows": [{"start": f"{wednesday}T09:00", "end": f"{wednesday}T17:00"}],
            "repeat": {"every_weeks": 1, "count": 3}}
    headers = m.issue_token("leader")
    offer = demo_client.post(f"/api/v1/teams/{client.team_id}/offers", json=body, headers=headers).get_json()["offers"][0]
    starts = [i["start"] for i in offer["instances"]]
    starts[1] = starts[1][:11] + "03:00"  # outside the client's times that week
    count = d.request_count()
    answer = demo_client.post("/api/v1/bookings", headers={**headers, "Idempotency-Key": "odd-series-1"},
                              json={**body, "advisor_id": offer["advisor_id"], "start": starts[0], "starts": starts})
    assert answer.status_code == 422, answer.get_data(as_text=True)[:2000]
    fields = answer.get_json()["fields"]
    assert list(fields) == ["starts"] and fields["starts"][0].startswith("appointment 2: ")
    assert d.request_count() == count
