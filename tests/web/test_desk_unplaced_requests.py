"""Requests nobody will place have a way forward: the client's desk page says which wait for the planner, which
the published plan left unplaced ("not placed — book it", with "Book this request"), and which a desk booking has
met; booking one from its link books its length and times in a later week and withdraws the request, pointing at
the booking. The review's "find a place" for a request whose times have passed says to book it at the desk."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone

from caseload.extensions import db
from caseload.models import AppointmentRequest, AuditEvent
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.planning import move_offers
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.plans import publish_plan
from caseload.services.rota.requests import RequestFields, add_request, parse_windows
from scheduler.baselines import named_first
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d

TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)  # the demo week's Monday has passed


def _monday_request(client) -> AppointmentRequest:
    """A 45-minute Follow-up for Monday morning only (not the type's 30)."""
    return add_request(m.team("north"), d.week(), RequestFields(client, d.follow_up(), 45,
                                                                parse_windows("mon 09:00-12:00", d.week())),
                       m.user("leader"))


def _draft():
    north = m.team("north")
    problem, maps = to_problem(north, d.week())
    return save_plan(north, d.week(), problem, named_first(problem), skipped=maps.skipped)


def _page(demo_client, client) -> str:
    return html.unescape(demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True))


def _part(page: str, ident: str) -> str:
    """The text of the element with id `ident` ('' when absent)."""
    found = re.search(rf'id="{ident}">(.*?)</(p|ul)>', page, re.S)
    return found.group(1) if found else ""


def test_a_request_the_published_plan_left_unplaced_is_booked_from_its_link(demo_client, demo_auth):
    client = m.client_of("advisor1")
    wanted = _monday_request(client)
    demo_auth.login("leader")
    assert "Follow-up (week of 30 Nov)" in _part(_page(demo_client, client), "waiting")
    with clock.at(TUESDAY):
        plan = _draft()
        item = next(i for i in plan.items if i.request_id == wanted.id)
        assert item.advisor_id is None
        choices = move_offers.move_offers(plan, item, sorted(plan.team.advisors, key=lambda a: a.id))
        assert choices.book_later and "have passed" in choices.unplaceable and "later week" in choices.unplaceable
        review = html.unescape(demo_client.get(f"/rota/plans/{plan.id}?move={item.id}").get_data(as_text=True))
        assert f'href="/desk/requests/{wanted.id}/book">Book this request at the desk' in review
        publish_plan(plan, None, plan.version_id, expected_published=0)
        page = _page(demo_client, client)
        assert "Follow-up" not in _part(page, "waiting")
        assert "Follow-up (week of 30 Nov): not placed — book it." in _part(page, "not-placed")
        link = f"/desk/requests/{wanted.id}/book"
        assert f'<a href="{link}">Book this request' in page
        offers_url = demo_client.get(link).headers["Location"]
        # Its Monday has passed this week: next week's Monday, its own times, linked to the request.
        assert f"week={d.next_week().isoformat()}" in offers_url and f"fulfils={wanted.id}" in offers_url
        offers = html.unescape(demo_client.get(offers_url).get_data(as_text=True))
        assert "Booking the Follow-up requested for the week of 30 Nov (45 min)" in offers
        form = re.search(r'<form method="post" action="/desk/clients/\d+/book">(.*?)</form>', offers, re.S).group(1)
        data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
        assert data["fulfils"] == str(wanted.id) and data["windows"] == "mon 09:00-12:00"
        answer = demo_client.post(f"/desk/clients/{client.id}/book", data=data)
        assert answer.status_code == 302, answer.get_data(as_text=True)
        db.session.expire_all()
        done = db.session.get(AppointmentRequest, wanted.id)
        booked = db.session.get(AppointmentRequest, done.booked_as_id)
        assert done.cancelled_at is not None and booked.duration_minutes == 45 and booked.week_start == d.next_week()
        assert db.session.query(AuditEvent).filter_by(action="request_booked_at_desk", object_id=wanted.id).count() == 1
        page = _page(demo_client, client)
        assert "Follow-up" not in _part(page, "not-placed") + _part(page, "waiting")
        assert "Follow-up (week of 30 Nov) as Mon 07 Dec" in _part(page, "met")
        # Booked once: the link now says so.
        again = demo_client.get(link, follow_redirects=True).get_data(as_text=True)
        assert "already been booked at the desk" in html.unescape(again)


def test_a_booking_made_without_the_link_meets_the_unplaced_request(demo_client, demo_auth):
    client = m.client_of("advisor1")
    _monday_request(client)
    demo_auth.login("leader")
    with clock.at(TUESDAY):
        plan = _draft()
        publish_plan(plan, None, plan.version_id, expected_published=0)
        assert "Follow-up (week of 30 Nov): not placed" in _part(_page(demo_client, client), "not-placed")
        ask = d.ask(client, "thu 09:00-17:00")
        offer = desk_offers.offers(m.team("north"), ask)[0]
        booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("leader"))
        page = _page(demo_client, client)
        assert "Follow-up" not in _part(page, "not-placed") + _part(page, "waiting")
        assert "Follow-up (week of 30 Nov) as Thu 03 Dec" in _part(page, "met")


def test_a_request_already_booked_or_placed_cannot_be_booked_again(demo_client, demo_auth):
    client = m.client_of("advisor1")
    wanted = _monday_request(client)
    d.publish_week()  # Sunday: its Monday is ahead, so the plan places it
    demo_auth.login("leader")
    answer = demo_client.get(f"/desk/requests/{wanted.id}/book", follow_redirects=True)
    assert "already has a time" in html.unescape(answer.get_data(as_text=True))
    demo_auth.logout()
    demo_auth.login("leader2")  # south's leader: not their client, not found
    assert demo_client.get(f"/desk/requests/{wanted.id}/book").status_code == 404


def test_find_a_place_for_a_request_left_out_says_why(demo_app):
    client = m.client_of("advisor1")
    client.need = None  # its type has no skill of its own: the week's problem leaves it out, saying why
    db.session.commit()
    wanted = _monday_request(client)
    plan = _draft()
    item = next(i for i in plan.items if i.request_id == wanted.id)
    choices = move_offers.move_offers(plan, item, sorted(plan.team.advisors, key=lambda a: a.id))
    assert not choices.book_later
    assert choices.unplaceable == ("This request was not part of the planning problem: no skill is known for it: set "
                                   "the client's need.")
