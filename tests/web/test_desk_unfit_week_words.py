"""A week whose own plan breaks a rule cannot be booked into; the desk says why in words true for that week: its
published plan (plan and publish it again), or, for a week not yet published, its desk bookings (it has no
published plan: before, the desk said "This week's published plan no longer fits the rota" there too)."""
from __future__ import annotations

import html

import pytest

from caseload.services.desk import booking
from caseload.services.desk import desk_week as desk_week_module
from caseload.services.desk import offers as desk_offers
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _breaking(real):
    """`real` (to_problem) with every advisor now taking no appointments a day, as if their daily limit were lowered
    after the week's bookings and plan were made: the week's own bookings then break the planner's rules (to_problem
    itself drops a pin its advisor cannot take, so the rule is broken after it, as by data from before a check)."""

    def broken(*args, **kwargs):
        problem, maps = real(*args, **kwargs)
        for advisor in problem["advisors"]:
            advisor["max_appointments_per_day"] = 0
        return problem, maps

    return broken


def _offers_page(demo_client, client, week):
    page = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form(week_start=week))
    return page.status_code, html.unescape(page.get_data(as_text=True))


def _booked_next_week():
    """advisor1's client booked into next week at the desk (a pinned request): (client, week)."""
    week = d.next_week()
    client = m.client_of("advisor1")
    ask = d.ask(client, week_start=week)
    offer = desk_offers.offers(m.team("north"), ask)[0]
    booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("leader"))
    return client, week


@pytest.mark.parametrize("published, said, advice, not_said", [
    (False, "This week is not published yet, and its desk bookings no longer fit the rota",
     "Move or cancel the booking named before booking into this week.", "published plan"),
    (True, "This week's published plan no longer fits the rota",
     "Plan the week again and publish it before booking into it.", "not published yet"),
])
def test_a_week_whose_own_bookings_break_a_rule_says_so_in_words_true_for_it(demo_client, demo_auth, monkeypatch,
                                                                           published, said, advice, not_said):
    client, week = _booked_next_week()
    if published:
        d.publish_week(week)  # its plan holds the booking
    else:
        assert d.current(week) is None  # not published: the booking is a pinned request
    monkeypatch.setattr(desk_week_module, "to_problem", _breaking(desk_week_module.to_problem))
    demo_auth.login("leader")
    status, text = _offers_page(demo_client, client, week)
    assert status == 400
    assert said in text
    assert advice in text
    assert not_said not in text
