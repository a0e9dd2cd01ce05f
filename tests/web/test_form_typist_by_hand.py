"""Forms written by hand with `csrf_token()` (rota, closures, sign-out) carry the typist's stamp as Flask-WTF
forms do (macros.csrf_fields, caseload/form_typist.py): a move chosen on the team view's offers panel, refused
because the session ended, is kept for its typist across sign-in instead of being lost."""
from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import KeptText, PlanItem
from caseload.services.planning.boundary import save_plan, to_problem
from scheduler.baselines import named_first
from tests.web.test_form_expiry import _sign_in, _text, stale  # noqa: F401  (stale: the fixture)
from tests.web.test_rota_click_to_move import _offer_forms


def _draft(north):
    team, week = north
    problem, maps = to_problem(team, week)
    return save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)


def _hand_written_forms(page: str) -> list[str]:
    return [f for f in re.findall(r"<form [^>]*>(.*?)</form>", page, re.S)
            if '<input type="hidden" name="csrf_token" value="' in f]


def test_hand_written_forms_carry_the_stamp(demo_client, stale, north):  # noqa: F811
    stale("leader")
    plan = _draft(north)
    item = next(i for i in plan.items if i.advisor_id is not None)
    pages = {"review": f"/rota/plans/{plan.id}?move={item.id}",
             "week": f"/rota/t/{plan.team_id}/{plan.week_start.isoformat()}/", "closures": "/admin/closures"}
    for name, url in pages.items():
        if name == "closures":
            stale("admin")
        page = demo_client.get(url)
        assert page.status_code == 200, (name, page.status_code)
        forms = _hand_written_forms(page.get_data(as_text=True))
        assert len(forms) >= (2 if name != "closures" else 1), name  # sign-out, and the page's own
        assert all('name="typist" value="' in f for f in forms), name


def test_a_move_chosen_when_the_session_ended_is_kept_for_its_typist(demo_client, stale, north):  # noqa: F811
    stale("leader")
    plan = _draft(north)
    item = next(i for i in plan.items if i.advisor_id is not None)
    form = _offer_forms(demo_client.get(f"/rota/plans/{plan.id}?move={item.id}").get_data(as_text=True))[0]
    assert form.get("typist")
    with demo_client.session_transaction() as session:  # the session ended before the move was sent
        session.clear()
    asked = demo_client.post(f"/rota/plans/{plan.id}/move", data=form)
    assert asked.status_code == 401 and "what you typed is kept" in _text(asked)
    assert db.session.scalar(select(func.count(KeptText.id))) == 1
    before = db.session.get(PlanItem, item.id).advisor_id
    shown = _sign_in(demo_client, asked, "leader")
    assert shown.status_code == 400 and "nothing was saved yet" in html.unescape(shown.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(PlanItem, item.id).advisor_id == before  # shown again, not moved
