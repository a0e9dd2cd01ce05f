"""Why an advisor's cover of a client ended: the plain reason shown when their support notes are closed to them.

Cover opens a client's support notes only while its appointment is live (notes.live_cover). When it is not any
more, the advisor is told which of these happened to their latest covering appointment with the client, rather
than a reason that does not apply (such as policing being kept apart from support):
- broken by their own absence, or by an office closure on its day (handovers.broken_spans): to be rebooked;
- cancelled (the date it was cancelled);
- moved off their diary by a newer published version of the week (the date that version was published);
- overtaken, for cover readied by a leader's handover note on a draft plan (notes._passed_over): that draft was
  replaced by a newer draft of the week, or the week was published with another plan (the date of either).
Each day is worded in the timezone of the team the appointment (its plan, its booking) belonged to, not the
client's team now: a client moved to a team in another zone still reads the days as they were where it happened.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from caseload.extensions import db
from caseload.localtime import end_after, to_local
from caseload.models import Advisor, AppointmentRequest, AppointmentType, Client, HandoverNote, Plan, PlanItem
from caseload.services.planning.handovers import Span, broken_item_ids, broken_spans, supports


@dataclass
class _Was:
    """One of the advisor's covering appointments with the client: when it starts, and why it is not live (None:
    it is, or it is judged elsewhere)."""

    starts_at: datetime
    why: str | None


def lost_cover(advisor: Advisor, client: Client) -> str | None:
    """The plain sentence saying how `advisor`'s cover of `client` ended, from their latest covering appointment
    (a support appointment with them, whatever the allocation: handovers.supports) that is no longer
    live, in any published or superseded plan, in a draft with a handover note to them, or booked at the desk into
    their diary; None when there is none. Asked only of an advisor who may not read the notes
    (notes.notes_refusal), so none of theirs is live."""
    # Only ended ones: a superseded version's item whose request the current version still places with them is
    # judged as that version's item (which may be broken), not as "live".
    ended = [w for w in _planned(advisor, client) + _drafted(advisor, client) + _desk_booked(advisor, client)
             if w.why is not None]
    return max(ended, key=lambda w: w.starts_at).why if ended else None


def _day(moment: datetime, tz: str) -> str:
    """The local day, as people write it: "Wed 2 Dec 2026"."""
    local = to_local(moment, tz)
    return f"{local:%a} {local.day} {local:%b %Y}"


def _cancelled(request: AppointmentRequest, starts_at: datetime, tz: str) -> str:
    return (f"Your cover for this client ended on {_day(request.cancelled_at, tz)}, when your appointment with "
            f"them on {_day(starts_at, tz)} was cancelled.")


def _broken(why: str, starts_at: datetime, tz: str) -> str:
    """`why` is broken_spans' "absent: <reason>" or "office closed: <reason>"."""
    cause, _, reason = why.partition(": ")
    by = f"your absence ({reason})" if cause == "absent" else f"the office closure ({reason})"
    return (f"Your cover for this client was broken by {by} on {_day(starts_at, tz)}: that appointment is to be "
            f"rebooked, so it no longer covers them.")


def _date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _items(advisor: Advisor, client: Client, *where) -> list[PlanItem]:
    """The advisor's placed support appointments with the client in plans matching `where` (plans, teams loaded)."""
    return [i for i in db.session.scalars(
        select(PlanItem).join(Plan).join(AppointmentRequest, PlanItem.request_id == AppointmentRequest.id)
        .join(AppointmentType, AppointmentRequest.type_id == AppointmentType.id)
        .where(PlanItem.advisor_id == advisor.id, AppointmentRequest.client_id == client.id,
               AppointmentType.kind == "support", PlanItem.starts_at.is_not(None), PlanItem.ends_at.is_not(None),
               *where)
        .options(selectinload(PlanItem.plan).selectinload(Plan.team), selectinload(PlanItem.request)))
        if supports(i.request, advisor.id)]


def _planned(advisor: Advisor, client: Client) -> list[_Was]:
    items = _items(advisor, client, Plan.status.in_(("published", "superseded")))
    broken = broken_item_ids([i for i in items if i.plan.status == "published"])
    out = []
    for item in items:
        tz = item.plan.team.timezone  # the appointment's team: the client may have moved to another zone since
        if item.request.cancelled_at is not None:
            out.append(_Was(item.starts_at, _cancelled(item.request, item.starts_at, tz)))
        elif item.plan.status == "published":
            out.append(_Was(item.starts_at, _broken(broken[item.id], item.starts_at, tz) if item.id in broken else None))
        else:
            out.append(_Was(item.starts_at, _moved(item, advisor, tz)))
    return out


def _published_now(item: PlanItem) -> Plan | None:
    """The published plan of the item's team and week, if any."""
    return db.session.scalar(select(Plan).where(Plan.team_id == item.plan.team_id,
                                                Plan.week_start == item.plan.week_start, Plan.status == "published"))


def _places(plan: Plan, item: PlanItem, advisor: Advisor) -> bool:
    """Whether `plan` places `item`'s request with the advisor (then that plan's item is the one judged)."""
    return any(i.request_id == item.request_id and i.advisor_id == advisor.id for i in plan.items)


def _moved(item: PlanItem, advisor: Advisor, tz: str) -> str | None:
    """A superseded version's appointment: moved off the advisor's diary if the week's published version does
    not place its request with them (if it does, that version's item is the one judged)."""
    current = _published_now(item)
    if current is None or _places(current, item, advisor):
        return None
    when = current.published_at or current.created_at
    return (f"Your cover for this client ended on {_day(when, tz)}, when your appointment with them on "
            f"{_day(item.starts_at, tz)} was moved off your diary.")


def _published(request: AppointmentRequest) -> bool:
    return db.session.scalar(select(Plan.id).where(Plan.team_id == request.team_id, Plan.status == "published",
                                                   Plan.week_start == request.week_start).limit(1)) is not None


def _drafted(advisor: Advisor, client: Client) -> list[_Was]:
    """Support appointments with the advisor in drafts carrying a handover note to them on that appointment: the
    leader's note readied cover while the draft was the week's newest and nothing of the week was published
    (notes._passed_over). Cancelled, overtaken (_overtaken), or, while still the week's live draft, broken."""
    noted = select(HandoverNote.id).where(HandoverNote.plan_item_id == PlanItem.id,
                                          HandoverNote.to_advisor_id == advisor.id)
    items = _items(advisor, client, Plan.status == "draft", noted.exists())
    broken = broken_item_ids(items)
    out = []
    for item in items:
        tz = item.plan.team.timezone
        week = list(db.session.scalars(select(Plan).where(Plan.team_id == item.plan.team_id, Plan.id != item.plan.id,
                                                          Plan.week_start == item.plan.week_start)))
        if item.request.cancelled_at is not None:
            out.append(_Was(item.starts_at, _cancelled(item.request, item.starts_at, tz)))
        elif _passed_over(item.plan, week):
            out.append(_Was(item.starts_at, _overtaken(item, week, advisor, tz)))
        else:
            out.append(_Was(item.starts_at, _broken(broken[item.id], item.starts_at, tz) if item.id in broken else None))
    return out


def _passed_over(draft: Plan, week: list[Plan]) -> bool:
    """notes._passed_over for one draft: another plan of its week (`week`) is published, or is a newer draft."""
    return any(p.status == "published" or (p.status == "draft" and p.id > draft.id) for p in week)


def _overtaken(item: PlanItem, week: list[Plan], advisor: Advisor, tz: str) -> str | None:
    """Why a passed-over noted draft's appointment no longer covers, in plain words: the week was published with
    another plan (when it first was), or the draft was replaced by a newer draft (when that was made). None when
    the published plan places the request with the advisor (its item is judged in _planned), or when the draft was
    made after the week was published (it never gave cover, so none was lost)."""
    draft = item.plan
    published = sorted(p.published_at for p in week if p.published_at is not None)
    if published and published[0] < draft.created_at:
        return None  # made when the week was already published (a re-plan): its note never readied cover
    of = (f"the draft plan of the week of {_date(draft.week_start)} that gave you your appointment with them on "
          f"{_day(item.starts_at, tz)}")
    current = next((p for p in week if p.status == "published"), None)
    if current is not None:
        if _places(current, item, advisor):
            return None
        when = published[0] if published else current.created_at
        return (f"Your cover for this client ended on {_day(when, tz)}, when the week was published with another "
                f"plan: {of} was not the one published.")
    replaced = min((p for p in week if p.status == "draft" and p.id > draft.id), key=lambda p: p.id)
    return (f"Your cover for this client ended on {_day(replaced.created_at, tz)}, when {of} was replaced by a "
            f"newer draft.")


def _desk_booked(advisor: Advisor, client: Client) -> list[_Was]:
    """Desk bookings pinned to the advisor; in a published week only a cancelled one is judged here (the rest are
    that week's plan appointments, judged in _planned)."""
    requests = [r for r in db.session.scalars(
        select(AppointmentRequest).join(AppointmentType, AppointmentRequest.type_id == AppointmentType.id)
        .where(AppointmentRequest.pinned_advisor_id == advisor.id, AppointmentRequest.client_id == client.id,
               AppointmentType.kind == "support", AppointmentRequest.booked_at.is_not(None),
               AppointmentRequest.pinned_start.is_not(None)))
        if supports(r, advisor.id)]
    open_ = [r for r in requests if r.cancelled_at is None and not _published(r)]
    broken = broken_spans([Span(r.id, advisor.id, r.pinned_start, end_after(r.pinned_start, r.duration_minutes),
                                r.team_id, r.team.timezone) for r in open_])
    # each day in the booking's team's zone: the client may have moved to another since
    out = [_Was(r.pinned_start, _cancelled(r, r.pinned_start, r.team.timezone)) for r in requests
           if r.cancelled_at is not None]
    out += [_Was(r.pinned_start, _broken(broken[r.id], r.pinned_start, r.team.timezone) if r.id in broken else None)
            for r in open_]
    return out
