"""The booking desk: offers with reasons in plain words, booking into a published week as a new version or
into a week not yet published as a pinned request, named advisors for new clients, scope, bad input."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Advisor, AppointmentRequest, AppointmentType, AuditEvent, Client, Plan
from caseload.services.desk import asks
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.people import calendar_feed
from caseload.services.planning.problem import request_sid
from caseload.services.planning.boundary import to_problem
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d
from scheduler.baselines import named_first


def test_offers_name_the_usual_advisor_and_their_protected_time(demo_app):
    d.publish_week()
    client = m.client_of("advisor1")
    offers = desk_offers.offers(m.team("north"), d.ask(client))
    assert offers, "the demo week has room for a follow-up"
    best = offers[0]
    assert best.advisor.id == client.named_advisor_id  # the planner's best offer keeps continuity
    assert best.reasons[0] == f"with {best.advisor.name}, their named advisor"
    # Protected time is said for the offer's own day only ("keeps Chloe's protected time on Friday"), never
    # another day's ("keeps Chloe's Tuesday protected time" on a Friday offer read as if it touched Tuesday).
    said = [(o, r) for o in offers for r in o.reasons if "protected time" in r and not r.startswith("moving")]
    assert said, [o.reasons for o in offers]
    for offer, reason in said:
        day = f"{datetime.strptime(offer.local, '%Y-%m-%dT%H:%M'):%A}"
        first = offer.advisor.name.split()[0]
        assert re.fullmatch(rf"keeps {first}'s protected time on {day}(, moved to fit)?", reason), (offer.local, reason)
    # The named advisor's times first (up to 3, each best first), then the others best first, each at its own time.
    named = [o for o in offers if o.advisor.id == client.named_advisor_id]
    assert offers[:len(named)] == named and 2 <= len(named) <= desk_offers.NAMED_TIMES, [(o.advisor.name, o.local) for o in offers]
    others = offers[len(named):]
    assert [o.score_delta for o in others] == sorted((o.score_delta for o in others), reverse=True)
    assert len({o.local for o in offers}) == len(offers), [(o.advisor.name, o.local) for o in offers]


def test_a_leader_books_an_offer_into_the_published_week_as_a_new_version(demo_client, demo_auth):
    v1 = d.publish_week()
    client = m.client_of("advisor1")
    before = len(d.items_of(v1, client.id))
    demo_auth.login("leader")
    page = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form())
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "their named advisor" in text and "protected time" in text
    offer = desk_offers.offers(m.team("north"), d.ask(client))[0]
    answer = demo_client.post(f"/desk/clients/{client.id}/book",
                              data=d.form(advisor=offer.advisor.id, start=offer.local))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    plan = d.current()
    assert plan.published_version == 2 and plan.based_on_id == v1.id
    db.session.refresh(v1)
    assert v1.status == "superseded"
    mine = d.items_of(plan, client.id)
    assert len(mine) == before + 1
    new = next(i for i in mine if i.request.booked_at is not None)
    assert (new.advisor_id, new.pinned) == (offer.advisor.id, True)
    assert new.starts_at == offer.start
    assert new.request.pinned_advisor_id == offer.advisor.id and new.request.pinned_start == offer.start
    # Every other appointment of version 1 is still there, at the same place.
    old = {(i.request_id, i.advisor_id, i.starts_at) for i in v1.items}
    assert old <= {(i.request_id, i.advisor_id, i.starts_at) for i in plan.items}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "appointment_booked"))
    assert event.detail["version"] == 2 and event.user_id == m.user("leader").id
    # The advisor's week and calendar feed show it at once.
    advisor_user = offer.advisor.user
    feed = calendar_feed.feed(advisor_user).decode()
    assert calendar_feed.appointment_uid(new.request_id) in feed
    demo_auth.logout()
    demo_auth.login(advisor_user.username)
    week_page = demo_client.get(f"/me/week/{d.week().isoformat()}").get_data(as_text=True)
    assert client.reference in week_page


def test_booking_a_week_not_yet_published_saves_a_pinned_request_the_planner_keeps(demo_app):
    client = m.client_of("advisor1")
    week = d.next_week()
    offer = desk_offers.offers(m.team("north"), d.ask(client, week_start=week))[0]
    booked = booking.book(m.team("north"), d.ask(client, week_start=week), offer.advisor.id, offer.local,
                          m.user("leader"))
    assert booked.plan is None
    problem, _maps = to_problem(m.team("north"), week)
    appointment = next(a for a in problem["appointments"] if a["id"] == request_sid(booked.request.id))
    assert appointment["pinned"] == {"advisor": f"a{offer.advisor.id}", "start": offer.local}
    # The next offer for the same client cannot take that time again.
    again = desk_offers.offers(m.team("north"), d.ask(client, week_start=week))
    assert all(not (o.start < booked.offer.end and booked.offer.start < o.end) for o in again)


def test_a_new_client_gets_the_booked_advisor_as_named_advisor(demo_app):
    d.publish_week()
    north = m.team("north")
    newcomer = Client(team=north, reference="N-NEW", name="New Person", need=m.client_of("advisor1").need)
    db.session.add(newcomer)
    db.session.commit()
    offer = desk_offers.offers(north, d.ask(newcomer))[0]
    assert any("has no named advisor yet" in r for r in offer.reasons), offer.reasons
    booking.book(north, d.ask(newcomer), offer.advisor.id, offer.local, m.user("leader"))
    db.session.expire_all()
    assert db.session.get(Client, newcomer.id).named_advisor_id == offer.advisor.id


def test_the_same_time_twice_is_a_conflict_with_fresh_offers(demo_client, demo_auth):
    d.publish_week()
    client = m.client_of("advisor1")
    offer = desk_offers.offers(m.team("north"), d.ask(client))[0]
    demo_auth.login("leader")
    data = d.form(advisor=offer.advisor.id, start=offer.local)
    assert demo_client.post(f"/desk/clients/{client.id}/book", data=data).status_code == 302
    count = d.request_count()
    again = demo_client.post(f"/desk/clients/{client.id}/book", data=data)
    assert again.status_code == 409
    text = again.get_data(as_text=True)
    assert "was just taken" in text and "nothing was booked" in text
    assert text.count('class="card offer"') >= 1  # fresh offers to choose from
    assert d.request_count() == count
    assert d.current().published_version == 2


def test_an_advisor_books_only_their_own_diary_for_their_own_clients(demo_client, demo_auth):
    d.publish_week()
    mine, theirs = m.client_of("advisor1"), m.client_of("advisor2")
    me = m.user("advisor1").advisor
    demo_auth.login("advisor1")
    assert demo_client.get(f"/desk/clients/{mine.id}").status_code == 200
    assert demo_client.get(f"/desk/clients/{theirs.id}").status_code == 404
    assert demo_client.get(f"/desk/clients/{theirs.id}/offers", query_string=d.form()).status_code == 404
    page = demo_client.get(f"/desk/clients/{mine.id}/offers", query_string=d.form())
    assert page.status_code == 200
    advisors = set(re.findall(r"with ([A-Z][a-z]+ [A-Z][a-z]+)</h2>", page.get_data(as_text=True)))
    assert advisors == {me.name}
    other = m.user("advisor2").advisor  # same team, another diary
    offer = desk_offers.offers(m.team("north"), d.ask(mine))[0]
    refused = demo_client.post(f"/desk/clients/{mine.id}/book",
                               data=d.form(advisor=other.id, start=offer.local))
    assert refused.status_code == 400 and "your own diary" in refused.get_data(as_text=True)


def test_bad_input_names_the_field_and_books_nothing(demo_client, demo_auth):
    d.publish_week()
    client = m.client_of("advisor1")
    demo_auth.login("leader")
    count = d.request_count()
    url = f"/desk/clients/{client.id}/offers"

    def refused(data, field_label, words):
        answer = demo_client.get(url, query_string=data)
        text = answer.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')
        assert answer.status_code == 400, text[:500]
        # The offers query books nothing: its errors say the query is wrong, naming the field, not "Not booked."
        assert f"No offers shown: check what you asked. {field_label}:" in text and words in text, text[:3000]
        assert "Not booked." not in text, text[:3000]

    refused(d.form(windows="sat 09:00-12:00"), "Days and times the client can come", "outside the bookable days")
    refused(d.form(windows="mon 07:00-08:30"), "Days and times the client can come", "is working")
    refused(d.form(windows="someday"), "Days and times the client can come", "is not a window")
    refused(d.form(purpose="bad\x01text"), "Purpose (optional)", "control character")
    refused(d.form(windows="mon 09:00-17:00\x1b"), "Days and times the client can come", "control character")
    refused(d.form(repeat="4", count=15), "How many times in all (a series)", "past a year")
    refused(d.form(repeat="2", count=""), "How many times in all (a series)", "how many times")
    refused(d.form(repeat="3", count=4), "Repeat", "Not a valid choice")
    assert demo_client.get(url, query_string=d.form(purpose="nul\x00")).status_code == 200  # the NUL is taken out
    compliance = db.session.scalar(select(AppointmentType).where(AppointmentType.code == "compliance-review"))
    demo_auth.logout()
    demo_auth.login("advisor1")
    me = m.user("advisor1").advisor
    if "policing" not in me.roles:
        refused(d.form(type_=compliance), "Appointment type", f"{me.name} does not do policing")
    assert d.request_count() == count
    assert d.current().published_version == 1


def test_a_time_outside_the_clients_windows_is_refused(demo_app):
    d.publish_week()
    client = m.client_of("advisor1")
    offer = desk_offers.offers(m.team("north"), d.ask(client, "tue 09:00-12:00"))[0]
    try:
        booking.book(m.team("north"), d.ask(client, "wed 09:00-12:00"), offer.advisor.id, offer.local, m.user("leader"))
    except asks.BookingError as err:
        assert err.field == "start"
    else:
        raise AssertionError("booked outside the client's windows")
    assert db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.booked_at.is_not(None))) is None


def test_on_wednesday_afternoon_what_is_past_is_refused_and_the_rest_is_offered(demo_client, demo_auth):
    """The tests run on the Sunday before the demo week (tests/clock.py); here the clock moves to Wednesday
    13:00 in the office: Monday and Wednesday morning are past (the form names the field), an offer taken on
    Sunday for Wednesday morning can no longer be booked, and Wednesday afternoon is still offered."""
    d.publish_week()
    client = m.client_of("advisor1")
    north = m.team("north")
    morning = desk_offers.offers(north, d.ask(client, "wed 09:00-12:00"))[0]  # taken on Sunday
    wednesday_1300 = datetime.combine(d.week() + timedelta(days=2), time(13), ZoneInfo(north.timezone))
    demo_auth.login("leader")
    count = d.request_count()
    url = f"/desk/clients/{client.id}/offers"
    with clock.at(wednesday_1300):
        for windows, said in (("mon 09:00-17:00", "Mon"), ("wed 09:00-13:15", "Wed")):  # 15 of 30 minutes left
            answer = demo_client.get(url, query_string=d.form(windows=windows))
            text = answer.get_data(as_text=True)
            assert answer.status_code == 400, text[:500]
            assert "No offers shown: check what you asked. Days and times the client can come:" in text, text[:3000]
            assert f"{said} " in text, text[:3000]
            assert "is in the past" in text, text[:3000]
        with pytest.raises(asks.BookingError) as err:
            booking.book(north, d.ask(client, "wed 09:00-17:00"), morning.advisor.id, morning.local, m.user("leader"))
        assert err.value.field == "start" and "has passed" in str(err.value)
        later = desk_offers.offers(north, d.ask(client, "wed 09:00-17:00"))
        assert later and all(o.local >= f"{d.week() + timedelta(days=2)}T13:00" for o in later), [o.local for o in later]
        assert demo_client.get(url, query_string=d.form(windows="wed 09:00-17:00")).status_code == 200
    assert d.request_count() == count
    assert d.current().published_version == 1


def test_a_leader_cannot_reach_another_teams_clients_or_appointments(demo_client, demo_auth):
    south_client = m.client_of("advisor13")
    south_request = db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.client_id == south_client.id)) \
        or db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.team_id == m.team("south").id))
    demo_auth.login("leader")
    assert demo_client.get(f"/desk/clients/{south_client.id}").status_code == 404
    assert demo_client.get(f"/desk/clients/{south_client.id}/offers", query_string=d.form()).status_code == 404
    assert demo_client.post(f"/desk/clients/{south_client.id}/book", data=d.form(advisor=1, start="x")).status_code == 404
    assert demo_client.post(f"/desk/appointments/{south_request.id}/cancel", data={}).status_code == 404
    assert demo_client.post(f"/desk/appointments/{south_request.id}/attendance",
                            data={"outcome": "dna"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(AppointmentRequest, south_request.id).cancelled_at is None
    demo_auth.logout()
    demo_auth.login("leader2")
    assert demo_client.get(f"/desk/clients/{south_client.id}").status_code == 200



def test_publishing_a_draft_planned_before_a_desk_booking_is_refused_and_keeps_the_booking(demo_app):
    """A re-plan drafted from version 1, then a desk booking makes version 2: publishing the draft would
    silently drop the booking, so it is refused naming the client and time, and version 2 stays."""
    from caseload.services.planning.plans import PublishConflict, publish_plan
    from caseload.services.planning.boundary import save_plan

    v1 = d.publish_week()
    north = m.team("north")
    problem, maps = to_problem(north, d.week(), previous=v1)
    draft = save_plan(north, d.week(), problem, named_first(problem), based_on=v1, skipped=maps.skipped)
    client = m.client_of("advisor1")
    offer = desk_offers.offers(north, d.ask(client))[0]
    booking.book(north, d.ask(client), offer.advisor.id, offer.local, m.user("leader"))
    v2 = d.current()
    assert v2.published_version == 2
    with pytest.raises(PublishConflict, match=re.escape(client.reference)):
        publish_plan(draft, None, draft.version_id, expected_published=2)
    assert d.current().id == v2.id and db.session.get(Plan, draft.id).status == "draft"


def test_calendar_event_uids_stay_the_same_across_plan_versions(demo_app):
    import re

    d.publish_week()
    client = m.client_of("advisor1")
    advisor = m.user("advisor1").advisor
    before = re.findall(r"UID:(\S+)", calendar_feed.feed(advisor.user).decode())
    assert before and len(before) == len(set(before))
    offer = next(o for o in desk_offers.offers(m.team("north"), d.ask(client), count=20) if o.advisor.id == advisor.id)
    booked = booking.book(m.team("north"), d.ask(client), advisor.id, offer.local, m.user("leader"))
    text = calendar_feed.feed(advisor.user).decode()
    after = re.findall(r"UID:(\S+)", text)
    assert d.current().published_version == 2
    # Every appointment of version 1 keeps its UID in version 2; the booking adds one (its protected time may move).
    appointments = [u for u in before if u.startswith("caseload-appointment-")]
    assert set(appointments) <= set(after) and len(after) == len(set(after))
    assert calendar_feed.appointment_uid(booked.request.id) in after
    assert "SEQUENCE:2" in text


def test_offers_spread_over_times_with_the_named_advisor_first(demo_app):
    """/desk/requests/25/book showed five offers all at Mon 09:00, one with the named advisor: the desk shows up to
    three of the named advisor's times first, then others each at its own time (ties only when nothing else is
    left), in the engine's order otherwise."""
    client = m.client_of("advisor1")
    named = db.session.get(Advisor, client.named_advisor_id)
    others = [a for a in m.team("north").advisors if a.id != named.id][:4]

    def offer(advisor, local):
        return asks.Offer(advisor, None, None, local, 0, [], {})

    ranked = [offer(others[0], "2026-12-07T09:00"), offer(named, "2026-12-07T09:00"), offer(others[1], "2026-12-07T09:00"),
              offer(others[2], "2026-12-07T09:00"), offer(others[3], "2026-12-07T09:00"),
              offer(named, "2026-12-08T10:00"), offer(others[1], "2026-12-08T11:00"), offer(named, "2026-12-09T09:00"),
              offer(named, "2026-12-10T09:00"), offer(others[2], "2026-12-09T13:00")]
    shown = desk_offers.spread(ranked, d.ask(client), 5)
    assert [(o.advisor.id, o.local) for o in shown] == [
        (named.id, "2026-12-07T09:00"), (named.id, "2026-12-08T10:00"), (named.id, "2026-12-09T09:00"),
        (others[1].id, "2026-12-08T11:00"), (others[2].id, "2026-12-09T13:00")]
    assert desk_offers.spread(ranked, d.ask(client), 10)[5:7] == [ranked[8], ranked[0]]  # then the rest
