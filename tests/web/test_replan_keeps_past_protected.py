"""A re-plan of a week under way keeps the protected time the published plan seated before now, as it keeps the
appointments held before now: published, the new plan still shows Monday's protected time (My week, the team's
grid, the protected-time report's figure), which really happened.

The fault: the problem of a started week has working time only from now (planning/started.py), so the planner's
solution holds no protected block before now, and the plan rebuilt from it dropped Monday's and Tuesday's.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import Advisor, Plan, SolveJob
from caseload.services.planning import runs as planning
from caseload.services.planning.problem import advisor_sid, asked_protected, protected_target
from scheduler import check_solution
from scheduler.baselines import named_first
from tests.clock import at
from tests.web import access_matrix as m
from tests.web import desk_support as d

WEDNESDAY_1000 = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)  # London is on GMT: 10:00 local


def _blocks(plan, before):
    return sorted((b.advisor_id, b.starts_at, b.ends_at) for b in plan.protected_blocks if b.starts_at < before)


def _minutes(plan, advisor_id):
    return sum(int((b.ends_at - b.starts_at).total_seconds() // 60) for b in plan.protected_blocks
               if b.advisor_id == advisor_id)


def test_a_re_plan_on_wednesday_keeps_mondays_protected_time(demo_auth, leader, north, monkeypatch):
    team, week = north
    first = d.publish_week()  # on Sunday (the pinned clock): version 1 seats protected time all week
    tuesday = to_utc(week + timedelta(days=1), "00:00", team.timezone)
    monday = _blocks(first, tuesday)
    assert len(monday) >= 3
    monkeypatch.setattr(planning, "solver", lambda: lambda problem, time_limit, workers, progress: named_first(problem))
    with at(WEDNESDAY_1000):
        assert leader.post(f"/rota/t/{team.id}/{week}/plan", data={"time_limit": 5}).status_code == 302
        job = db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc())).first()
        draft = db.session.get(Plan, job.plan_id)
        assert leader.post(f"/rota/plans/{draft.id}/publish",
                           data={"version": draft.version_id, "published": 1}).status_code == 302
        new = d.current()
        assert new.id == draft.id and new.published_version == 2
        assert _blocks(new, tuesday) == monday  # without the fix: []
        # Nothing new is seated across now, and the plan breaks no rule (the kept blocks ride outside the planner).
        assert all(b.starts_at >= WEDNESDAY_1000 or b.ends_at <= WEDNESDAY_1000 for b in new.protected_blocks)
        assert [v for v in check_solution(new.problem, new.solution).violations
                if not v.startswith(("score", "bound"))] == []

        # The figures count them: an advisor's target is what the planner was asked for from now plus what is kept
        # from before, at most the week's own; the plan's protected figure is kept against those targets.
        asked = asked_protected(new)
        ahead = {int(a["id"][1:]): a["protected_minutes"] for a in new.problem["advisors"]}
        for advisor_id in {aid for aid, _, _ in monday}:
            week_target = protected_target(db.session.get(Advisor, advisor_id), week, team.timezone).minutes
            assert ahead[advisor_id] < asked[advisor_id] <= week_target
        figure = sum(min(asked[a], _minutes(new, a)) for a in asked) / sum(asked.values())
        assert new.figures["protected"] == round(figure, 6)

        # My week shows the protected time of the whole week, Monday's included, against that target.
        advisor = next(db.session.get(Advisor, aid) for aid, _, _ in monday
                       if db.session.get(Advisor, aid).user is not None)
        demo_auth.logout()
        demo_auth.login(advisor.user.username)
        page = demo_auth.client.get(f"/me/week/{week.isoformat()}").get_data(as_text=True)
        assert f"{round(_minutes(new, advisor.id) / 60, 1)} h protected time (target " \
               f"{round(asked[advisor.id] / 60, 1)} h" in page


def test_held_protected_keeps_only_what_lies_before_now_inside_the_working_time():
    """A block running at the cut keeps its part before it; the part of a block an absence recorded since covers is
    not kept (that time was not protected time); an advisor no longer in the team keeps none."""
    from types import SimpleNamespace

    from caseload.services.planning.problem import held_protected

    def utc(day, hour, minute=0):
        return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)

    def local(day, hour, minute=0):
        return datetime(2026, 11, day, hour, minute)

    plan = SimpleNamespace(protected_blocks=[
        SimpleNamespace(advisor_id=1, starts_at=utc(30, 14), ends_at=utc(30, 16)),  # Monday, ended before now
        SimpleNamespace(advisor_id=2, starts_at=utc(30, 9), ends_at=utc(30, 11)),  # 09:30-10:00 absent since
        SimpleNamespace(advisor_id=1, starts_at=utc(30, 16, 30), ends_at=utc(30, 18)),  # running at the cut
        SimpleNamespace(advisor_id=3, starts_at=utc(30, 9), ends_at=utc(30, 10)),  # not in the team any more
    ])
    cut = local(30, 17)
    working = {1: [(local(30, 9), local(30, 18))], 2: [(local(30, 9), local(30, 9, 30)), (local(30, 10), local(30, 17))]}
    assert held_protected(plan, cut, "Europe/London", working) == [
        (1, local(30, 14), local(30, 16)), (1, local(30, 16, 30), local(30, 17)),
        (2, local(30, 9), local(30, 9, 30)), (2, local(30, 10), local(30, 11))]
    assert held_protected(plan, None, "Europe/London", working) == []  # a week not started holds nothing


def test_a_desk_booking_on_wednesday_keeps_the_advisors_monday_protected_time(demo_app):
    """A booking re-seats its advisor's protected time around it in the week now (from now on): the new published
    version kept none of that advisor's Monday protected time (the other advisors' stayed)."""
    from caseload.services.desk import booking
    from caseload.services.desk import offers as desk_offers

    first = d.publish_week()
    team, week = first.team, first.week_start
    tuesday = to_utc(week + timedelta(days=1), "00:00", team.timezone)
    monday = _blocks(first, tuesday)
    with at(WEDNESDAY_1000):
        client = m.client_of("advisor1")
        ask = d.ask(client, windows="thu 09:00-17:00")
        offer = desk_offers.offers(team, ask)[0]
        assert offer.advisor.id in {aid for aid, _, _ in monday}
        booking.book(team, ask, offer.advisor.id, offer.local, m.user("leader"))
        second = d.current()
        assert second.published_version == 2
        assert _blocks(second, tuesday) == monday  # without the fix: the booked advisor's are gone
        assert [v for v in check_solution(second.problem, second.solution).violations
                if not v.startswith(("score", "bound"))] == []


def test_a_desk_booking_after_an_absence_since_the_re_plan_keeps_the_held_blocks_once(demo_app):
    """A re-plan on Wednesday keeps Monday's protected time as it was (the plan's held blocks). An absence recorded
    on Thursday over the first half hour of such a block, then a desk booking that re-seats that advisor: the new
    version held the block twice (Mon 13:30-17:00 kept, and 14:00-17:00 cut to the working time as it is now), two
    overlapping blocks the checker refuses (rule 7) and counted twice in the advisor's protected time."""
    from caseload.services.desk import booking
    from caseload.services.desk import offers as desk_offers
    from caseload.services.planning.boundary import save_plan, to_problem
    from caseload.services.planning.plans import publish_plan
    from caseload.services.rota import week as rota

    first = d.publish_week()
    team, week = first.team, first.week_start
    tuesday = to_utc(week + timedelta(days=1), "00:00", team.timezone)
    with at(WEDNESDAY_1000):
        problem, maps = to_problem(team, week)
        draft = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
        second = publish_plan(draft, None, draft.version_id, expected_published=1)
        assert second.problem.get("held_protected")
    with at(WEDNESDAY_1000 + timedelta(days=1)):
        client = m.client_of("advisor1")
        windows = "thu 13:00-17:00\nfri 09:00-17:00"
        aid = desk_offers.offers(team, d.ask(client, windows=windows))[0].advisor.id
        monday = _blocks(second, tuesday)
        start, end = next((s, e) for a, s, e in monday if a == aid)
        rota.add_absence(team, week, db.session.get(Advisor, aid), start, start + timedelta(minutes=30), "sick",
                         None, None)
        offer = next(o for o in desk_offers.offers(team, d.ask(client, windows=windows), count=50)
                     if o.advisor.id == aid and advisor_sid(aid) in o.document["reseated"])
        booking.book(team, d.ask(client, windows=windows), aid, offer.local, m.user("leader"))
        third = d.current()
        assert third.published_version == 3
        assert _blocks(third, tuesday) == monday  # without the fix: also (aid, start + 30 min, end)
        assert [v for v in check_solution(third.problem, third.solution).violations
                if not v.startswith(("score", "bound"))] == []
