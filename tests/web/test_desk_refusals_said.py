"""Every refusal on the desk's offers page is said as the rest of the page's are (a 400 with the field named), never
a 500: whether to offer a team leader the minimum-notice override (offers.notice_matters) is worked out with the
offers, not while the page renders; a request the offers engine refuses in why none, a series' why none or its
later weeks' free starts (series._free_starts) is a BookingError naming the windows, as offers_from's always was
(before, a ProblemError escaped them)."""
from __future__ import annotations

import html
from types import SimpleNamespace

import pytest

from caseload.services.desk import asks
from caseload.services.desk import offers as desk_offers
from caseload.services.desk import series
from caseload.services.desk.desk_week import DeskWeeks
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.test_desk_notice_override import _form, _setting

OFF_GRID = 40  # minutes: the offers engine refuses a length that is not whole 15-minute slots


def _refused_ask(client):
    """An ask next week whose request the engine refuses: a follow-up whose length is off the slot grid (as a type
    or request saved before the grid check could be; kept out of the database here). The week itself is fine."""
    kind = d.follow_up()
    off_grid = SimpleNamespace(id=kind.id, name=kind.name, kind=kind.kind, skill=kind.skill, active=True,
                               default_minutes=OFF_GRID)
    return d.ask(client, week_start=d.next_week(), type_=off_grid)


def test_the_override_question_refusing_is_said_on_the_page_not_a_500(demo_client, demo_auth, monkeypatch):
    item, day, now = _setting()
    said = "This week's published plan no longer fits the rota: two pins overlap."

    def refusing(*_args, **_kwargs):
        raise asks.BookingError(said)

    monkeypatch.setattr(desk_offers, "notice_matters", refusing)
    with clock.at(now):
        demo_auth.login("leader")
        page = demo_client.get(f"/desk/clients/{item.request.client.id}/offers", query_string=_form(item, day))
    assert page.status_code == 400
    assert f"No offers shown: check what you asked. {said}" in html.unescape(page.get_data(as_text=True))


def test_why_none_says_a_request_the_engine_refuses_naming_the_windows(demo_app):
    client = m.client_of("advisor1")
    with pytest.raises(asks.BookingError) as refused:
        desk_offers.why_none(m.team("north"), _refused_ask(client), weeks=DeskWeeks())
    assert refused.value.field == "windows" and f"{OFF_GRID} is not a multiple" in str(refused.value)


def test_a_series_why_none_says_a_request_the_engine_refuses_naming_the_windows(demo_app):
    client = m.client_of("advisor1")
    with pytest.raises(asks.BookingError) as refused:
        series.why_none(m.team("north"), _refused_ask(client), series.Repeat(1, 3), weeks=DeskWeeks())
    assert refused.value.field == "windows" and f"{OFF_GRID} is not a multiple" in str(refused.value)


def test_a_series_later_weeks_free_starts_say_a_request_the_engine_refuses(demo_app):
    client = m.client_of("advisor1")
    ask = _refused_ask(client)
    week = DeskWeeks()(m.team("north"), ask.week_start, client)
    with pytest.raises(asks.BookingError) as refused:
        series._free_starts(week, ask, m.user("advisor1").advisor)
    assert refused.value.field == "windows" and f"{OFF_GRID} is not a multiple" in str(refused.value)
