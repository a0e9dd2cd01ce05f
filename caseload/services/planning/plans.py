"""Plans for a team's week: finding them, publishing a draft, comparing two plans. (A solver result becomes a
draft through boundary.draft_plan.)"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.localtime import to_local
from caseload.models import AppointmentRequest, Client, Plan, Team, hold_version, utcnow
from caseload.services import audit
from caseload.wording import counted
from caseload.services.planning import met_requests
from caseload.services.planning.problem import db_id


class PublishConflict(RuntimeError):
    """Someone else published or changed this week's plans first; nothing was changed."""


def published_plan(team: Team, week_start: date) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.team_id == team.id, Plan.week_start == week_start,
                                                Plan.status == "published"))


def latest_plan(team: Team, week_start: date) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.team_id == team.id, Plan.week_start == week_start)
                             .order_by(Plan.id.desc()).limit(1))


def week_plans(team: Team, week_start: date) -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(Plan.team_id == team.id, Plan.week_start == week_start)
                                   .order_by(Plan.id.desc())))


def _apply_allocations(plan: Plan) -> int:
    """New clients the plan gave a named advisor keep that advisor (only clients still without one)."""
    count = 0
    for allocation in (plan.solution or {}).get("allocations", []):
        client = db.session.get(Client, db_id(allocation["client"]))
        if client is not None and client.named_advisor_id is None:
            client.named_advisor_id = db_id(allocation["advisor"])
            count += 1
    return count


def publish_plan(plan: Plan, by, expected_version: int, expected_published: int | None = None) -> Plan:
    """Make a draft the week's published plan, superseding the one before.

    `expected_version` is the draft's version_id and `expected_published` the week's published version
    (0: none) when the leader looked at it; if either has moved on, the leader has not seen the change.

    Two leaders publishing the same draft, or two drafts of one week, at once: the optimistic lock on
    each plan row (version_id) and the unique (team, week, published_version) stop the second one.
    """
    if plan.version_id != expected_version:
        raise PublishConflict("This plan was changed or published by someone else since you opened it. "
                              "Nothing was published: reload the page and check it again.")
    if plan.status != "draft":
        raise PublishConflict(f"This plan is already {plan.status}; nothing was published.")
    team, week = plan.team, plan.week_start
    try:
        if not hold_version(db.session, plan, expected_version):  # lock the draft before changing anything
            raise StaleDataError("the draft moved on")
        current = published_plan(team, week)
        seen = current.published_version if current is not None else 0
        if expected_published is not None and seen != expected_published:
            raise PublishConflict(f"Version {seen} of this week's plan was published since you opened this page. "
                                  "Nothing was published: review the current plan first.")
        dropped = dropped_by(plan, current)
        if dropped:
            raise PublishConflict(
                (f"Version {seen} of this week's plan has" if current is not None else "This week has")
                + f" {counted(len(dropped), 'appointment')} this draft was made without "
                f"(booked since it was planned): {'; '.join(dropped[:5])}{' …' if len(dropped) > 5 else ''}. "
                "Nothing was published: plan the week again so they are kept.")
        withdrawn = withdrawn_in(plan)
        if withdrawn:
            raise PublishConflict(
                f"This draft places {counted(len(withdrawn), 'appointment')} removed, cancelled or booked at the desk "
                f"since it was planned: {'; '.join(withdrawn[:5])}{' …' if len(withdrawn) > 5 else ''}. Nothing was "
                "published: plan the week again so they are left out.")
        top = db.session.scalar(select(func.max(Plan.published_version)).where(
            Plan.team_id == team.id, Plan.week_start == week)) or 0
        if current is not None:
            current.status = "superseded"
            db.session.flush()  # the old row first, so its lock is checked before ours changes
        plan.status = "published"
        plan.published_version = top + 1
        plan.published_by_id = getattr(by, "id", None)
        plan.published_at = utcnow()
        allocated = _apply_allocations(plan)
        audit.record("plan_published", user=by, obj=plan, team=team.name, week=week.isoformat(),
                     version=plan.published_version, superseded=current.id if current else None,
                     allocated=allocated)
        db.session.commit()
    except (StaleDataError, IntegrityError) as err:
        db.session.rollback()
        raise PublishConflict("Another team leader published a plan for this week at the same moment. "
                              "Nothing was published: reload the page to see the current plan.") from err
    return plan


def dropped_by(draft: Plan, current: Plan | None) -> list[str]:
    """The appointments placed in the published plan (or, in a week not yet published, booked at the desk as
    pinned requests) that the draft does not hold at all (booked after the draft was planned): publishing the
    draft would silently cancel them. Client and local time."""
    known = {i.request_id for i in draft.items}
    if current is None:  # a week not yet published: its desk bookings are pinned requests (services/desk)
        tz = draft.team.timezone
        booked = db.session.scalars(select(AppointmentRequest).where(
            AppointmentRequest.team_id == draft.team_id, AppointmentRequest.week_start == draft.week_start,
            AppointmentRequest.booked_at.is_not(None), AppointmentRequest.pinned_start.is_not(None),
            AppointmentRequest.cancelled_at.is_(None)).order_by(AppointmentRequest.pinned_start))
        return [f"{r.client.reference} {to_local(r.pinned_start, tz):%a %d %b %H:%M}" for r in booked if r.id not in known]
    tz = current.team.timezone
    return [f"{i.request.client.reference} {to_local(i.starts_at, tz):%a %d %b %H:%M}"
            for i in sorted(current.items, key=lambda i: i.starts_at or utcnow())
            if i.advisor_id is not None and i.request is not None and i.request_id not in known
            and i.request.cancelled_at is None]


def withdrawn_in(draft: Plan) -> list[str]:
    """The draft's placed appointments no longer wanted since it was planned, as client (or "a removed request")
    and local time: a request cancelled at the desk, withdrawn when the desk booked it elsewhere ("Book this
    request"), or removed from the week's requests (its item keeps the time, with no request). Publishing the
    draft would put them back in the advisors' diaries and hold their time, where the desk, which lists no
    cancelled or removed request, could not cancel them. Also a request met since by a desk booking made without
    its link (met_requests: e.g. booked in a later week): published, the client would be booked twice."""
    tz = draft.team.timezone
    placed = [i for i in draft.items if i.advisor_id is not None and i.starts_at is not None]
    met = met_requests.met_ids(i.request for i in placed)
    return [f"{i.request.client.reference if i.request is not None else 'a removed request'} "
            f"{to_local(i.starts_at, tz):%a %d %b %H:%M}"
            for i in sorted(placed, key=lambda i: (i.starts_at, i.id))
            if i.request is None or i.request.cancelled_at is not None or i.request_id in met]


@dataclass
class PlanDiff:
    """How a plan differs from the one it re-plans, appointment by appointment (PlanItems of the new plan)."""

    kept: list = field(default_factory=list)
    moved: list = field(default_factory=list)  # (new item, old item)
    newly_unassigned: list = field(default_factory=list)  # (new item, old item)
    newly_assigned: list = field(default_factory=list)
    still_unassigned: list = field(default_factory=list)


def plan_diff(plan: Plan, previous: Plan) -> PlanDiff:
    before = {item.request_id: item for item in previous.items}
    diff = PlanDiff()
    for item in plan.items:
        old = before.get(item.request_id)
        was_placed = old is not None and old.advisor_id is not None
        if item.advisor_id is None:
            (diff.newly_unassigned.append((item, old)) if was_placed else diff.still_unassigned.append(item))
        elif not was_placed:
            diff.newly_assigned.append(item)
        elif (old.advisor_id, old.starts_at) == (item.advisor_id, item.starts_at):
            diff.kept.append(item)
        else:
            diff.moved.append((item, old))
    return diff
