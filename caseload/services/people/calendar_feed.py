"""The advisor's calendar feed: their published weeks as iCalendar, at a secret URL they can revoke and renew.

A week not yet published shows the desk bookings already made in the advisor's diary, marked STATUS:TENTATIVE
(My week's "Booked, not yet planned"): planning may still move them. Once the week is published the same UID
comes back CONFIRMED at the plan's time, with a higher SEQUENCE, so the calendar updates the event in place.

The token is the only credential, so it is long and random (secrets.token_urlsafe) and a new one
replaces the old at once. Events carry the client's reference and the kind of meeting, never the
client's name or notes: calendar apps copy feeds to places this service does not control.

A day the advisor's office is closed (services/closures) is an all-day, free (TRANSPARENT) event
"Office closed: <reason>", so the calendar says why the day is empty.

The advisor's own absences (leave, training, sickness...) are busy (OPAQUE) events "Absent" whether or not the
week is published: all-day (VALUE=DATE) when the absence runs from a local midnight to a local midnight, else
timed in UTC. The summary never carries the absence's reason or note: the leader types them (a reason may be
"sick: hospital"), and a subscribed calendar is copied to the calendar provider and often shared with colleagues.
"""
from __future__ import annotations

import re
import secrets
from datetime import date, time, timedelta

from icalendar import Calendar, Event, vText
from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import end_after, this_week_start, to_utc, wall_clock
from caseload.models import Absence, Plan, User, utcnow
from caseload.services import audit
from caseload.services.clients.caseload import booked_requests
from caseload.services.closures import closed_days

WEEKS_BEFORE = 2
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
WEEKS_AFTER = 6


def issue_token(user: User) -> str:
    """A new secret feed token; the previous URL stops working."""
    renewed = user.calendar_token is not None
    user.calendar_token = secrets.token_urlsafe(32)
    audit.record("calendar_feed_renewed" if renewed else "calendar_feed_created", user=user, obj=user)
    db.session.commit()
    return user.calendar_token


def revoke_token(user: User) -> None:
    if user.calendar_token is None:
        return
    user.calendar_token = None
    audit.record("calendar_feed_revoked", user=user, obj=user)
    db.session.commit()


def user_for_token(token: str) -> User | None:
    """The active advisor whose feed this is, or None (so the URL answers 404)."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(select(User).where(User.calendar_token == token))
    if user is None or not user.active or user.advisor is None:
        return None
    # The lookup already matched; compare again in constant time so a near-miss costs the same.
    return user if secrets.compare_digest(user.calendar_token, token) else None


def _published(team_id: int, first: date, last: date) -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(Plan.team_id == team_id, Plan.status == "published",
                                                      Plan.week_start >= first, Plan.week_start <= last)
                                   .order_by(Plan.week_start)))


def _feed_text(text: str) -> str:
    """`text` without control characters other than line breaks (RFC 5545 TEXT allows none; names saved
    before the edge refused them may still hold some)."""
    return _CONTROL.sub(" ", text)


def _event(uid: str, start, end, summary: str, description: str, stamp, busy: bool = True, sequence: int = 0,
           status: str = "CONFIRMED") -> Event:
    event = Event()
    event.add("status", status)
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)  # aware UTC: written as ...Z
    event.add("dtend", end)
    event.add("summary", _feed_text(summary))
    event.add("description", _feed_text(description))
    event.add("transp", "OPAQUE" if busy else "TRANSPARENT")
    return event


def appointment_uid(request_id: int) -> str:
    """The feed's UID of an appointment: the same in every plan version that holds it."""
    return f"caseload-appointment-{request_id}@caseload"


def protected_uid(advisor_id: int, starts_at) -> str:
    """The feed's UID of a protected block: its advisor and start (UTC), the same across plan versions."""
    return f"caseload-protected-{advisor_id}-{starts_at:%Y%m%dT%H%MZ}@caseload"


def closed_event(team_id: int, day: date, reason: str, stamp) -> Event:
    """An all-day free event for an office closure day (VALUE=DATE, DTEND the next day, RFC 5545 3.6.1)."""
    event = _event(f"caseload-closed-{team_id}-{day:%Y%m%d}@caseload", day, day + timedelta(days=1),
                   f"Office closed: {reason}", "The office is closed: nothing is planned or booked that day.", stamp,
                   busy=False)
    return event


def absence_uid(absence_id: int) -> str:
    """The feed's UID of an absence: its row, so an edited absence updates the event (SEQUENCE is its version)."""
    return f"caseload-absence-{absence_id}@caseload"


def absence_event(absence: Absence, tz: str, stamp) -> Event:
    """A busy event for one absence. Whole days (local midnight to local midnight in `tz`, also where the clocks
    skip midnight or a day is 23 or 25 hours long): all-day, DTSTART and DTEND as dates (DTEND the day after the
    last, RFC 5545 3.6.1). Otherwise its stored UTC start and end, exact across a clock change."""
    start, end = wall_clock(absence.starts_at, tz), wall_clock(absence.ends_at, tz)
    if start.time() == end.time() == time(0):
        start, end = start.date(), end.date()
    else:
        start, end = absence.starts_at, absence.ends_at
    event = _event(absence_uid(absence.id), start, end, "Absent",
                   "An absence recorded in Caseload: nothing is planned or booked for you then.", stamp,
                   sequence=absence.version_id or 0)
    event.add("x-microsoft-cdo-busystatus", "OOF")  # Outlook shows it as away, not just busy
    return event


def _absences(advisor_id: int, tz: str, first: date, last: date) -> list[Absence]:
    """The advisor's absences touching the local days `first` to `last` (inclusive)."""
    lo, hi = to_utc(first, "00:00", tz), to_utc(last + timedelta(days=1), "00:00", tz)
    return list(db.session.scalars(select(Absence).where(Absence.advisor_id == advisor_id, Absence.starts_at < hi,
                                                         Absence.ends_at > lo).order_by(Absence.starts_at)))


def feed(user: User, today: date | None = None) -> bytes:
    """The iCalendar document of the advisor's published weeks, a few back and several ahead."""
    advisor = user.advisor
    team = advisor.team
    this_week = today - timedelta(days=today.weekday()) if today else this_week_start(team.timezone)
    cal = Calendar()
    cal.add("prodid", "-//Caseload//advisor week//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # icalendar types X-WR-CALNAME (and even its calendar_name property) as vUnknown, written as given, so a
    # name with a line break broke the feed (500). As vText it is escaped like any TEXT value (RFC 5545 3.3.11).
    name = vText(_feed_text(f"Caseload · {advisor.name}"))
    cal.add("name", name)  # RFC 7986
    cal.add("x-wr-calname", name)  # what most calendar apps still read
    cal.add("x-wr-timezone", team.timezone)
    stamp = utcnow()
    first, last = this_week - timedelta(weeks=WEEKS_BEFORE), this_week + timedelta(weeks=WEEKS_AFTER)
    published = _published(team.id, first, last)
    _add_booked(cal, advisor, {p.week_start for p in published}, first, last, stamp)
    for day, reason in sorted(closed_days(team.id, first, last + timedelta(days=6)).items()):
        cal.add_component(closed_event(team.id, day, reason, stamp))
    for absence in _absences(advisor.id, team.timezone, first, last + timedelta(days=6)):
        cal.add_component(absence_event(absence, team.timezone, stamp))
    for plan in published:
        for item in plan.items:
            if item.advisor_id != advisor.id or item.starts_at is None or item.request is None:
                continue
            request = item.request
            summary = f"{request.client.reference} · {request.type.name}"
            description = (f"{request.kind.capitalize()} appointment, plan version {plan.published_version}. "
                           f"Open Caseload for the client's notes.")
            # UIDs name the appointment, not the plan row: a new plan version (a booking, a re-plan) updates the
            # same event (its SEQUENCE grows) instead of adding a copy to the advisor's calendar.
            cal.add_component(_event(appointment_uid(request.id), item.starts_at, item.ends_at, summary,
                                     description, stamp, sequence=plan.published_version or 0))
        for block in plan.protected_blocks:
            if block.advisor_id == advisor.id:
                cal.add_component(_event(protected_uid(advisor.id, block.starts_at), block.starts_at, block.ends_at,
                                         "Protected time (case work)", "Kept free of appointments by the plan.", stamp,
                                         sequence=plan.published_version or 0))
    return cal.to_ical()


def _add_booked(cal: Calendar, advisor, published_weeks: set, first: date, last: date, stamp) -> None:
    """The desk bookings pinned to the advisor in the weeks from `first` to `last` that have no published plan,
    as tentative events (sequence 0: the published plan's version, 1 or more, supersedes them)."""
    week = first
    while week <= last:
        if week not in published_weeks:
            for request in booked_requests(advisor, week):
                summary = f"{request.client.reference} · {request.type.name} (booked, not yet planned)"
                description = (f"{request.kind.capitalize()} appointment booked at the desk; the week is not "
                               "planned yet, so its time may still move. Open Caseload for the client's notes.")
                cal.add_component(_event(appointment_uid(request.id), request.pinned_start,
                                         end_after(request.pinned_start, request.duration_minutes), summary,
                                         description, stamp, status="TENTATIVE"))
        week += timedelta(weeks=1)
