"""My caseload: continuity indices per client from history plus plan, and who needs attention."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Client, Contact, User, utcnow


def _advisor(username):
    return db.session.scalar(select(User).where(User.username == username)).advisor


def _client_with_visits(reference, named, seen_by, last_seen_days_ago=7):
    """A client of `named` with one contact a week, the last `last_seen_days_ago` days ago."""
    client = Client(team_id=named.team_id, reference=reference, name=f"Test {reference}", named_advisor_id=named.id,
                    complexity=2)
    db.session.add(client)
    now = utcnow()
    for weeks_back, advisor in enumerate(reversed(seen_by)):
        db.session.add(Contact(client=client, advisor_id=advisor.id, kind="support",
                               occurred_at=now - timedelta(days=last_seen_days_ago + 7 * weeks_back)))
    db.session.commit()
    return client


def _row(page: str, reference: str) -> str:
    match = re.search(rf"<tr[^>]*>\s*<td><a [^>]*>{reference} .*?</tr>", page, re.S)
    assert match, reference
    return match.group(0)


def test_indices_and_falling_continuity_are_shown(demo_client, demo_auth):
    me, a2, a3 = _advisor("advisor1"), _advisor("advisor2"), _advisor("advisor3")
    _client_with_visits("T-FALL", me, [me, me, me, me, a2, a3, a2])
    _client_with_visits("T-STEADY", me, [me, me, me, me, me])
    demo_auth.login("advisor1")
    page = demo_client.get("/me/caseload").get_data(as_text=True)
    falling = _row(page, "T-FALL")
    # A A A A B C B: 4 of 7 visits with the usual advisor (UPC 57%); 3 of 6 consecutive pairs the same (SECON 50%).
    assert "57%" in falling and "50%" in falling
    assert "continuity falling" in falling and 'class="attention"' in falling
    steady = _row(page, "T-STEADY")
    assert steady.count("100%") == 3 and "continuity falling" not in steady
    # Clients needing attention come first.
    assert page.index("T-FALL") < page.index("T-STEADY")
    # The limit in plain words ("(most 22)" was read as nothing in particular).
    assert re.search(r"caseload (\d+) of at most 22\.", page) and "(most " not in page


def test_clients_not_seen_for_six_weeks_are_flagged(demo_client, demo_auth):
    me = _advisor("advisor1")
    _client_with_visits("T-GONE", me, [me, me], last_seen_days_ago=50)
    _client_with_visits("T-RECENT", me, [me, me], last_seen_days_ago=10)
    demo_auth.login("advisor1")
    page = demo_client.get("/me/caseload").get_data(as_text=True)
    assert "no contact for 7 weeks" in _row(page, "T-GONE")
    assert "no contact" not in _row(page, "T-RECENT")


def test_a_new_client_reads_no_contact_yet_not_a_contradiction(demo_client, demo_auth):
    me = _advisor("advisor1")
    _client_with_visits("T-NEW", me, [])
    demo_auth.login("advisor1")
    row = _row(demo_client.get("/me/caseload").get_data(as_text=True), "T-NEW")
    assert "none yet" in row and "no contact yet" in row and 'class="attention"' in row
    assert "never" not in row and "no contact for" not in row and "<td>0</td>" in row
