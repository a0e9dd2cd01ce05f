"""The administrator's closures list grows forever (every bank holiday of every year): it shows upcoming closures
and those of the last 30 days, paged like the other admin lists, and links to the older ones (newest first).
The tests' clock is pinned to Sun 29 Nov 2026, so the list starts on Fri 30 Oct 2026."""
from __future__ import annotations

import re
from datetime import date, timedelta

from caseload.extensions import db
from caseload.models import ClosureDay

TODAY = date(2026, 11, 29)
FIRST_SHOWN = date(2026, 10, 30)


def _add(days):
    for day in days:
        db.session.add(ClosureDay(day=day, team_id=None, reason=f"Closed {day.isoformat()}"))
    db.session.commit()


def _days_listed(page: str) -> list[str]:
    table = page.split('id="closures"')[1].split("</table>")[0]
    return re.findall(r"Closed (\d{4}-\d\d-\d\d)", table)


def test_default_list_is_upcoming_and_the_last_30_days_with_a_link_to_older(demo_client, demo_auth):
    older = [date(2025, 12, 25), date(2026, 8, 31), FIRST_SHOWN - timedelta(days=1)]
    recent = [FIRST_SHOWN, TODAY - timedelta(days=2), TODAY + timedelta(days=26)]
    _add(older + recent)
    demo_auth.login("admin")
    page = demo_client.get("/admin/closures").get_data(as_text=True)
    assert _days_listed(page) == [d.isoformat() for d in recent]
    assert 'href="/admin/closures?older=1">Older closed days (3)' in page
    old = demo_client.get("/admin/closures?older=1").get_data(as_text=True)
    assert _days_listed(old) == [d.isoformat() for d in sorted(older, reverse=True)]  # newest first
    assert "Upcoming and recent closed days" in old


def test_the_list_is_paged_and_pages_keep_the_older_choice(demo_client, demo_auth):
    upcoming = [TODAY + timedelta(days=k) for k in range(1, 56)]  # 55: two pages of 50
    older = [FIRST_SHOWN - timedelta(days=k) for k in range(1, 53)]  # 52: two pages
    _add(upcoming + older)
    demo_auth.login("admin")
    first = demo_client.get("/admin/closures").get_data(as_text=True)
    assert len(_days_listed(first)) == 50 and "1–50 of 55 closed days" in first
    assert 'href="/admin/closures?page=2"' in first
    second = demo_client.get("/admin/closures?page=2").get_data(as_text=True)
    assert _days_listed(second) == [d.isoformat() for d in upcoming[50:]]
    old2 = demo_client.get("/admin/closures?older=1&page=2").get_data(as_text=True)
    assert _days_listed(old2) == [d.isoformat() for d in older[50:]]
    old1 = demo_client.get("/admin/closures?older=1").get_data(as_text=True)
    assert 'href="/admin/closures?page=2&amp;older=1"' in old1 or 'href="/admin/closures?older=1&amp;page=2"' in old1
    # A page past the end or a bad one shows a real page, never an error.
    assert demo_client.get("/admin/closures?page=999").status_code == 200
    assert demo_client.get("/admin/closures?page=x").status_code == 200


def test_removing_an_older_closure_returns_to_the_older_list(demo_client, demo_auth):
    _add([date(2025, 12, 25), date(2026, 8, 31)])
    demo_auth.login("admin")
    old = demo_client.get("/admin/closures?older=1").get_data(as_text=True)
    closure_id = re.search(r'action="/admin/closures/(\d+)/remove"', old).group(1)
    assert 'name="older" value="1"' in old
    answer = demo_client.post(f"/admin/closures/{closure_id}/remove", data={"older": "1"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/closures?older=1")
    assert len(_days_listed(demo_client.get("/admin/closures?older=1").get_data(as_text=True))) == 1
