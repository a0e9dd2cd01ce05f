"""Lists that scale: the clients and requests lists search, filter, sort and page in the database, the view is a
link (GET arguments), a bad argument means the default, and the row just added is highlighted on its page."""
from __future__ import annotations

import re

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Advisor, AppointmentRequest, AppointmentType, Client

ROW = re.compile(r'<tr id="(client|request)-(\d+)"')


def _ids(page: str) -> list[int]:
    return [int(i) for _, i in ROW.findall(page)]


def _pager(page: str) -> str:
    return re.search(r'<nav class="pager"[^>]*>\s*<span>([^<]*)', page).group(1)


def test_clients_are_searched_filtered_sorted_and_paged(leader, north):
    team, _ = north
    url = f"/rota/t/{team.id}/clients"
    everyone = list(db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.reference)))
    first = leader.get(url).data.decode()
    assert _ids(first) == [c.id for c in everyone[:50]] and _pager(first).startswith(f"1–50 of {len(everyone)} clients")
    third = leader.get(url + "?page=3").data.decode()
    assert _ids(third) == [c.id for c in everyone[100:150]]
    # Sorted by name, descending: the column head says so (aria-sort) and the order is the database's.
    by_name = leader.get(url + "?sort=name&desc=1").data.decode()
    names = [c.name for c in sorted(everyone, key=lambda c: (c.name, c.id), reverse=True)[:50]]
    shown = [db.session.get(Client, i).name for i in _ids(by_name)]
    assert shown == names and 'aria-sort="descending"' in by_name
    # Filters: a named advisor, "not allocated", need and complexity; the pager's links keep them.
    advisor = db.session.scalars(select(Advisor).where(Advisor.team_id == team.id)).first()
    mine = leader.get(url + f"?advisor={advisor.id}&complexity=2").data.decode()
    expected = [c.id for c in everyone if c.named_advisor_id == advisor.id and c.complexity == 2]
    assert _ids(mine) == expected
    none = leader.get(url + "?advisor=none").data.decode()
    assert _ids(none) == [c.id for c in everyone if c.named_advisor_id is None]
    found = leader.get(url + f"?q={everyone[7].name.split()[0].lower()}").data.decode()
    assert everyone[7].id in _ids(found) and all(
        everyone[7].name.split()[0].lower() in (db.session.get(Client, i).name + db.session.get(Client, i).reference).lower()
        for i in _ids(found))
    assert "next →" in first and f"{url}?page=2" in first
    paged = leader.get(url + "?sort=name&page=2").data.decode()
    assert re.search(r'href="[^"]*sort=name[^"]*page=3', paged) or re.search(r'href="[^"]*page=3[^"]*sort=name', paged)
    # A bad argument is the default, never an error; "%" is searched as text, not as a pattern.
    assert leader.get(url + "?page=x&sort=drop&advisor=abc&complexity=9&need=-1").status_code == 200
    assert "No clients match" in leader.get(url + "?q=%25").data.decode()


def test_requests_are_filtered_sorted_and_paged(leader, north):
    team, week = north
    url = f"/rota/t/{team.id}/{week}/requests"
    rows = list(db.session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == week).order_by(AppointmentRequest.id)))
    assert _ids(leader.get(url).data.decode()) == [r.id for r in rows[:50]]
    assert _ids(leader.get(url + "?page=4").data.decode()) == [r.id for r in rows[150:200]]
    policing = leader.get(url + "?kind=policing&sort=minutes&desc=1").data.decode()
    expected = sorted((r for r in rows if r.type.kind == "policing"), key=lambda r: (r.duration_minutes, r.id),
                      reverse=True)
    assert _ids(policing) == [r.id for r in expected][:50]
    kind = db.session.scalars(select(AppointmentType)).first()
    assert _ids(leader.get(url + f"?type={kind.id}&pinned=no").data.decode()) == [
        r.id for r in rows if r.type_id == kind.id and r.pinned_advisor_id is None][:50]


def test_the_client_and_request_just_added_are_highlighted_on_their_page(leader, north):
    team, week = north
    added = leader.post(f"/rota/t/{team.id}/clients/new", data={
        "reference": "ZZ999", "name": "Zed Last", "named_advisor": 0, "need": 0, "complexity": 1})
    client = db.session.scalar(select(Client).where(Client.reference == "ZZ999"))
    assert added.status_code == 302 and f"new={client.id}" in added.location and "page=4" in added.location
    assert added.location.endswith(f"#client-{client.id}")
    page = leader.get(added.location.split("#")[0]).data.decode()
    assert f'<tr id="client-{client.id}" class="just-added">' in page and "just added" in page
    kind = db.session.scalars(select(AppointmentType).where(AppointmentType.kind == "support")).first()
    made = leader.post(f"/rota/t/{team.id}/{week}/requests/new", data={
        "client": "ZZ999", "type": kind.id, "windows": "tue 09:00-12:00"})
    request = db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.client_id == client.id))
    assert made.status_code == 302 and f"new={request.id}" in made.location and "page=4" in made.location
    page = leader.get(made.location.split("#")[0]).data.decode()
    assert re.search(rf'<tr id="request-{request.id}" class="kind-support just-added">', page)
