"""One liveness rule for every appointment that opens a client to an advisor (notes.live_appointments): the
compliance-review page (policing_advisor_ids) counts only live reviews, as support notes count only live support
appointments; and a support appointment with a client who has no named advisor opens their notes whether it was
planned or booked at the desk (handovers.supports), not by one path only."""
from __future__ import annotations

from datetime import timedelta

from caseload.extensions import db
from caseload.models import Absence, ClientNote
from caseload.services.clients import notes
from caseload.services.desk.cancelling import cancel
from tests.web import access_matrix as m
from tests.web.test_notes_live_cover import SECRET, _cover_booked_next_week
from tests.web.test_notes_refusal_reason import _review_next_week
from tests.web.test_policing_not_cover import _publish, _user


def _absent_over(advisor, starts_at, ends_at):
    db.session.add(Absence(advisor_id=advisor.id, starts_at=starts_at - timedelta(hours=1),
                           ends_at=ends_at + timedelta(hours=1), reason="sick"))
    db.session.commit()


def test_a_published_review_broken_by_an_absence_opens_no_review_page(demo_client, demo_auth):
    plan, client, item = _publish("advisor1", "policing")
    reviewer = _user("advisor1").advisor
    assert reviewer.id in notes.policing_advisor_ids(client) and notes.may_see_client(reviewer, client)
    _absent_over(reviewer, item.starts_at, item.ends_at)
    assert reviewer.id not in notes.policing_advisor_ids(client)
    assert not notes.may_see_client(reviewer, client)
    demo_auth.login("advisor1")
    assert demo_client.get(f"/me/clients/{client.id}").status_code in (403, 404)


def test_a_desk_booked_review_broken_or_cancelled_opens_no_review_page(demo_client):
    client = m.client_of("advisor2")
    reviewer = next(a for a in client.team.advisors if a.does_policing and a.id != client.named_advisor_id
                    and not notes.may_see_client(a, client))
    review = _review_next_week(reviewer, client)
    assert notes.may_see_client(reviewer, client)
    _absent_over(reviewer, review.pinned_start, review.pinned_start + timedelta(minutes=review.duration_minutes))
    assert not notes.may_see_client(reviewer, client)
    db.session.query(Absence).filter_by(advisor_id=reviewer.id).delete()
    db.session.commit()
    assert notes.may_see_client(reviewer, client)
    cancel(review, m.user("leader"))
    assert not notes.may_see_client(reviewer, client)


def test_a_published_support_appointment_opens_an_unallocated_clients_notes(demo_client):
    """Planned: the client has no named advisor (say theirs left); the advisor seeing them reads their notes."""
    plan, client, item = _publish("advisor1", "support")
    seeing = _user("advisor1").advisor
    client.named_advisor_id = None
    db.session.add(ClientNote(client_id=client.id, author_id=m.user("leader").id, body=SECRET))
    db.session.commit()
    assert notes.may_read_notes(seeing, client)
    assert client in notes.covered_clients(seeing) and seeing.id in notes.covering_advisor_ids(client)
    _absent_over(seeing, item.starts_at, item.ends_at)
    assert not notes.may_read_notes(seeing, client)  # still only while live
    assert "broken by your absence" in notes.notes_refusal(seeing, client)


def test_a_desk_booking_opens_an_unallocated_clients_notes_alike(demo_client):
    """Desk-booked, same client state: the same answer as planned."""
    booked, seeing, client = _cover_booked_next_week()
    client.named_advisor_id = None
    db.session.commit()
    assert notes.may_read_notes(seeing, client)
    assert client in notes.covered_clients(seeing)
    _absent_over(seeing, booked.pinned_start, booked.pinned_start + timedelta(minutes=booked.duration_minutes))
    assert not notes.may_read_notes(seeing, client)
