"""Click to move: choose an appointment in the team view, see the planner's offers (moves allowed) marked in
the grid with the score change in words, move to one; guardrails and refusals on this path too."""
from __future__ import annotations

import html
import json
import re

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import AuditEvent, Plan, PlanItem
from caseload.services.planning import move_offers
from caseload.services.planning.boundary import save_plan
from caseload.services.planning.problem import db_id
from caseload.services.planning.boundary import to_problem
from scheduler.baselines import named_first


def _draft(team, week) -> Plan:
    problem, maps = to_problem(team, week)
    return save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)


def _offer_forms(page: str) -> list[dict]:
    """Each 'Move here' form of the offers panel as its posted fields."""
    forms = re.findall(r'<form method="post" action="[^"]+/move" class="inline offer-form">(.*?)</form>', page, re.S)
    return [{name: html.unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', f)} for f in forms]


def _inputs(page: str) -> dict:
    """name -> value of the hidden inputs of the first form in `page` (attributes in any order)."""
    form = page[:page.index("</form>")]
    found = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and 'type="hidden"' in tag:
            found[name.group(1)] = html.unescape(value.group(1))
    return found


def _choices(plan, item):
    return move_offers.move_offers(plan, item, sorted(plan.team.advisors, key=lambda a: a.id))


def test_choosing_an_appointment_marks_its_offers_in_the_grid_with_the_score_change_in_words(leader, north):
    team, week = north
    plan = _draft(team, week)
    item = next(i for i in plan.items if i.advisor_id and i.request.type.kind == "support")
    day = plan.team and item.starts_at.date()
    page = leader.get(f"/rota/plans/{plan.id}?move={item.id}&day={day.isoformat()}").data.decode()
    panel = page[page.index('id="move"'):page.index("</section>", page.index('id="move"'))]
    assert f"Moving {item.request.client.name}" in panel
    offers = re.findall(r'<li id="offer-(\d+)"', panel)
    assert offers and offers[0] == "1"
    # Each offer says how it changes the plan's score against where the appointment is now, in words.
    assert re.search(r"(better|worse|as good as) (than )?where it is now", panel)
    grid = page[page.index('<table class="team-grid">'):]
    assert 'class="offer-mark" href="#offer-' in grid and " moving" in grid  # offers and the chosen one, marked
    assert "Who cannot take it" in panel  # refusals said before anything is tried


def test_a_chosen_offer_moves_the_appointment_and_its_score_change_is_exact(leader, north):
    team, week = north
    plan = _draft(team, week)
    item = next(i for i in plan.items if i.advisor_id and i.request.type.kind == "support"
                and i.request.client.named_advisor_id == i.advisor_id)
    choices = _choices(plan, item)
    offer = next(o for o in choices.offers if not o.current and not o.warnings)
    score = plan.score
    page = leader.get(f"/rota/plans/{plan.id}?move={item.id}").data.decode()
    form = next(f for f in _offer_forms(page) if f["offer"] == offer.token)
    response = leader.post(f"/rota/plans/{plan.id}/move", data=form)
    assert response.status_code == 302, response.data[:2000]
    db.session.expire_all()
    plan, item = db.session.get(Plan, plan.id), db.session.get(PlanItem, item.id)
    assert item.advisor_id == offer.advisor.id and item.pinned
    assert plan.score - score == offer.change  # the change shown is the change made
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan_adjusted")).all()[-1]
    assert event.detail["advisor"] == offer.advisor.id


def test_an_offer_that_goes_against_the_named_advisor_asks_for_a_reason_and_audits_it(leader, north):
    team, week = north
    plan = _draft(team, week)
    item = next(i for i in plan.items if i.advisor_id and i.request.type.kind == "support"
                and i.request.client.named_advisor_id == i.advisor_id)
    page = leader.get(f"/rota/plans/{plan.id}?move={item.id}").data.decode()
    choices = _choices(plan, item)
    offer = next(o for o in choices.offers if o.warnings)
    form = next(f for f in _offer_forms(page) if f["offer"] == offer.token)
    asked = leader.post(f"/rota/plans/{plan.id}/move", data=form)
    assert asked.status_code == 409 and b"Confirm the move" in asked.data and b"away from their named advisor" in asked.data
    db.session.expire_all()
    assert db.session.get(PlanItem, item.id).advisor_id == item.advisor_id  # nothing saved yet
    confirm = asked.data.decode()
    fields = _inputs(confirm[confirm.index('class="narrow-form"'):])
    assert fields["offer"] == offer.token  # the offer travels through the confirmation
    fields["reason"] = "Named advisor on a course all week"
    done = leader.post(f"/rota/plans/{plan.id}/move", data=fields)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(PlanItem, item.id).advisor_id == offer.advisor.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan_adjusted")).all()[-1]
    assert event.detail["reason"] == "Named advisor on a course all week" and event.detail["warnings"]


def test_a_tampered_offer_is_refused_and_nothing_moves(leader, north):
    team, week = north
    plan = _draft(team, week)
    item = next(i for i in plan.items if i.advisor_id and i.request.type.kind == "support")
    page = leader.get(f"/rota/plans/{plan.id}?move={item.id}").data.decode()
    form = _offer_forms(page)[0]
    token = json.loads(form["offer"])
    other = next(i for i in plan.items if i.advisor_id and i.id != item.id and not i.pinned)
    # Another appointment "moved" on top of the chosen start: the checker refuses it on saving.
    token["moves"] = [[f"r{other.request_id}", token["advisor"], token["start"]]]
    before = (db.session.get(PlanItem, other.id).advisor_id, db.session.get(PlanItem, other.id).starts_at)
    response = leader.post(f"/rota/plans/{plan.id}/move", data={**form, "offer": json.dumps(token)})
    assert response.status_code == 409 and b"Not saved" in response.data
    for bad in ("{not json", json.dumps({**token, "moves": [["r999999", token["advisor"], token["start"]]]})):
        refused = leader.post(f"/rota/plans/{plan.id}/move", data={**form, "offer": bad})
        assert refused.status_code == 409 and b"could not be read" in refused.data
    db.session.expire_all()
    again = db.session.get(PlanItem, other.id)
    assert (again.advisor_id, again.starts_at) == before
    assert db.session.get(PlanItem, item.id).advisor_id == item.advisor_id


def test_a_refused_move_keeps_what_the_leader_typed_in_the_move_form(leader, north):
    team, week = north
    plan = _draft(team, week)
    item = next(i for i in plan.items if i.advisor_id)
    saturday = (week.toordinal() + 5)
    from datetime import date

    day = date.fromordinal(saturday).isoformat()
    response = leader.post(f"/rota/plans/{plan.id}/move", data={
        "item": item.id, "advisor": item.advisor_id, "day": day, "time": "03:00", "version": plan.version_id})
    assert response.status_code == 409 and b"Not saved" in response.data
    page = response.data.decode()
    form = page[page.index('class="grid-form move-form"'):page.index("</form>", page.index('class="grid-form move-form"'))]
    assert f'value="{day}"' in form and 'value="03:00"' in form
    assert re.search(rf'<option selected value="{item.advisor_id}"|<option value="{item.advisor_id}" selected', form)
    assert f'<option value="{item.id}" selected>' in form
    assert 'name="pin"' in form and "checked" not in form[form.index('name="pin"') - 80:form.index('name="pin"') + 80]
    # An off-grid time is named and kept too (400: the form itself is refused).
    off = leader.post(f"/rota/plans/{plan.id}/move", data={
        "item": item.id, "advisor": item.advisor_id, "day": week.isoformat(), "time": "10:07", "version": plan.version_id})
    assert off.status_code == 400 and 'value="10:07"' in off.data.decode()


def test_offers_for_an_unassigned_appointment_and_refusals_name_the_reason(leader, north):
    team, week = north
    problem, maps = to_problem(team, week)
    solution = named_first(problem)
    gone = solution["assignments"].pop()
    solution["unassigned"].append({"appointment": gone["appointment"], "reason": "left out for this test"})
    solution.pop("score", None)
    plan = save_plan(team, week, problem, solution, skipped=maps.skipped)
    item = next(i for i in plan.items if i.request_id == db_id(gone["appointment"]))
    page = leader.get(f"/rota/plans/{plan.id}").data.decode()
    assert f"move={item.id}" in page  # "find a place" beside the unassigned appointment
    choices = _choices(plan, item)
    assert choices.offers and all(o.change > 0 and not o.current for o in choices.offers)
    kind = item.request.type.kind
    assert any(why == f"does not do {kind} appointments" or why.startswith("lacks the skill")
               for _, why in choices.refusals)


def test_a_move_that_breaks_a_rule_is_refused_before_any_confirmation_is_asked(leader, north):
    team, week = north
    plan = _draft(team, week)
    item = next(i for i in plan.items if i.advisor_id and i.request.client.named_advisor_id == i.advisor_id)
    other = next(a for a in team.advisors if a.id != item.advisor_id)
    from datetime import timedelta

    response = leader.post(f"/rota/plans/{plan.id}/move", data={
        "item": item.id, "advisor": other.id, "day": (week + timedelta(days=5)).isoformat(), "time": "03:00",
        "version": plan.version_id})
    assert response.status_code == 409 and b"Not saved" in response.data and b"Confirm the move" not in response.data


def test_only_advisors_who_cannot_take_it_anywhere_are_listed_as_refusals(leader, north):
    from scheduler.booking import Desk

    from caseload.services.planning.move_offers import _without
    from caseload.services.planning.problem import advisor_sid, request_sid

    team, week = north
    plan = _draft(team, week)
    for item in [i for i in plan.items if i.advisor_id and i.request.type.kind == "support"][:5]:
        choices = _choices(plan, item)
        sid = request_sid(item.request_id)
        appointment = next(a for a in plan.problem["appointments"] if a["id"] == sid)
        anywhere = Desk(*_without(plan.problem, plan.solution, sid)).offers(
            {k: v for k, v in appointment.items() if k != "pinned"}, count=10_000)["offers"]
        able = {o["advisor"] for o in anywhere}
        refused = {advisor_sid(a.id) for a, _ in choices.refusals}
        assert not refused & able  # someone who could take it somewhere is never called unable
        assert refused | able == {advisor_sid(a.id) for a in team.advisors if a.active}
