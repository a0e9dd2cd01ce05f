"""Numbers typed into links and hidden fields (ids, versions, pages) as a careless or hostile user writes them:
"²" and "٣" pass str.isdigit() but int("²") raises, and 20 digits overflow an INTEGER column. Each means "none"
(or a stale version) at every such edge, never a 500."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import Plan
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.values import whole_number
from scheduler.baselines import named_first
from tests.web import access_matrix as m
from tests.web import desk_support as d

ODD = ["²", "¹²", "٣", "99999999999999999999", "-1", "1.0", " "]


def test_whole_number_takes_ascii_digits_up_to_the_integer_column():
    assert [whole_number(t) for t in ("0", "7", " 42 ", "2147483647")] == [0, 7, 42, 2147483647]
    assert [whole_number(t) for t in ODD + ["2147483648", "", None]] == [None] * (len(ODD) + 3)
    assert whole_number("1000", most=999) is None


def _draft():
    north = m.team("north")
    problem, maps = to_problem(north, d.week())
    return save_plan(north, d.week(), problem, named_first(problem), skipped=maps.skipped)


@pytest.mark.parametrize("odd", ODD)
def test_odd_numbers_in_links_are_never_a_500(demo_client, demo_auth, odd):
    plan = _draft()
    client = m.client_of("advisor1")
    team, week = client.team_id, d.week().isoformat()
    demo_auth.login("leader")
    links = [f"/desk/clients/{client.id}?rebook={odd}", f"/rota/plans/{plan.id}?move={odd}",
             f"/rota/plans/{plan.id}?advisor={odd}", f"/rota/t/{team}/clients?new={odd}",
             f"/rota/t/{team}/clients?advisor={odd}", f"/rota/t/{team}/clients?page={odd}",
             f"/rota/t/{team}/{week}/requests?page={odd}", f"/rota/t/{team}/{week}/requests?new={odd}"]
    for link in links:
        status = demo_client.get(link).status_code
        assert status in (200, 404), (link, status)
    offers = demo_client.get(f"/desk/clients/{client.id}/offers", query_string=d.form(replacing=odd))
    assert offers.status_code == 400 and "Appointment rebooked" in offers.get_data(as_text=True)


@pytest.mark.parametrize("odd", ["²", "99999999999999999999", "abc"])
def test_odd_numbers_in_the_move_and_publish_forms_are_refused_not_a_500(demo_client, demo_auth, odd):
    plan = _draft()
    item = next(i for i in plan.items if i.advisor_id is not None)
    demo_auth.login("leader")
    form = {"item": str(item.id), "advisor": str(item.advisor_id), "day": d.week().isoformat(), "time": "10:00",
            "version": str(plan.version_id), "pin": "y"}
    assert demo_client.post(f"/rota/plans/{plan.id}/move", data={**form, "item": odd}).status_code == 404
    stale = demo_client.post(f"/rota/plans/{plan.id}/move", data={**form, "version": odd})
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    publish = demo_client.post(f"/rota/plans/{plan.id}/publish", data={"version": odd, "published": "0", "confirm": "y"})
    assert publish.status_code in (302, 400, 409), publish.status_code
    assert d.current() is None  # nothing was published


@pytest.mark.parametrize("odd", ["²", "99999999999999999999"])
def test_odd_numbers_in_the_administrators_lists_mean_the_default(demo_client, demo_auth, odd):
    demo_auth.login("admin")
    for link in (f"/admin/users?page={odd}", f"/admin/advisors?page={odd}", f"/admin/advisors?team={odd}"):
        assert demo_client.get(link).status_code == 200, link


@pytest.mark.parametrize("odd", ["-5", "0", "nan", "inf", "99999999999999999999"])
def test_week_plan_refuses_a_time_limit_no_run_can_keep(demo_app, odd):
    """`flask week plan --time-limit` took any float (-5, nan, inf) to the solver, `region plan` took nan; both
    want 1-3600 s, refuse anything else naming the option, and plan nothing."""
    before = db.session.scalar(select(func.count(Plan.id)))
    for args in (["week", "plan", "--team", "north", "--week", "this"], ["region", "plan", "--week", "this"]):
        result = demo_app.test_cli_runner().invoke(args=args + ["--time-limit", odd])
        assert result.exit_code == 2 and "--time-limit" in result.output, (args, result.output)
    assert db.session.scalar(select(func.count(Plan.id))) == before
