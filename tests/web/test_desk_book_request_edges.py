"""Booking a request nobody will place ("Book this request", /desk/requests/<id>/book) as a careless or hostile
user would: the booking takes the request's place only as the appointment the request asks for."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import AppointmentRequest, AppointmentType, utcnow
from caseload.services.rota.requests import RequestFields, add_request, parse_windows
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _short_contact() -> AppointmentType:
    return db.session.scalar(select(AppointmentType).where(AppointmentType.code == "short-contact"))


def test_a_request_is_booked_as_its_own_type_only(demo_client, demo_auth):
    """The offers page's type stays editable: changing it must not book another kind of appointment (at the
    request's length) and withdraw the request as if it were met."""
    client = m.client_of("advisor1")
    wanted = add_request(m.team("north"), d.week(), RequestFields(client, d.follow_up(), 45,
                                                                  parse_windows("mon 09:00-12:00", d.week())),
                         m.user("leader"))
    other = _short_contact()
    demo_auth.login("leader")
    changed = d.form(client, type_=other, fulfils=wanted.id)
    page = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=changed)
    assert page.status_code == 400
    assert "This books the Follow-up requested for the week of 30 Nov" in html.unescape(page.get_data(as_text=True))
    # A hand-made post with an offer of the other type: refused, the request still waiting.
    offers = html.unescape(demo_client.get(f"/desk/clients/{client.id}/offers",
                                           query_string=d.form(client, type_=other)).get_data(as_text=True))
    form = re.search(r'<form method="post" action="/desk/clients/\d+/book">(.*?)</form>', offers, re.S).group(1)
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form)) | {"fulfils": str(wanted.id)}
    answer = demo_client.post(f"/desk/clients/{client.id}/book", data=data)
    assert answer.status_code == 400
    db.session.expire_all()
    kept = db.session.get(AppointmentRequest, wanted.id)
    assert kept.cancelled_at is None and kept.booked_as_id is None


def _offer_form(demo_client, client, **query) -> dict:
    """The first offer's Book form on the offers page for `query`, as its fields."""
    offers = html.unescape(demo_client.get(f"/desk/clients/{client.id}/offers",
                                           query_string=d.form(client, **query)).get_data(as_text=True))
    form = re.search(r'<form method="post" action="/desk/clients/\d+/book">(.*?)</form>', offers, re.S).group(1)
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))


def test_two_tabs_booking_one_request_the_second_is_a_conflict(demo_client, demo_auth):
    """Two tabs (or two leaders) open "Book this request" and each press Book on an offer: the second finds the
    request booked by the first. That is a race lost, 409 with the reason, not a 400 'bad form', and nothing more
    is booked; the same for a request withdrawn meanwhile."""
    client = m.client_of("advisor1")
    wanted = add_request(m.team("north"), d.week(), RequestFields(client, d.follow_up(), 30,
                                                                  parse_windows("thu 09:00-17:00", d.week())),
                         m.user("leader"))
    demo_auth.login("leader")
    first = _offer_form(demo_client, client, windows="thu 09:00-17:00", fulfils=wanted.id)
    second = _offer_form(demo_client, client, windows="fri 09:00-17:00", fulfils=wanted.id)
    assert demo_client.post(f"/desk/clients/{client.id}/book", data=first).status_code == 302
    count = d.request_count()
    late = demo_client.post(f"/desk/clients/{client.id}/book", data=second)
    assert late.status_code == 409
    assert "already been booked at the desk" in html.unescape(late.get_data(as_text=True))
    assert d.request_count() == count


def test_a_draft_made_before_the_request_was_booked_at_the_desk_is_not_published_with_it(demo_app):
    """The week's draft placed the request (Thu 10:45); the desk then booked it in a later week ("Book this
    request", the request withdrawn). Publishing that draft put the withdrawn request back in the advisor's
    diary (My week: 'Thu 03 Dec 10:45 N0011 Follow-up') beside its desk booking: the client booked twice, the
    first invisible at the desk so nobody could cancel it. The same for an appointment cancelled at the desk
    after the draft was made. Refused like a draft that drops a booking: plan the week again."""
    import pytest
    from caseload.services.desk import booking
    from caseload.services.desk import offers as desk_offers
    from caseload.services.planning.boundary import save_plan, to_problem
    from caseload.services.planning.plans import PublishConflict, publish_plan
    from scheduler.baselines import named_first

    client, north = m.client_of("advisor1"), m.team("north")
    wanted = add_request(north, d.week(), RequestFields(client, d.follow_up(), 30,
                                                        parse_windows("thu 09:00-17:00", d.week())), m.user("leader"))
    problem, maps = to_problem(north, d.week())
    draft = save_plan(north, d.week(), problem, named_first(problem), skipped=maps.skipped)
    assert next(i for i in draft.items if i.request_id == wanted.id).advisor_id is not None
    ask = d.ask(client, week_start=d.next_week())
    ask.fulfils = wanted
    offer = desk_offers.offers(north, ask)[0]
    booking.book(north, ask, offer.advisor.id, offer.local, m.user("leader"))
    db.session.expire_all()
    draft = db.session.get(type(draft), draft.id)
    with pytest.raises(PublishConflict, match=r"removed, cancelled or booked at the desk since it was planned: N0011 Thu 03 Dec 10:45"):
        publish_plan(draft, m.user("leader"), draft.version_id, expected_published=0)
    db.session.rollback()
    assert db.session.get(type(draft), draft.id).status == "draft"


def test_a_draft_made_before_an_appointment_was_cancelled_at_the_desk_is_not_published_with_it(demo_app):
    """The same kind: the week is published, a second draft is planned, then the desk cancels one of its
    appointments (a new published version without it). Publishing the second draft put the cancelled
    appointment back in the diary, where the desk no longer lists it."""
    import pytest
    from caseload.services.desk import cancelling
    from caseload.services.planning.boundary import save_plan, to_problem
    from caseload.services.planning.plans import PublishConflict, publish_plan
    from scheduler.baselines import named_first

    north = m.team("north")
    published = d.publish_week()
    problem, maps = to_problem(north, d.week())
    draft = save_plan(north, d.week(), problem, named_first(problem), skipped=maps.skipped)
    item = next(i for i in published.items if i.advisor_id is not None and i.starts_at > utcnow())
    cancelling.cancel(item.request, m.user("leader"))
    db.session.expire_all()
    draft = db.session.get(type(draft), draft.id)
    with pytest.raises(PublishConflict, match="removed, cancelled or booked at the desk since it was planned"):
        publish_plan(draft, m.user("leader"), draft.version_id, expected_published=d.current().published_version)


def test_a_draft_made_before_a_request_was_removed_is_not_published_with_it(demo_app):
    """The same kind: a request the draft placed (Thu 10:45) is removed from the week's requests; its item keeps
    the time with no request. Published, the advisor's My week showed '10:45 (request removed)' and the desk
    offered nobody that time."""
    import pytest
    from caseload.services.planning.boundary import save_plan, to_problem
    from caseload.services.planning.plans import PublishConflict, publish_plan
    from caseload.services.rota.requests import remove_request
    from scheduler.baselines import named_first

    client, north = m.client_of("advisor1"), m.team("north")
    wanted = add_request(north, d.week(), RequestFields(client, d.follow_up(), 30,
                                                        parse_windows("thu 09:00-17:00", d.week())), m.user("leader"))
    problem, maps = to_problem(north, d.week())
    draft = save_plan(north, d.week(), problem, named_first(problem), skipped=maps.skipped)
    remove_request(wanted, m.user("leader"))
    db.session.expire_all()
    draft = db.session.get(type(draft), draft.id)
    with pytest.raises(PublishConflict, match="since it was planned: a removed request Thu 03 Dec 10:45"):
        publish_plan(draft, m.user("leader"), draft.version_id, expected_published=0)


def test_the_handover_page_of_an_item_whose_request_was_removed_is_not_found(demo_client, demo_auth):
    """A draft's item keeps its time when its request is removed; its handover page (GET and POST) was a 500."""
    from caseload.services.planning.boundary import save_plan, to_problem
    from caseload.services.rota.requests import remove_request
    from scheduler.baselines import named_first

    client, north = m.client_of("advisor1"), m.team("north")
    wanted = add_request(north, d.week(), RequestFields(client, d.follow_up(), 30,
                                                        parse_windows("thu 09:00-17:00", d.week())), m.user("leader"))
    problem, maps = to_problem(north, d.week())
    draft = save_plan(north, d.week(), problem, named_first(problem), skipped=maps.skipped)
    item_id = next(i for i in draft.items if i.request_id == wanted.id).id
    remove_request(wanted, m.user("leader"))
    demo_auth.login("leader")
    page = f"/rota/plans/{draft.id}/items/{item_id}/handover"
    assert demo_client.get(page).status_code == 404
    assert demo_client.post(page, data={"body": "About the client"}).status_code == 404


def test_a_request_of_a_type_no_longer_offered_says_how_to_replace_it(demo_client, demo_auth):
    """Its own type cannot be chosen (the list offers active types only), so 'keep that type' would be a dead end."""
    client = m.client_of("advisor1")
    wanted = add_request(m.team("north"), d.week(), RequestFields(client, d.follow_up(), 30,
                                                                  parse_windows("thu 09:00-17:00", d.week())),
                         m.user("leader"))
    d.follow_up().active = False
    db.session.commit()
    demo_auth.login("leader")
    page = demo_client.get(f"/desk/clients/{client.id}/offers",
                           query_string=d.form(client, type_=_short_contact(), fulfils=wanted.id))
    assert page.status_code == 400
    assert ("a type no longer offered: remove that request on the week's requests page and book a Short contact on "
            "its own") in html.unescape(page.get_data(as_text=True))


def test_a_draft_made_before_its_request_was_met_in_a_later_week_is_not_published_with_it(demo_app):
    """The same kind: the draft placed the request (Thu 10:45); the desk then booked the client the same type of
    appointment next week without the request's link, which meets the request by matching (met_requests, second
    pass). The request is not cancelled, so only the met rule tells: published, the client was booked twice."""
    import pytest
    from caseload.services.desk import booking
    from caseload.services.desk import offers as desk_offers
    from caseload.services.planning import met_requests
    from caseload.services.planning.boundary import save_plan, to_problem
    from caseload.services.planning.plans import PublishConflict, publish_plan
    from scheduler.baselines import named_first

    client, north = m.client_of("advisor1"), m.team("north")
    assert not db.session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.client_id == client.id, AppointmentRequest.type_id == d.follow_up().id)).all()
    wanted = add_request(north, d.week(), RequestFields(client, d.follow_up(), 30,
                                                        parse_windows("thu 09:00-17:00", d.week())), m.user("leader"))
    problem, maps = to_problem(north, d.week())
    draft = save_plan(north, d.week(), problem, named_first(problem), skipped=maps.skipped)
    assert next(i for i in draft.items if i.request_id == wanted.id).advisor_id is not None
    ask = d.ask(client, week_start=d.next_week())
    offer = desk_offers.offers(north, ask)[0]
    booking.book(north, ask, offer.advisor.id, offer.local, m.user("leader"))
    db.session.expire_all()
    assert wanted.id in met_requests.met_by_matching([client.id])
    draft = db.session.get(type(draft), draft.id)
    with pytest.raises(PublishConflict, match=r"removed, cancelled or booked at the desk since it was planned: N0011 Thu 03 Dec 10:45"):
        publish_plan(draft, m.user("leader"), draft.version_id, expected_published=0)
    db.session.rollback()
    assert db.session.get(type(draft), draft.id).status == "draft"
