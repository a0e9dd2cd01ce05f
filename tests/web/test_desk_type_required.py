"""The booking desk asks for an appointment type instead of opening on the first one: a booking made
without choosing would silently be whatever type sorts first. Every way in names the field."""
from __future__ import annotations

import re
from datetime import timedelta

from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient


def _type_select(page: str) -> str:
    return re.search(r'<select[^>]*name="type".*?</select>', page, re.S).group(0)


def test_the_form_opens_on_choose_a_type(demo_client, demo_auth):
    demo_auth.login("leader")
    page = demo_client.get(f"/desk/clients/{m.client_of('advisor1').id}").get_data(as_text=True)
    select = _type_select(page)
    assert re.search(r'<option selected value="">— choose a type —</option>', select), select[:300]
    assert "required" in select.split(">")[0]  # the browser asks too, before sending
    assert select.count(" selected") == 1


def test_no_type_chosen_is_a_named_error_and_books_nothing(demo_client, demo_auth):
    d.publish_week()
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    count = d.request_count()
    for value in ("", "nonsense", "999999"):
        ask = {**d.form(), "type": value}
        for answer in (demo_client.get(f"/desk/clients/{client.id}/offers", query_string=ask),
                       demo_client.post(f"/desk/clients/{client.id}/book",
                                        data={**ask, "advisor": str(m.user("advisor1").advisor.id),
                                              "start": f"{d.week()}T10:00"})):
            text = answer.get_data(as_text=True)
            assert answer.status_code == 400, (value, text[:300])
            assert "Appointment type: Choose an appointment type." in text, (value, text[:3000])
            assert "could not coerce" not in text and "Not a valid choice" not in text
            # What was typed is kept; the list asks again.
            assert "mon 09:00-17:00" in text
    assert d.request_count() == count


def test_the_api_requires_a_type_and_names_it(demo_client):
    d.publish_week()
    leader = ApiClient(demo_client, "leader")
    week = d.week()
    body = {"client_id": m.client_of("advisor1").id, "week": week.isoformat(),
            "windows": [{"start": f"{week + timedelta(days=k)}T09:00", "end": f"{week + timedelta(days=k)}T17:00"}
                        for k in range(5)]}
    for ask in (body, {**body, "type": ""}, {**body, "type": None}):
        answer = leader.post("/teams/{team_id}/offers", team_id=m.team("north").id, json=ask)
        assert answer.status_code in (400, 422) and "type" in answer.get_json()["fields"], answer.get_json()
