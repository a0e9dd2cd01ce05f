"""Words a new user met as codes or mixed terms: the desk's cancel asks in the page ("Cancel appointment" /
"Keep appointment", no browser dialog), the reports' DNA heading, "named advisor" everywhere, audit actions."""
from __future__ import annotations

import re

from caseload.extensions import db
from caseload.services import audit
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from tests.web import access_matrix as m
from tests.web import desk_support as d


def test_cancelling_at_the_desk_asks_in_the_page(demo_client, demo_auth):
    client = m.client_of("advisor1")
    offer = desk_offers.offers(m.team("north"), d.ask(client))[0]
    booked = booking.book(m.team("north"), d.ask(client), offer.advisor.id, offer.local, m.user("leader")).request
    demo_auth.login("leader")
    page = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
    row = re.search(rf'<details class="confirm-cancel">.*?/desk/appointments/{booked.id}/cancel".*?</details>', page,
                    re.S).group(0)
    assert ">Cancel appointment</button>" in row and ">Keep appointment</a>" in row
    assert f"with {offer.advisor.name}? The time is freed." in row.replace("&#39;", "'")
    assert "data-confirm" not in page.split('id="upcoming"')[1].split("</table>")[0]
    assert "named advisor:" in page and "usual advisor" not in page


def test_the_reports_name_the_dna_report(demo_client, demo_auth):
    demo_auth.login("admin")
    page = demo_client.get("/admin/reports").get_data(as_text=True)
    section = re.search(r'<section class="card report" id="dna">\s*<h2>([^<]*)</h2>', page).group(1)
    assert section == "Did not attend (DNA)"


def test_audit_actions_are_words(demo_client, demo_auth):
    audit.record("policy_changed", user=None)
    audit.record("something_new", user=None)
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit").get_data(as_text=True)
    assert "<td>Service policy changed</td>" in page and "<td>Something new</td>" in page
    assert "<td>policy_changed</td>" not in page
    assert '<option value="policy_changed">Service policy changed</option>' in page
