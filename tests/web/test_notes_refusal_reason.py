"""An advisor refused a client's support notes is told the true reason (notes.notes_refusal, lost_cover): their
cover was broken by their absence or an office closure, or ended when the appointment was cancelled or moved
to someone else; not that notes are "kept apart from compliance reviews", which is for an advisor whose only
link is a review."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import Absence, AppointmentType, ClosureDay
from caseload.services.desk import booking
from caseload.services.desk import offers as desk_offers
from caseload.services.desk.cancelling import cancel
from caseload.services.planning.boundary import save_plan
from caseload.services.planning.plans import publish_plan
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.test_policing_not_cover import _publish, _user

KEPT_APART = "kept apart from"


def _review_next_week(advisor, client):
    """A compliance review of `client` with `advisor` booked at the desk next week: a policing link, which lets the
    advisor open the client's page (not its support notes)."""
    review = db.session.scalar(select(AppointmentType).where(AppointmentType.kind == "policing"))
    ask = d.ask(client, week_start=d.next_week(), type_=review)
    offer = next(o for o in desk_offers.offers(client.team, ask, count=40) if o.advisor.id == advisor.id)
    return booking.book(client.team, ask, advisor.id, offer.local, m.user("leader")).request


def _day(moment, tz):
    local = to_local(moment, tz)
    return f"{local:%a} {local.day} {local:%b %Y}"


def test_cover_broken_by_an_absence_says_so_not_kept_apart(demo_client, demo_auth):
    plan, client, item = _publish("advisor3", "support")
    cover = _user("advisor3").advisor
    _review_next_week(cover, client)
    db.session.add(Absence(advisor_id=cover.id, starts_at=item.starts_at - timedelta(hours=3),
                           ends_at=item.ends_at + timedelta(hours=5), reason="sick"))
    db.session.commit()
    demo_auth.login("advisor3")
    why = f"Your cover for this client was broken by your absence (sick) on {_day(item.starts_at, client.team.timezone)}"
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    assert why in page and KEPT_APART not in page
    refused = demo_client.post(f"/me/clients/{client.id}/notes", data={"body": "Called about the form"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and why in text and "compliance reviews" not in text
    week = demo_client.get(f"/me/week/{plan.week_start.isoformat()}").get_data(as_text=True)
    assert why in week and "No notes yet" not in week[week.index(why) - 400:week.index(why)]


def test_cover_broken_by_a_closure_names_the_closure(demo_client, demo_auth):
    plan, client, item = _publish("advisor3", "support")
    cover = _user("advisor3").advisor
    _review_next_week(cover, client)
    day = to_local(item.starts_at, client.team.timezone).date()
    db.session.add(ClosureDay(day=day, team_id=client.team_id, reason="Flooded"))
    db.session.commit()
    demo_auth.login("advisor3")
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    assert "Your cover for this client was broken by the office closure (Flooded)" in page and KEPT_APART not in page


def test_a_cancelled_cover_says_when_it_ended(demo_client, demo_auth):
    client = m.client_of("advisor2")
    cover = _user("advisor3").advisor
    ask = d.ask(client, week_start=d.next_week())
    offer = next(o for o in desk_offers.offers(client.team, ask, count=40) if o.advisor.id == cover.id)
    booked = booking.book(client.team, ask, cover.id, offer.local, m.user("leader")).request
    _review_next_week(cover, client)
    cancel(booked, m.user("leader"))
    db.session.refresh(booked)
    demo_auth.login("advisor3")
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    tz = client.team.timezone
    assert (f"Your cover for this client ended on {_day(booked.cancelled_at, tz)}, when your appointment with them "
            f"on {_day(booked.pinned_start, tz)} was cancelled.") in page
    assert KEPT_APART not in page


def test_a_review_alone_still_says_kept_apart(demo_client, demo_auth):
    plan, client, item = _publish("advisor3", "policing")
    demo_auth.login("advisor3")
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    assert "kept apart from policing" in page and "Your cover" not in page


def test_a_cover_moved_to_someone_else_says_when_it_ended(demo_client, demo_auth):
    plan, client, item = _publish("advisor3", "support")
    cover = _user("advisor3").advisor
    _review_next_week(cover, client)
    other = next(a for a in cover.team.advisors if a.id not in (cover.id, client.named_advisor_id) and a.does_support)
    solution = dict(plan.solution)
    solution["assignments"] = [dict(a, advisor=f"a{other.id}") for a in plan.solution["assignments"]]
    draft = save_plan(plan.team, plan.week_start, plan.problem, solution, by=plan.team.leader)
    publish_plan(draft, plan.team.leader, draft.version_id, expected_published=1)
    demo_auth.login("advisor3")
    page = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    tz = client.team.timezone
    assert (f"Your cover for this client ended on {_day(draft.published_at, tz)}, when your appointment with them on "
            f"{_day(item.starts_at, tz)} was moved off your diary.") in page
    assert KEPT_APART not in page
