"""A request met by a desk booking made without its "Book this request" link (same client and type, booked after
it, in its week or later) is not planned: the week's problem leaves it out (so a re-plan cannot book the client
twice), the desk says it was met rather than waiting, and the published plan's review says "booked at the desk"
instead of "book it at the desk". Cancel the booking and the request is live again everywhere. One rule
(services/planning/met_requests) behind them all."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import AppointmentRequest
from caseload.services.desk import booking, cancelling, series
from caseload.services.desk import offers as desk_offers
from caseload.services.planning.boundary import previous_plan, save_plan, to_problem
from caseload.services.planning.met_requests import MET_WORDS, Slip, pair
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.problem import request_sid
from caseload.services.rota.requests import RequestFields, add_request, parse_windows
from scheduler.baselines import named_first
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient

TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def _request(client, windows: str = "thu 09:00-12:00") -> AppointmentRequest:
    return add_request(m.team("north"), d.week(), RequestFields(client, d.follow_up(), 45,
                                                                parse_windows(windows, d.week())), m.user("leader"))


def _in_problem(request_id: int, previous=None) -> tuple[bool, str | None]:
    north = m.team("north")
    problem, maps = to_problem(north, d.week(), previous=previous)
    return request_sid(request_id) in {a["id"] for a in problem["appointments"]}, maps.skipped.get(request_id)


def _desk_book(client, windows: str = "thu 09:00-17:00"):
    ask = d.ask(client, windows)
    offer = desk_offers.offers(m.team("north"), ask)[0]
    return booking.book(m.team("north"), ask, offer.advisor.id, offer.local, m.user("leader")).request


def _part(page: str, ident: str) -> str:
    found = re.search(rf'id="{ident}">(.*?)</(p|ul)>', page, re.S)
    return found.group(1) if found else ""


def _no_other_follow_ups(client) -> None:
    others = db.session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.client_id == client.id, AppointmentRequest.type_id == d.follow_up().id)).all()
    assert others == [], "the demo gave this client a follow-up already: the test would not say which is met"


def test_a_desk_booking_without_the_link_keeps_the_request_out_of_the_planning_problem(demo_client, demo_auth):
    """A week not yet published: the request would be placed beside the client's desk booking."""
    client = m.client_of("advisor1")
    _no_other_follow_ups(client)
    wanted = _request(client)
    assert _in_problem(wanted.id) == (True, None)
    booked = _desk_book(client)
    inside, why = _in_problem(wanted.id)
    assert not inside and why.startswith(MET_WORDS) and f"booking {booked.id}" in why
    demo_auth.login("leader")
    page = html.unescape(demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True))
    assert "Follow-up (week of 30 Nov) as Thu 03 Dec" in _part(page, "met")
    assert "Follow-up" not in _part(page, "waiting") + _part(page, "not-placed")
    requests_page = html.unescape(demo_client.get(f"/rota/t/{m.team('north').id}/{d.week().isoformat()}/requests",
                                                  query_string={"q": client.reference})
                                  .get_data(as_text=True))
    row = re.search(rf'<tr id="request-{wanted.id}".*?</tr>', requests_page, re.S).group(0)
    assert "booked at the desk" in row and "Book this request" not in row

    cancelling.cancel(booked, m.user("leader"))  # the booking goes: the request is the planner's again
    assert _in_problem(wanted.id) == (True, None)
    page = html.unescape(demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True))
    assert "Follow-up (week of 30 Nov)" in _part(page, "waiting") and "Follow-up" not in _part(page, "met")


def test_a_replan_of_a_published_week_does_not_place_a_met_request_twice(demo_client, demo_auth):
    """The published plan left the request unplaced; it is met at the desk while its times are still ahead; the
    re-plan leaves it out and the review no longer asks to book it."""
    client = m.client_of("advisor1")
    _no_other_follow_ups(client)
    wanted = _request(client, "mon 09:00-12:00\nthu 09:00-12:00")
    north = m.team("north")
    problem, maps = to_problem(north, d.week())
    solution = named_first(problem)
    sid = request_sid(wanted.id)
    solution["assignments"] = [a for a in solution["assignments"] if a["appointment"] != sid]
    solution["unassigned"] = [u for u in solution.get("unassigned", []) if u["appointment"] != sid] + [
        {"appointment": sid, "reason": "no_capacity"}]
    plan = save_plan(north, d.week(), problem, solution, skipped=maps.skipped)
    plan = publish_plan(plan, None, plan.version_id, expected_published=0)
    demo_auth.login("leader")
    with clock.at(TUESDAY):  # Monday has passed, Thursday is ahead
        review = html.unescape(demo_client.get(f"/rota/plans/{plan.id}").get_data(as_text=True))
        assert f'href="/desk/requests/{wanted.id}/book">book it at the desk' in review
        assert _in_problem(wanted.id, previous_plan(north, d.week()))[0]
        booked = _desk_book(client, "thu 09:00-17:00")
        inside, why = _in_problem(wanted.id, previous_plan(north, d.week()))
        assert not inside and why.startswith(MET_WORDS)
        current = previous_plan(north, d.week())
        review = html.unescape(demo_client.get(f"/rota/plans/{current.id}").get_data(as_text=True))
        line = next(li for li in re.findall(r"<li class=\"kind-[a-z]+\">(.*?)</li>", review, re.S)
                    if client.reference in li and "Follow-up" in li)
        assert "booked at the desk" in line and "book it at the desk" not in line
        cancelling.cancel(booked, m.user("leader"))
        assert _in_problem(wanted.id, previous_plan(north, d.week()))[0]


def test_each_booking_meets_one_request_its_own_week_first():
    """The rule on its own: same client and type, booked after the request, in its week or later; a booking made
    from a request's link meets that request only."""
    mon, next_mon = date(2026, 11, 30), date(2026, 12, 7)
    first, second = Slip(1, 7, 3, mon), Slip(2, 7, 3, next_mon)
    # A booking next week meets next week's request, not this week's: else next week's stays live and the
    # planner books the client twice next week.
    assert pair([first, second], [Slip(5, 7, 3, next_mon)]) == {2: 5}
    assert pair([first, second], [Slip(5, 7, 3, next_mon), Slip(6, 7, 3, next_mon)]) == {2: 5, 1: 6}
    assert pair([first], [Slip(5, 7, 3, next_mon)]) == {1: 5}  # a later week, when its own week has none
    assert pair([first], [Slip(5, 7, 4, mon)]) == {}  # another type
    assert pair([first], [Slip(5, 8, 3, mon)]) == {}  # another client
    assert pair([second], [Slip(5, 7, 3, mon)]) == {}  # an earlier week
    assert pair([Slip(9, 7, 3, mon)], [Slip(5, 7, 3, mon)]) == {}  # booked before the request was made
    assert pair([first], [Slip(5, 7, 3, mon)], used=[5]) == {}  # made from another request's link


def test_a_booking_through_the_api_or_a_series_meets_requests_in_its_weeks(demo_client, demo_app):
    """Every way of booking makes a desk booking, so the rule holds whichever way it came: the API's POST /bookings
    meets this week's request; a weekly series meets next week's (one request per instance)."""
    client = m.client_of("advisor1")
    _no_other_follow_ups(client)
    wanted = _request(client)
    later = add_request(m.team("north"), d.next_week(), RequestFields(
        client, d.follow_up(), 45, parse_windows("thu 09:00-12:00", d.next_week())), m.user("leader"))
    leader = ApiClient(demo_client, "leader")
    thursday = (d.week() + timedelta(days=3)).isoformat()
    ask = {"client_id": client.id, "type": "follow-up", "week": d.week().isoformat(),
           "windows": [{"start": f"{thursday}T09:00", "end": f"{thursday}T17:00"}]}
    offer = leader.post("/teams/{team_id}/offers", team_id=m.team("north").id, json=ask).get_json()["offers"][0]
    booked = leader.post("/bookings", json={**ask, "advisor_id": offer["advisor_id"], "start": offer["start"]},
                         headers={"Idempotency-Key": "met-1"})
    assert booked.status_code == 201, booked.get_json()
    assert not _in_problem(wanted.id)[0]
    north = m.team("north")
    problem, _maps = to_problem(north, d.next_week())
    assert request_sid(later.id) in {a["id"] for a in problem["appointments"]}  # the API booking meets one only
    series_ask = d.ask(client, "fri 09:00-17:00")
    first = series.series_offers(north, series_ask, series.Repeat(1, 2))[0]
    series.book_series(north, series_ask, series.Repeat(1, 2), first.advisor.id, first.starts, m.user("leader"))
    problem, maps = to_problem(north, d.next_week())
    assert request_sid(later.id) not in {a["id"] for a in problem["appointments"]}
    assert maps.skipped[later.id].startswith(MET_WORDS)


def test_the_api_request_list_says_which_booking_met_each_request(demo_client, demo_app):
    """GET .../requests carries `met_by` (checked against the OpenAPI document by ApiClient): the desk booking
    that met the request by matching, null for one still waiting and for the booking itself; cancel the booking
    and the request is waiting again (null)."""
    client = m.client_of("advisor1")
    _no_other_follow_ups(client)
    wanted = _request(client)
    leader = ApiClient(demo_client, "leader")
    url = "/teams/{team_id}/weeks/{week}/requests"
    args = dict(team_id=m.team("north").id, week=d.week().isoformat())

    def met_by() -> dict[int, int | None]:
        rows = leader.get(url, **args).get_json()
        assert all("met_by" in r for r in rows)
        return {r["id"]: r["met_by"] for r in rows}

    assert met_by()[wanted.id] is None
    booked = _desk_book(client)
    listed = met_by()
    assert listed[wanted.id] == booked.id and listed[booked.id] is None
    assert list(listed.values()).count(booked.id) == 1  # it meets one request only
    one = leader.get("/requests/{request_id}", request_id=wanted.id).get_json()
    assert one["met_by"] == booked.id
    cancelling.cancel(booked, m.user("leader"), reason="client asked")
    assert met_by()[wanted.id] is None


def test_a_plan_made_while_a_request_was_met_says_so_no_longer_once_the_booking_is_cancelled(demo_client, demo_auth):
    """The draft stored "booked at the desk in its place" for the request it left out; the desk booking is then
    cancelled and the request is live again. The review (its unassigned list and "find a place") said it was
    booked at the desk; now it says the booking was cancelled, to book it or re-plan."""
    from caseload.services.planning.met_requests import UNMET_WORDS

    client = m.client_of("advisor1")
    _no_other_follow_ups(client)
    wanted = _request(client)
    booked = _desk_book(client)
    north = m.team("north")
    problem, maps = to_problem(north, d.week())
    plan = save_plan(north, d.week(), problem, named_first(problem), skipped=maps.skipped)
    item = next(i for i in plan.items if i.request_id == wanted.id)
    assert item.unassigned_reason.startswith(MET_WORDS)
    cancelling.cancel(booked, m.user("leader"))
    demo_auth.login("leader")
    review = html.unescape(demo_client.get(f"/rota/plans/{plan.id}", query_string={"move": item.id})
                           .get_data(as_text=True))
    line = next(li for li in re.findall(r"<li class=\"kind-[a-z]+\">(.*?)</li>", review, re.S)
                if client.reference in li and "Follow-up" in li)
    assert UNMET_WORDS in line and MET_WORDS not in line
    assert f"This request was not part of the planning problem: {UNMET_WORDS}." in review
    assert MET_WORDS not in review.split('id="move-title"', 1)[1]
