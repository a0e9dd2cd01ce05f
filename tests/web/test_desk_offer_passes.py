"""The desk's offer passes (desk_offers.ranked_times) against the engine's whole answer: the named advisor's passes
ask for that advisor's offers only, and must find exactly what the engine's answer for everyone, filtered to them,
gives (the engine ranks everyone, so which of the named advisor's offers make its best `count` is unchanged); the
passes for everyone after them, the same. A pass that kept everyone's offers, another advisor's, or cut before
ranking would differ here. The oracle below is the way it was done before: Desk.offers for everyone, kept after."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from caseload.services.desk import offers as desk_offers
from caseload.services.desk.asks import earliest_for
from caseload.services.desk.desk_week import desk_week, request_doc
from caseload.services.planning.problem import db_id, utc_of_local
from scheduler.model import TIME_FORMAT
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _engine(week, ask, request: dict, count: int) -> list[tuple]:
    """The engine's whole answer (every advisor's best `count`, or 200 for an advisor's own diary), then the
    times still to come and, for an advisor's own diary, theirs: (advisor id, local start, score change, reasons)."""
    now = earliest_for(ask, None)
    request = desk_offers.from_now(request, week.team.timezone, now)
    if not request["windows"]:
        return []
    answer = week.desk.offers(request, count=count if ask.advisor is None else 200)
    out = []
    for doc in answer["offers"]:
        if utc_of_local(datetime.strptime(doc["start"], TIME_FORMAT), week.team.timezone) < now:
            continue
        if ask.advisor is not None and db_id(doc["advisor"]) != ask.advisor.id:
            continue
        out.append((db_id(doc["advisor"]), doc["start"], doc["score_delta"], tuple(doc["reasons"])))
    return out[:count]


def _oracle(week, ask, count: int) -> tuple[list[tuple], int]:
    """ranked_times' passes, each from the engine's whole answer: (the ranked offers, how many the named
    advisor's passes added)."""
    request = request_doc(ask)
    minutes = request["duration_minutes"]
    found = _engine(week, ask, request, count)
    seen = {(a, s) for a, s, *_ in found}

    def span(o):
        return o[1], (datetime.strptime(o[1], TIME_FORMAT) + timedelta(minutes=minutes)).strftime(TIME_FORMAT)

    def again(spans, keep) -> int:
        windows = desk_offers._minus(request["windows"], spans, minutes)
        if not windows:
            return 0
        more = [o for o in _engine(week, ask, {**request, "windows": windows}, count)
                if keep(o) and (o[0], o[1]) not in seen]
        seen.update((o[0], o[1]) for o in more)
        found.extend(more)
        return len(more)

    wanted = ask.advisor.id if ask.advisor is not None else ask.client.named_advisor_id
    named_added = 0
    for _ in range(desk_offers.NAMED_TIMES - 1):
        added = again({span(o) for o in found if o[0] == wanted}, lambda o: o[0] == wanted)
        named_added += added
        if not added:
            break
    if ask.advisor is None:
        for _ in range(desk_offers.EXTRA_PASSES):
            if not again({span(o) for o in found}, lambda o: True):
                break
    return sorted(found, key=lambda o: (-o[2], o[1], o[0])), named_added


def _said(found) -> list[tuple]:
    return [(o.advisor.id, o.local, o.score_delta, tuple(o.document["reasons"])) for o in found]


@pytest.mark.parametrize("windows", ["wed 10:00-12:00", d.WHOLE_WEEK])
def test_the_named_advisors_passes_find_what_the_engines_whole_answer_gives(demo_app, windows):
    d.publish_week(d.week())  # the demo's busy week
    client = m.client_of("advisor1")
    north = m.team("north")
    ask = d.ask(client, windows, d.week())
    count = desk_offers.REBOOK_POOL
    week = desk_week(north, ask.week_start, client)
    expected, named_added = _oracle(week, ask, count)
    assert named_added >= 1  # the named advisor's passes are exercised: they add times the first ask had not
    assert _said(desk_offers.ranked_times(week, ask, request_doc(ask), count)) == expected
    # And the desk shows the named advisor's times first, only theirs in the lead (spread).
    shown = desk_offers.offers(north, ask)
    theirs = [o for o in expected if o[0] == client.named_advisor_id]
    lead = min(len(theirs), desk_offers.NAMED_TIMES)
    assert lead >= 2 and [o.advisor.id for o in shown[:lead]] == [client.named_advisor_id] * lead
    assert [o.local for o in shown[:lead]] == [o[1] for o in theirs[:lead]]


@pytest.mark.parametrize("named", [True, False])
def test_an_advisor_booking_their_own_diary_gets_only_their_offers_as_the_engine_ranks_them(demo_app, named):
    """The client's named advisor, or another advisor with offers that week, booking their own diary: only their
    offers, the same as the engine's whole answer kept to them."""
    d.publish_week(d.week())
    client = m.client_of("advisor1")
    north = m.team("north")
    everyone = desk_offers.offers(north, d.ask(client, d.WHOLE_WEEK, d.week()), count=desk_offers.REBOOK_POOL)
    own = client.named_advisor if named else next(o.advisor for o in everyone
                                                     if o.advisor.id != client.named_advisor_id)
    ask = d.ask(client, d.WHOLE_WEEK, d.week(), advisor=own)
    week = desk_week(north, ask.week_start, client)
    expected, _ = _oracle(week, ask, desk_offers.REBOOK_POOL)
    found = desk_offers.ranked_times(week, ask, request_doc(ask), desk_offers.REBOOK_POOL)
    assert len(found) >= 2 and {o.advisor.id for o in found} == {own.id}
    assert _said(found) == expected
