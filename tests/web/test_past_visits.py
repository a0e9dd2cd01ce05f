"""A client's past visits are shown behind the continuity figures: the desk's and the advisor's client pages
listed only past appointments, so a client with four attended contacts on record (history brought in with the
client) read "attended: 4" above "No past appointments." Each visit now shows its date, advisor and attendance;
past appointments keep their own attendance (a DNA is no contact) and their Record form."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import Client, Contact
from caseload.services.desk import attendance
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _clients_with_history() -> list[Client]:
    """advisor1's clients with at least two contacts on record (the demo seeds 1 to 5 each), by id."""
    advisor = m.user("advisor1").advisor
    counts = func.count(Contact.id)
    ids = db.session.scalars(select(Client.id).join(Contact).where(Client.named_advisor_id == advisor.id)
                             .group_by(Client.id).having(counts >= 2).order_by(Client.id))
    return [db.session.get(Client, i) for i in ids]


def _rows(page: str, table: str) -> list[str]:
    body = re.search(table, page, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _contacts(client: Client) -> list[tuple[str, str]]:
    """(local time, advisor's name) of each of the client's contacts, newest first."""
    contacts = db.session.scalars(select(Contact).where(Contact.client_id == client.id)
                                  .order_by(Contact.occurred_at.desc()))
    return [(f"{to_local(c.occurred_at, client.team.timezone):%a %d %b %Y %H:%M}", c.advisor.name) for c in contacts]


def test_the_desk_and_my_client_page_list_the_visits_behind_the_counts(demo_client, demo_auth):
    client = _clients_with_history()[0]
    expected = _contacts(client)
    demo_auth.login("leader")
    desk = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
    assert f"attended: {len(expected)}" in desk and "No past appointments." not in desk
    rows = _rows(desk, r'<table id="past">.*?<tbody>(.*?)</tbody>')
    assert rows == [f"{when} {name} Support contact (client history) attended" for when, name in expected]
    demo_auth.logout()
    demo_auth.login("advisor1")
    mine = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    assert "No past appointments." not in mine
    items = _rows(mine.replace("<li>", "<tr>").replace("</li>", "</tr>"), r'<ul class="past-appointments">(.*?)</ul>')
    assert items == [f"{when} with {name} · Support contact (client history) · attended" for when, name in expected]


def test_past_appointments_and_history_together_with_attendance(demo_app):
    """A booked appointment that has passed sits among the history by date with its own attendance: DNA shows
    as such (and adds no contact); attended shows once, not as an appointment and a contact both."""
    d.publish_week()
    plan = d.current()
    client, item = next((c, i) for c in _clients_with_history() for i in d.items_of(plan, c.id) if i.advisor_id)
    history = len(_contacts(client))
    after = item.starts_at.astimezone(timezone.utc)
    with clock.at(after.replace(microsecond=0) + (item.ends_at - item.starts_at)):
        now = datetime.now(timezone.utc)
        view = attendance.client_view(client, now)
        assert len(view.visits) == history + 1 and view.visits[0].row is not None
        assert view.visits[0].attendance is None  # not recorded yet
        attendance.mark(item.request, "dna", m.user("leader"), now)
        view = attendance.client_view(client, now)
        assert [v.attendance for v in view.visits].count("did not attend (DNA)") == 1 and len(view.visits) == history + 1
        attendance.mark(item.request, "attended", m.user("leader"), now)
        view = attendance.client_view(client, now)
        assert len(view.visits) == history + 1 and view.attended == history + 1
        assert view.visits[0].row is not None and view.visits[0].attendance == "attended"
