"""An advisor asks for a follow-up from the client's page (services/clients/follow_ups.py): a request for the
planner in the client's team, seen on the leader's week requests and at the desk, the advisor named as the one who
asked; only whoever holds or covers the client may ask (a compliance review alone: 403); bad input is a 400 naming
the field with what was typed kept; the same type in the same week twice is refused (409)."""
from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import AppointmentRequest, AppointmentType, AuditEvent, Client, User
from tests.web.test_policing_not_cover import _publish


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _my_client(username):
    advisor = _user(username).advisor
    return db.session.scalar(select(Client).where(Client.named_advisor_id == advisor.id).order_by(Client.id))


def _type(code="follow-up"):
    return db.session.scalar(select(AppointmentType).where(AppointmentType.code == code))


def _week(client, weeks=2):
    return this_week_start(client.team.timezone) + timedelta(weeks=weeks)


def _requests(client, kind, week):
    db.session.expire_all()
    return list(db.session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.client_id == client.id, AppointmentRequest.type_id == kind.id,
        AppointmentRequest.week_start == week)))


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _ask(demo_client, client, **fields):
    data = {"type": _type().id, "week": _week(client).isoformat(), "windows": "", "duration_minutes": "",
            "note": "", **fields}
    return demo_client.post(f"/me/clients/{client.id}/follow-up", data=data)


def test_an_advisor_asks_for_a_follow_up_the_leader_and_the_desk_see_it(demo_client, demo_auth):
    client, kind = _my_client("advisor1"), _type()
    week = _week(client)
    demo_auth.login("advisor1")
    page = _text(demo_client.get(f"/me/clients/{client.id}"))
    assert "Ask for a follow-up" in page
    assert f'<option selected value="{week.isoformat()}">' in page  # two weeks ahead unless chosen otherwise
    assert "Compliance review" not in page.split("Ask for a follow-up")[1].split("</form>")[0]  # support only
    response = _ask(demo_client, client, windows="tue 10:00-12:00\nthu 14:00-16:00", note="Check the payment plan")
    assert response.status_code == 302, _text(response)[:2000]
    [asked] = _requests(client, kind, week)
    assert asked.team_id == client.team_id and asked.duration_minutes == kind.default_minutes  # the type's length
    assert asked.purpose == "Check the payment plan" and len(asked.windows) == 2
    assert asked.pinned_advisor_id is None and asked.booked_at is None  # for the planner, not a booking
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "request_added",
                                                       AuditEvent.object_id == asked.id))
    assert event.user_id == _user("advisor1").id and event.detail["asked_as"]  # the advisor is the asker
    page = _text(demo_client.get(f"/me/clients/{client.id}"))
    assert f"Follow-up asked for the week of {week:%a %d %b %Y}: Follow-up" in page
    assert "waiting to be planned" in page
    demo_auth.logout()
    demo_auth.login("leader")
    requests = _text(demo_client.get(f"/rota/t/{client.team_id}/{week.isoformat()}/requests"))
    assert client.reference in requests and "1–1 of 1 requests" in requests  # the week had none before
    desk = _text(demo_client.get(f"/desk/clients/{client.id}"))
    waiting = desk.split('<p id="waiting">')[1].split("</p>")[0]
    assert "Waiting to be placed by the planner" in waiting and f"Follow-up (week of {week:%d %b})" in waiting


def test_empty_times_ask_for_the_working_week_and_the_minutes_given_are_kept(demo_client, demo_auth):
    client, kind = _my_client("advisor1"), _type()
    demo_auth.login("advisor1")
    week = _week(client, 3)
    assert _ask(demo_client, client, week=week.isoformat(), duration_minutes="45").status_code == 302
    [asked] = _requests(client, kind, week)
    assert asked.duration_minutes == 45 and len(asked.windows) == 5  # Monday to Friday, 09:00-17:00


def test_the_same_type_in_the_same_week_twice_is_refused(demo_client, demo_auth):
    client, kind = _my_client("advisor1"), _type()
    demo_auth.login("advisor1")
    assert _ask(demo_client, client).status_code == 302
    again = _ask(demo_client, client, note="typed again")
    assert again.status_code == 409
    text = _text(again)
    assert "is already asked for" in text and 'value="typed again"' in text
    assert len(_requests(client, kind, _week(client))) == 1


def test_an_advisor_seeing_the_client_only_for_a_compliance_review_may_not_ask(demo_client, demo_auth):
    plan, client, item = _publish("advisor1", "policing")
    demo_auth.login("advisor1")
    page = _text(demo_client.get(f"/me/clients/{client.id}"))
    assert "Ask for a follow-up" not in page  # the page is theirs for the review, not for support
    before = db.session.scalar(select(func.count(AppointmentRequest.id)))
    refused = _ask(demo_client, client, windows="tue 10:00-12:00")
    assert refused.status_code == 403 and "compliance review" in _text(refused)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AppointmentRequest.id))) == before


def test_a_bad_week_or_time_is_refused_naming_the_field_with_the_text_kept(demo_client, demo_auth):
    client, kind = _my_client("advisor1"), _type()
    demo_auth.login("advisor1")
    wednesday = _week(client) + timedelta(days=2)
    bad_week = _ask(demo_client, client, week=wednesday.isoformat(), windows="tue 10:00-12:00", note="kept note")
    assert bad_week.status_code == 400
    text = _text(bad_week)
    assert f"Week of: {wednesday.isoformat()} is a Wednesday" in text
    assert "tue 10:00-12:00</textarea>" in text and 'value="kept note"' in text
    far = _week(client, 20)
    assert "Week of: " in _text(_ask(demo_client, client, week=far.isoformat()))
    off_grid = _ask(demo_client, client, windows="tue 10:07-12:00", note="kept note")
    assert off_grid.status_code == 400
    text = _text(off_grid)
    assert "Days and times the client can come (optional): " in text and "10:07" in text.split("field-error")[1]
    assert "tue 10:07-12:00</textarea>" in text and 'value="kept note"' in text
    no_type = _ask(demo_client, client, type="", windows="wed 09:00-10:00")
    assert no_type.status_code == 400 and "Appointment type: Choose an appointment type." in _text(no_type)
    policing = _ask(demo_client, client, type=_type("compliance-review").id)
    assert policing.status_code == 400 and "Appointment type: " in _text(policing)
    minutes = _ask(demo_client, client, duration_minutes="50")
    assert minutes.status_code == 400 and "Minutes" in _text(minutes).split("field-error")[1]
    assert not _requests(client, kind, _week(client)) and not _requests(client, kind, far)


def test_a_follow_up_the_published_plan_placed_says_when_and_with_whom(demo_client, demo_auth):
    from caseload.services.planning.boundary import save_plan, to_problem
    from caseload.services.planning.plans import publish_plan
    from caseload.services.planning.problem import request_sid
    from tests.web.test_policing_not_cover import _solution

    client = _my_client("advisor1")
    advisor, week = _user("advisor1").advisor, _week(client)
    demo_auth.login("advisor1")
    assert _ask(demo_client, client, windows="tue 10:00-12:00").status_code == 302
    [asked] = _requests(client, _type(), week)
    team = client.team
    problem, maps = to_problem(team, week)
    placed = [{"appointment": request_sid(asked.id), "advisor": f"a{advisor.id}",
               "start": f"{week + timedelta(days=1):%Y-%m-%d}T10:00"}]
    plan = save_plan(team, week, problem, _solution(problem, placed), by=team.leader, skipped=maps.skipped)
    publish_plan(plan, team.leader, plan.version_id, expected_published=0)
    page = _text(demo_client.get(f"/me/clients/{client.id}"))
    assert f"planned: {week + timedelta(days=1):%a %d %b} 10:00 with {advisor.name}" in page
    assert "waiting to be planned" not in page.split('id="follow-ups"')[1].split("</ul>")[0]


def test_a_follow_up_the_desk_booked_says_booked_at_the_desk_and_the_planner_leaves_it_out(demo_client, demo_auth):
    from caseload.services.desk import booking
    from caseload.services.desk import offers as desk_offers
    from caseload.services.planning.boundary import to_problem
    from caseload.services.planning.problem import request_sid
    from tests.web import desk_support as d

    client, user = _my_client("advisor1"), _user("advisor1")
    week = _week(client)
    demo_auth.login("advisor1")
    assert _ask(demo_client, client).status_code == 302
    [asked] = _requests(client, _type(), week)
    ask = d.ask(client, week_start=week, advisor=user.advisor)
    offer = desk_offers.offers(client.team, ask)[0]
    booking.book(client.team, ask, user.advisor.id, offer.local, user)  # the advisor books the client at the desk
    page = _text(demo_client.get(f"/me/clients/{client.id}"))
    listed = page.split('id="follow-ups"')[1].split("</ul>")[0]
    assert "booked at the desk: " in listed and f"with {user.advisor.name}" in listed
    assert "waiting to be planned" not in listed
    problem, _ = to_problem(client.team, week)
    assert request_sid(asked.id) not in {a["id"] for a in problem["appointments"]}  # met: not planned twice
