"""The audit log names what an event touched as people know it (a client's reference and name, an advisor's
name, an appointment by its type, client and time), keeping the stored ids in a title; and it loads those
names in bulk: the page runs as many queries for 50 events as for 5."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local, to_utc
from caseload.models import Advisor, AppointmentRequest, ClientNote
from caseload.services import audit, closures
from tests.clock import DEMO_WEEK
from tests.web import access_matrix as m
from tests.web.test_admin_scale import Statements


def _requests(count: int) -> list[AppointmentRequest]:
    return list(db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.week_start == DEMO_WEEK)
                                   .order_by(AppointmentRequest.id).limit(count)))


def test_audit_events_name_clients_advisors_and_appointments(demo_client, demo_auth):
    admin = m.user("admin")
    first, second = _requests(2)
    client, advisor = first.client, m.user("advisor1").advisor
    # A desk booking (pinned) says its time in the team's zone; a request not yet placed, its week.
    first.pinned_advisor, first.pinned_start = advisor, to_utc(DEMO_WEEK, "10:00", "Europe/London")
    note = ClientNote(client=client, author_id=admin.id, body="Phoned about rent arrears")
    db.session.add(note)
    db.session.flush()
    audit.record("appointment_rebooked", user=admin, obj=first, client=client.id, to=second.id)
    audit.record("plan_adjusted", user=admin, obj=None, request=first.id, advisor=advisor.id)
    audit.record("client_note_added", user=admin, obj=note, client=client.id)
    closure = closures.add_closure(DEMO_WEEK + timedelta(days=4), m.team("north"), "Staff training", by=admin)
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit").get_data(as_text=True)
    who = f"{client.reference} · {client.name}"
    start = f"{to_local(first.pinned_start, 'Europe/London'):%a %d %b %Y %H:%M}"
    assert f'<span title="appointment request #{first.id}">{first.type.name} for {who}, {start}</span>' in page
    assert f'<strong>client</strong>: <span title="client #{client.id}">{who}</span>' in page
    later = f"{second.type.name} for {second.client.reference} · {second.client.name}, week of {DEMO_WEEK:%a %d %b %Y}"
    # A rebook says the old time, then the new booking.
    assert f'<strong>rebooked</strong>: <span title="to #{second.id}">{start} → {later}</span>' in page
    assert f'<strong>advisor</strong>: <span title="advisor #{advisor.id}">{advisor.name}</span>' in page
    assert f'<span title="client note #{note.id}">Contact note on {who}</span>' in page
    assert "Phoned about rent arrears" not in page  # what a note says stays in the client's record
    assert f'<span title="office closure #{closure.id}">Office closure Fri 04 Dec 2026, team north</span>' in page
    shown = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"client: \d|advisor: \d|to: \d|rebooked: \d|Client note #", shown)


def test_audit_details_read_as_plain_labels_and_values(demo_client, demo_auth):
    """Not raw keys and codes ("named_advisor_set: no", "type: first-meeting")."""
    first = _requests(1)[0]
    audit.record("appointment_booked", user=m.user("admin"), obj=first, client=first.client_id,
                 type=first.type.code, named_advisor_set=False)
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit?action=appointment_booked").get_data(as_text=True)
    assert "<strong>made named advisor</strong>: no" in page
    assert f'<strong>appointment type</strong>: <span title="type code {first.type.code}">{first.type.name}</span>' in page
    assert "named_advisor_set" not in page and "<strong>type</strong>" not in page


def _fill(count: int) -> None:
    admin = m.user("admin")
    advisors = list(db.session.scalars(select(Advisor).order_by(Advisor.id)))
    for k, request in enumerate(_requests(count)):
        audit.record("names_test", user=admin, obj=request, client=request.client_id,
                     advisor=advisors[k % len(advisors)].id, team=request.team_id)
    db.session.commit()


def test_the_audit_page_loads_names_in_bulk(demo_client, demo_auth):
    demo_auth.login("admin")
    _fill(5)
    with Statements() as few:
        assert demo_client.get("/admin/audit?action=names_test").status_code == 200
    _fill(45)
    with Statements() as many:
        page = demo_client.get("/admin/audit?action=names_test").get_data(as_text=True)
    assert "50 events" in page and page.count('title="client #') == 50
    assert many.count == few.count, (few.count, many.count)
