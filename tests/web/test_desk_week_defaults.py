"""The desk's "Days and times the client can come" box follows "Week of": the current week from now on, a later
week Mon-Fri whole days (desk.views.defaults_follow_week, desk_offers.ask_windows, static/desk_ask.js)."""
from __future__ import annotations

import html as html_lib
import json
import re
from datetime import datetime, timedelta, timezone

from tests.clock import DEMO_WEEK, at
from tests.web import access_matrix as m
from tests.web import desk_support as d

TUESDAY_AFTERNOON = datetime(2026, 12, 1, 14, 5, tzinfo=timezone.utc)  # London is on GMT


def _hidden(page: str, name: str) -> str:
    return html_lib.unescape(re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page).group(1))


def _box(page: str) -> str:
    return html_lib.unescape(re.search(r'<textarea[^>]*name="windows"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def test_a_later_weeks_search_with_the_untouched_defaults_offers_monday(demo_client, demo_auth):
    next_week = DEMO_WEEK + timedelta(days=7)
    with at(TUESDAY_AFTERNOON):
        d.publish_week(next_week)
        client = m.client_of("advisor1")
        demo_auth.login("leader")
        page = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
        shown = _box(page).strip()
        assert shown.splitlines()[0] == "tue 14:15-17:00" and "mon" not in shown, shown
        attr = re.search(r'data-week-defaults="([^"]*)"', page).group(1)
        by_week = json.loads(html_lib.unescape(attr))
        assert by_week[next_week.isoformat()].splitlines()[0] == "mon 09:00-17:00"
        assert len(by_week[next_week.isoformat()].splitlines()) == 5
        # The user changes only "Week of" (no script: the box still holds this week's from-now times).
        query = d.form(windows=shown, week_start=next_week, default_week=_hidden(page, "default_week"),
                       default_windows=_hidden(page, "default_windows"))
        offers = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=query)
        body = offers.get_data(as_text=True)
        assert offers.status_code == 200, body[:2000]
        starts = re.findall(r'<input type="hidden" name="start" value="([^"]*)">', body)
        assert starts and all(s.startswith(f"{next_week + timedelta(days=k)}") for s in starts
                              for k in [(datetime.fromisoformat(s).date() - next_week).days])
        assert any(datetime.fromisoformat(s).date() == next_week for s in starts), starts
        assert "mon 09:00-17:00" in _box(body)
        # Times the user typed are kept as typed.
        typed = d.form(windows="tue 10:00-12:00", week_start=next_week, default_week=_hidden(page, "default_week"),
                       default_windows=_hidden(page, "default_windows"))
        kept = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=typed).get_data(as_text=True)
        starts = re.findall(r'<input type="hidden" name="start" value="([^"]*)">', kept)
        assert starts and all(datetime.fromisoformat(s).date() == next_week + timedelta(days=1) for s in starts)


def test_the_current_week_keeps_its_from_now_defaults(demo_client, demo_auth):
    with at(TUESDAY_AFTERNOON):
        client = m.client_of("advisor1")
        demo_auth.login("leader")
        page = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
        by_week = json.loads(html_lib.unescape(re.search(r'data-week-defaults="([^"]*)"', page).group(1)))
        assert by_week[DEMO_WEEK.isoformat()] == _box(page).strip()
        assert _hidden(page, "default_windows") == "; ".join(by_week[DEMO_WEEK.isoformat()].splitlines())
        assert _hidden(page, "default_week") == DEMO_WEEK.isoformat()
