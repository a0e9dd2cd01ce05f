"""Support notes open only through a live appointment (notes.live_cover): a desk booking in a week not yet
published grants nothing once an absence of its advisor or an office closure breaks it, or once it is cancelled,
just as a published plan's appointment does not; every path that reads cover (the client's page, My caseload's
covered list, handover recipients, the handovers list, the API and the desk's client search) follows it."""
from __future__ import annotations

from datetime import timedelta

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import Absence, ClientNote, ClosureDay, HandoverNote
from caseload.services.clients import notes
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.desk.cancelling import cancel
from tests.web import access_matrix as m
from tests.web import desk_support as d

SECRET = "Talked about the rent arrears in confidence"


def _cover_booked_next_week():
    """(booked request, cover advisor, client): advisor2's client booked at the desk next Wednesday with an advisor
    who is not its named advisor (the week is not published), and a support note on the client."""
    client = m.client_of("advisor2")
    ask = d.ask(client, "wed 09:00-17:00", week_start=d.next_week())
    offer = next(o for o in desk_offers.offers(m.team("north"), ask, count=30)
                 if o.advisor.id != client.named_advisor_id and o.advisor.user is not None)
    booked = booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("leader")).request
    assert d.current(d.next_week()) is None  # a desk booking in no published plan
    db.session.add(ClientNote(client_id=client.id, author_id=client.named_advisor.user.id, body=SECRET))
    db.session.commit()
    return booked, offer.advisor, client


def _sees_the_notes(demo_client, demo_auth, cover, client) -> bool:
    demo_auth.login(cover.user.username)
    page = demo_client.get(f"/me/clients/{client.id}")
    caseload = demo_client.get("/me/caseload").get_data(as_text=True)
    desk = demo_client.get("/desk/?q=" + client.reference).get_data(as_text=True)
    demo_auth.logout()
    api = demo_client.get(f"/api/v1/teams/{client.team_id}/clients", headers=m.issue_token(cover.user.username)).get_json()
    reads = notes.may_read_notes(cover, client)
    paths = {"page": SECRET in page.get_data(as_text=True), "caseload": client.reference in caseload,
             "api": client.id in {c["id"] for c in api}, "reads": reads,
             "desk": f"/desk/clients/{client.id}" in desk,
             "covering": cover.id in notes.covering_advisor_ids(client),
             "covered": client in notes.covered_clients(cover)}
    assert len(set(paths.values())) == 1, paths  # every path answers alike
    return reads


def test_a_live_desk_booking_in_an_unpublished_week_is_cover(demo_client, demo_auth):
    booked, cover, client = _cover_booked_next_week()
    assert _sees_the_notes(demo_client, demo_auth, cover, client)


def test_an_absence_breaking_a_desk_booking_opens_no_notes(demo_client, demo_auth):
    booked, cover, client = _cover_booked_next_week()
    end = booked.pinned_start + timedelta(minutes=booked.duration_minutes)
    db.session.add(Absence(advisor_id=cover.id, starts_at=booked.pinned_start - timedelta(hours=1),
                           ends_at=end + timedelta(hours=1), reason="sick"))
    db.session.commit()
    assert not _sees_the_notes(demo_client, demo_auth, cover, client)
    assert cover not in notes.handover_recipients(client.named_advisor, client)


def test_an_absence_elsewhere_in_the_week_leaves_the_desk_booking_live(demo_client, demo_auth):
    booked, cover, client = _cover_booked_next_week()
    db.session.add(Absence(advisor_id=cover.id, starts_at=booked.pinned_start + timedelta(days=1),
                           ends_at=booked.pinned_start + timedelta(days=1, hours=3), reason="training"))
    db.session.commit()
    assert _sees_the_notes(demo_client, demo_auth, cover, client)


def test_an_office_closure_breaking_a_desk_booking_opens_no_notes(demo_client, demo_auth):
    booked, cover, client = _cover_booked_next_week()
    day = to_local(booked.pinned_start, client.team.timezone).date()
    db.session.add(ClosureDay(day=day, team_id=client.team_id, reason="Flooded"))
    db.session.commit()
    assert not _sees_the_notes(demo_client, demo_auth, cover, client)


def test_a_cancelled_desk_booking_opens_no_notes(demo_client, demo_auth):
    booked, cover, client = _cover_booked_next_week()
    cancel(booked, m.user("leader"))
    assert not _sees_the_notes(demo_client, demo_auth, cover, client)


def test_a_broken_desk_booking_in_a_published_week_opens_no_notes(demo_client, demo_auth):
    """In a published week a desk booking is its plan's appointment (a new version): broken there, it is broken."""
    d.publish_week(d.next_week())
    booked, cover, client = None, None, None
    client = m.client_of("advisor2")
    ask = d.ask(client, "wed 09:00-17:00", week_start=d.next_week())
    offer = next(o for o in desk_offers.offers(m.team("north"), ask, count=30)
                 if o.advisor.id != client.named_advisor_id and o.advisor.user is not None
                 and not notes.may_read_notes(o.advisor, client))
    cover = offer.advisor
    booked = booking.book(m.team("north"), ask, cover.id, offer.local, m.user("leader")).request
    db.session.add(ClientNote(client_id=client.id, author_id=client.named_advisor.user.id, body=SECRET))
    db.session.commit()
    assert _sees_the_notes(demo_client, demo_auth, cover, client)
    db.session.add(Absence(advisor_id=cover.id, starts_at=booked.pinned_start - timedelta(hours=1),
                           ends_at=booked.pinned_start + timedelta(hours=2), reason="sick"))
    db.session.commit()
    assert not _sees_the_notes(demo_client, demo_auth, cover, client)


def test_a_broken_desk_booking_hands_no_note_list_entry(demo_client, demo_auth):
    booked, cover, client = _cover_booked_next_week()
    named = client.named_advisor
    db.session.add(HandoverNote(client_id=client.id, from_advisor_id=named.id, to_advisor_id=cover.id,
                                author_id=named.user.id, body="Prefers mornings"))
    db.session.commit()
    assert any(h.body == "Prefers mornings" for h in notes.my_handover_notes(cover))
    db.session.add(Absence(advisor_id=cover.id, starts_at=booked.pinned_start - timedelta(hours=1),
                           ends_at=booked.pinned_start + timedelta(hours=2), reason="sick"))
    db.session.commit()
    assert not any(h.body == "Prefers mornings" and h.to_advisor_id == cover.id
                   for h in notes.my_handover_notes(cover))
