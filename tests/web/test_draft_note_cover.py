"""A leader's handover note on a draft plan's support appointment readies cover only while that draft may still
become the week's plan (notes._live_items): its week has no published plan and it is the newest draft of the week.
A draft left behind when another plan of the week is published (drafts stay "draft") opens nothing: else an
advisor re-planned to do only the client's compliance review would keep reading their support notes."""
from __future__ import annotations

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Client, ClientNote, HandoverNote
from caseload.services.clients import notes
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.planning.plans import publish_plan
from caseload.services.planning.problem import db_id
from tests.web.test_policing_not_cover import _solution, _user

SECRET = "Talked about the rent arrears in confidence"


def _support_and_review(problem: dict, p) -> tuple[dict, dict]:
    """(support, review): the problem's support appointment and compliance review of one client of another advisor
    than `p` (an Advisor), the first such client's."""
    named = {c["id"]: c["named_advisor"] for c in problem["clients"]}
    kinds = {}
    for a in problem["appointments"]:
        kinds.setdefault(a["client"], {}).setdefault(a["kind"], a)
    cid = next(c for c, k in kinds.items() if {"support", "policing"} <= set(k) and named[c] not in (f"a{p.id}", None))
    return kinds[cid]["support"], kinds[cid]["policing"]


def _noted_draft():
    """(team, week, problem, maps, p, client, support, review, d1): a draft D1 where advisor1 (P) has a support
    appointment of another advisor's client, with the leader's handover note to P on it; `review` is the same
    client's compliance review in the week's problem."""
    p = _user("advisor1").advisor
    team = p.team
    week = this_week_start(team.timezone)
    problem, maps = to_problem(team, week)
    support, review = _support_and_review(problem, p)
    d1 = save_plan(team, week, problem, _solution(problem, [
        {"appointment": support["id"], "advisor": f"a{p.id}", "start": support["windows"][0]["start"][:11] + "12:00"}]),
        by=team.leader, skipped=maps.skipped)
    client = db.session.get(Client, db_id(support["client"]))
    item = next(i for i in d1.items if i.advisor_id == p.id)
    db.session.add(HandoverNote(client_id=client.id, plan_item_id=item.id, from_advisor_id=client.named_advisor_id,
                                to_advisor_id=p.id, author_id=team.leader.id, body="Over to you for the week"))
    db.session.add(ClientNote(client_id=client.id, author_id=team.leader.id, body=SECRET))
    db.session.commit()
    assert notes.may_read_notes(p, client)  # the draft path: the leader's note readies P's cover
    return team, week, problem, maps, p, client, support, review, d1


def _reviews_only(team, week, problem, maps, p, review):
    """D2: P does only the client's compliance review (the support appointment left unplaced)."""
    return save_plan(team, week, problem, _solution(problem, [
        {"appointment": review["id"], "advisor": f"a{p.id}", "start": review["windows"][0]["start"][:11] + "13:00"}]),
        by=team.leader, skipped=maps.skipped)


def test_a_noted_draft_left_behind_by_a_published_plan_opens_nothing(demo_client, demo_auth):
    team, week, problem, maps, p, client, support, review, d1 = _noted_draft()
    d2 = _reviews_only(team, week, problem, maps, p, review)
    publish_plan(d2, team.leader, d2.version_id, expected_published=0)
    db.session.expire_all()
    assert db.session.get(type(d1), d1.id).status == "draft"  # D1 stays a draft
    assert p.id in notes.policing_advisor_ids(client)
    assert not notes.may_read_notes(p, client)
    assert p.id not in notes.covering_advisor_ids(client) and client not in notes.covered_clients(p)
    # how the cover ended, not "kept apart from policing" (test_lost_cover_words has the sentence)
    assert notes.notes_refusal(p, client).startswith("Your cover for this client ended on ")
    demo_auth.login("advisor1")
    text = demo_client.get(f"/me/clients/{client.id}").get_data(as_text=True)
    assert SECRET not in text and "was not the one published" in text


def test_a_noted_draft_counts_only_while_it_is_the_newest_draft(demo_client):
    team, week, problem, maps, p, client, support, review, d1 = _noted_draft()
    _reviews_only(team, week, problem, maps, p, review)  # re-planned, not yet published
    db.session.expire_all()
    assert not notes.may_read_notes(p, client)
