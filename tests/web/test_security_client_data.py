"""Exporting a client's data and erasing it: complete, scoped, audited, and plan history kept anonymous."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import AppointmentRequest, AuditEvent, Client, ClientNote, Contact, HandoverNote, PlanItem
from caseload.services.clients import client_data
from caseload.services.clients.notes import add_note
from tests.web import access_matrix as m

NOTE = "Worried about the rent arrears letter from Mr Smith"
HANDOVER = "Bring the tenancy agreement next time"
PURPOSE = "Eviction notice review"


def _client_with_history():
    """A north client with a request, a note, a handover and a place in a published plan, a week ago (history: an
    appointment still to come must be cancelled before erasing, test_erasing_waits_for_upcoming_appointments)."""
    request = db.session.scalar(select(AppointmentRequest).join(Client)
                                .where(Client.named_advisor_id == m.user("advisor1").advisor.id)
                                .order_by(AppointmentRequest.id))
    client = request.client
    request.purpose = PURPOSE
    advisor1, advisor2 = m.user("advisor1"), m.user("advisor2")
    add_note(client, NOTE, advisor1)
    plan = m.make_plan(m.team("north"), status="published")
    start = request.windows[0].starts_at - timedelta(days=7)
    item = PlanItem(plan=plan, request=request, advisor=advisor2.advisor, starts_at=start,
                    ends_at=start + timedelta(minutes=request.duration_minutes))
    db.session.add(item)
    db.session.add(HandoverNote(client_id=client.id, from_advisor_id=advisor1.advisor.id,
                                to_advisor_id=advisor2.advisor.id, author_id=advisor1.id, body=HANDOVER))
    db.session.commit()
    return client, item


def test_export_holds_everything_about_the_client_and_is_audited(demo_client, demo_auth):
    client, item = _client_with_history()
    demo_auth.login("leader")
    response = demo_client.get(f"/admin/clients/{client.id}/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.data)
    assert data["format"] == "caseload-client-export/1"
    assert data["client"]["name"] == client.name and data["client"]["reference"] == client.reference
    assert [n["body"] for n in data["notes"]] == [NOTE]
    assert [h["body"] for h in data["handovers"]] == [HANDOVER]
    assert PURPOSE in [r["purpose"] for r in data["requests"]]
    placed = [p for p in data["plan_items"] if p["request_id"] == item.request_id]
    assert placed and placed[0]["advisor"] == m.user("advisor2").advisor.name
    contacts = db.session.scalars(select(Contact).where(Contact.client_id == client.id)).all()
    assert len(data["contacts"]) == len(contacts) > 0
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "client_exported")).one()
    assert (event.object_type, event.object_id, event.user_id) == ("Client", client.id, m.user("leader").id)


def test_erase_removes_personal_data_and_keeps_plan_history(demo_client, demo_auth):
    client, item = _client_with_history()
    name, reference, client_id = client.name, client.reference, client.id
    contacts_before = len(client.contacts)
    demo_auth.login("admin")
    page = demo_client.get(f"/admin/clients/{client_id}")
    assert page.status_code == 200 and reference.encode() in page.data
    response = demo_client.post(f"/admin/clients/{client_id}/erase",
                                data={"confirm": reference, "version": client.version_id})
    assert response.status_code == 302
    db.session.expire_all()
    client = db.session.get(Client, client_id)
    assert client.erased_at is not None
    assert client.name == client_data.ERASED_NAME and client.reference == f"ERASED-{client_id}"
    assert db.session.scalars(select(ClientNote).where(ClientNote.client_id == client_id)).all() == []
    assert [h.body for h in db.session.scalars(select(HandoverNote).where(HandoverNote.client_id == client_id))] == [""]
    assert all(r.purpose is None for r in db.session.scalars(
        select(AppointmentRequest).where(AppointmentRequest.client_id == client_id)))
    kept = db.session.get(PlanItem, item.id)  # the plan still shows an appointment at that time, anonymously
    assert kept.advisor_id == item.advisor_id and kept.starts_at == item.starts_at
    assert len(client.contacts) == contacts_before  # continuity history stays as anonymous rows
    # Nothing identifying is left in what Caseload would export, nor in the audit log.
    left = json.dumps(client_data.export_document(client))
    for secret in (name, reference, NOTE, HANDOVER, PURPOSE):
        assert secret not in left
    events = db.session.scalars(select(AuditEvent)).all()
    assert not [e for e in events if name in json.dumps(e.detail or {}) or reference in json.dumps(e.detail or {})]
    erased = [e for e in events if e.action == "client_erased"]
    assert len(erased) == 1 and erased[0].object_id == client_id


def test_an_erased_client_leaves_the_working_pages(demo_client, demo_auth):
    client, _item = _client_with_history()
    client_data.erase_client(client, by=m.user("admin"))
    demo_auth.login("advisor1")
    assert demo_client.get(f"/me/clients/{client.id}").status_code == 404
    assert b"ERASED-" not in demo_client.get("/me/caseload").data
    demo_auth.logout()
    demo_auth.login("leader")
    assert b"ERASED-" not in demo_client.get(f"/rota/t/{m.team('north').id}/clients").data


def test_erase_needs_the_reference_typed_and_a_current_version(demo_client, demo_auth):
    client, _item = _client_with_history()
    demo_auth.login("leader")
    wrong = demo_client.post(f"/admin/clients/{client.id}/erase", data={"confirm": "nope", "version": client.version_id})
    assert wrong.status_code == 400
    stale = demo_client.post(f"/admin/clients/{client.id}/erase",
                             data={"confirm": client.reference, "version": client.version_id - 1})
    assert stale.status_code == 409
    assert b"Nothing was erased" in stale.data
    db.session.expire_all()
    assert db.session.get(Client, client.id).erased_at is None
    client_data.erase_client(db.session.get(Client, client.id), by=m.user("leader"))
    again = demo_client.post(f"/admin/clients/{client.id}/erase", data={"confirm": f"ERASED-{client.id}"})
    assert again.status_code == 400 and b"already been erased" in again.data


def test_a_leader_cannot_export_or_erase_another_teams_client(demo_client, demo_auth):
    theirs = m.client_of("advisor13")
    demo_auth.login("leader")
    assert demo_client.get(f"/admin/clients/{theirs.id}").status_code == 404
    assert demo_client.get(f"/admin/clients/{theirs.id}/export.json").status_code == 404
    assert demo_client.post(f"/admin/clients/{theirs.id}/erase", data={"confirm": theirs.reference}).status_code == 404
    found = demo_client.get(f"/admin/clients?q={theirs.reference}")
    assert found.status_code == 200 and theirs.name.encode() not in found.data
    assert f"/admin/clients/{theirs.id}".encode() not in found.data
    mine = m.client_of("advisor1")
    assert f"/admin/clients/{mine.id}".encode() in demo_client.get(f"/admin/clients?q={mine.reference}").data
    db.session.expire_all()
    assert db.session.get(Client, theirs.id).erased_at is None
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "client_exported")).all()


def test_erasing_waits_for_upcoming_appointments(demo_client, demo_auth):
    """Erased, a client's pages and API are 404, so a booked appointment still to come could no longer be
    cancelled: it held its advisor's time, and every later draft of the week (which leaves an erased client out)
    was refused publishing for dropping it. Erasing says which appointments to cancel first."""
    from caseload.services.desk import booking
    from caseload.services.desk import offers as desk_offers
    from tests.web import desk_support as d

    d.publish_week()
    client = m.client_of("advisor1")
    for planned in d.items_of(d.current(), client.id):  # what the published plan gave the client: cancelled
        booked_by_planner = db.session.get(AppointmentRequest, planned.request_id)
        demo_client.post(f"/api/v1/bookings/{booked_by_planner.id}/cancel", json={}, headers=m.issue_token("admin"))
    ask = d.ask(client, "thu 09:00-17:00")
    offer = desk_offers.offers(m.team("north"), ask)[0]
    booked = booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("leader")).request
    demo_auth.login("admin")
    refused = demo_client.post(f"/admin/clients/{client.id}/erase", data={"confirm": client.reference,
                                                                        "version": client.version_id})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "1 appointment still to come (Thu 03 Dec" in text
    assert "cancel it at the booking desk first" in text
    db.session.expire_all()
    assert db.session.get(Client, client.id).erased_at is None
    assert demo_client.post(f"/desk/appointments/{booked.id}/cancel", data={}).status_code == 302
    db.session.expire_all()
    done = demo_client.post(f"/admin/clients/{client.id}/erase", data={
        "confirm": client.reference, "version": db.session.get(Client, client.id).version_id})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, client.id).erased_at is not None
