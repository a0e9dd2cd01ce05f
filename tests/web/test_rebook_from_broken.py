"""Rebooking from the list of appointments an absence breaks returns to that list (not the client's page) and says
what was rebooked, from where to where."""
from __future__ import annotations

import re

from caseload.localtime import to_local
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.test_desk_absences import _a_placed_item


def test_a_rebook_from_the_broken_list_goes_back_to_it(demo_client, demo_auth):
    plan = d.publish_week()
    item = _a_placed_item(plan)
    advisor, client = item.advisor, item.request.client
    was = to_local(item.starts_at, "Europe/London")
    north = m.team("north")
    demo_auth.login("leader")
    broken = demo_client.post(f"/rota/t/{north.id}/{d.week().isoformat()}/absences", data={
        "advisor": advisor.id, "start_day": was.date().isoformat(), "end_day": was.date().isoformat(),
        "reason": "sick"}).headers["Location"]
    page = demo_client.get(broken).get_data(as_text=True)
    link = re.search(r'<a href="([^"]*)">Rebook ' + client.reference, page).group(1).replace("&amp;", "&")
    assert "back=broken" in link
    offers = demo_client.get(link).get_data(as_text=True)
    assert f'href="{broken}">Back to the appointments broken by absences' in offers
    form = re.search(r'<form method="post" action="/desk/clients/\d+/book">(.*?)</form>', offers, re.S).group(1)
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.replace("&amp;", "&").replace("&#39;", "'")))
    assert data["back"] == "broken"
    answer = demo_client.post(f"/desk/clients/{client.id}/book", data=data)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(broken)
    after = demo_client.get(broken).get_data(as_text=True).replace("&#39;", "'")
    flash = re.search(r'class="flash flash-success"[^>]*>(.*?)<', after, re.S).group(1)
    assert f"Rebooked: {client.reference} (was {was:%a %d %b %H:%M} with {advisor.name}) with " in flash
    assert f"Rebook {client.reference}" not in after
