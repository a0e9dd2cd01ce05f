"""Shared set-up for the booking desk tests: a published week of the demo office, an ask, a form."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import AppointmentRequest, AppointmentType, Plan, PlanItem
from caseload.services.desk import asks
from caseload.services.planning.plans import publish_plan, published_plan
from caseload.services.planning.boundary import save_plan, to_problem
from caseload.services.rota.requests import parse_windows
from scheduler.baselines import named_first
from tests.web import access_matrix as m

WHOLE_WEEK = "\n".join(f"{d} 09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri"))


def week():
    return this_week_start(m.team("north").timezone)


def next_week():
    return week() + timedelta(days=7)


def publish_week(week_start=None) -> Plan:
    """Plan north's week with the named-first desk plan and publish it (version 1)."""
    north = m.team("north")
    week_start = week_start or week()
    problem, maps = to_problem(north, week_start)
    plan = save_plan(north, week_start, problem, named_first(problem), skipped=maps.skipped)
    return publish_plan(plan, None, plan.version_id, expected_published=0)


def follow_up() -> AppointmentType:
    return db.session.scalar(select(AppointmentType).where(AppointmentType.code == "follow-up"))


def ask(client, windows: str = WHOLE_WEEK, week_start=None, type_=None, advisor=None) -> asks.Ask:
    week_start = week_start or week()
    return asks.Ask(client, type_ or follow_up(), week_start, parse_windows(windows, week_start), advisor=advisor)


def form(client=None, windows: str = WHOLE_WEEK, week_start=None, type_=None, **extra) -> dict:
    return {"type": (type_ or follow_up()).id, "week": (week_start or week()).isoformat(), "windows": windows,
            "purpose": "", **extra}


def current(week_start=None) -> Plan:
    db.session.expire_all()
    return published_plan(m.team("north"), week_start or week())


def items_of(plan: Plan, client_id: int) -> list[PlanItem]:
    return [i for i in plan.items if i.request is not None and i.request.client_id == client_id and i.advisor_id]


def request_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AppointmentRequest.id)))
