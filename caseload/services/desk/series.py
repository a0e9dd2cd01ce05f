"""Series at the booking desk: "every 1, 2 or 4 weeks, N times", all with one advisor, booked at once.

The app keeps one problem and plan per team week, so a series is answered week by week with the same
rule as the planner's series offers (scheduler.booking, problem-format.md §Offers `repeat`): one
advisor; instance k at the first instance's weekday and time, k × every weeks later, where that is free,
else at that advisor's nearest free start that day (ties to the earlier), else its nearest free start
elsewhere in the instance's windows (the client's windows shifted by the same weeks).

Booking a series takes the team's lock once (services/desk/booking.py: under_lock), re-checks every instance
against its week as it is under that lock, and saves all instances (pinned requests, and a new published
version for each published week) and the BookingSeries row in one transaction: all or nothing, with the
same no-double-booking guarantee as a single booking.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Advisor, AppointmentRequest, BookingSeries, Team, utcnow
from caseload.services import audit
from caseload.services.closures import closed_days
from caseload.services.desk import cancelling, policy, versions
from caseload.services.desk.kept_apart import check_support_kept_apart
from caseload.services.desk.asks import Ask, BookingConflict, BookingError, Offer, check_ask, check_start, clean_text, local_span
from caseload.services.desk.asks import appointment_start
from caseload.services.desk.booking import Taken, place, under_lock
from caseload.services.desk.desk_week import DeskWeek, DeskWeeks, request_doc
from caseload.services.desk.offers import engine_refusal, offers_from, ranked_times, spread
from caseload.services.planning.problem import advisor_sid, local_naive
from caseload.services.rota.requests import Window
from caseload.values import LAST_WEEK
from scheduler.model import ProblemError, TIME_FORMAT
from scheduler.booking.request import read_request

EVERY_WEEKS = (1, 2, 4)
MAX_DAYS = 365  # a series ends within a year of its first instance
CANDIDATES = 40  # first-week places tried for a series (ranked best first)


@dataclass
class Repeat:
    """"every `every_weeks` weeks, `count` times" (count includes the first)."""

    every_weeks: int
    count: int


@dataclass
class SeriesOffer:
    """One advisor for every instance: `instances` (Offer each, in order), the sum of their score changes."""

    advisor: Advisor
    instances: list[Offer]
    score_delta: int
    reasons: list[str] = field(default_factory=list)
    # An instance whose regular day the office is closed on, moved by the series rule: said, never silent.
    moved: list[str] = field(default_factory=list)

    @property
    def local(self) -> str:
        return self.instances[0].local

    @property
    def starts(self) -> list[str]:
        return [o.local for o in self.instances]

    @property
    def same_time(self) -> bool:
        first = datetime.strptime(self.local, TIME_FORMAT)
        return all(datetime.strptime(o.local, TIME_FORMAT).time() == first.time()
                   and datetime.strptime(o.local, TIME_FORMAT).weekday() == first.weekday() for o in self.instances)


@dataclass
class BookedSeries:
    series: BookingSeries
    requests: list[AppointmentRequest]
    offer: SeriesOffer


def check_repeat(ask: Ask, repeat: Repeat) -> None:
    """Refuse a series that cannot be booked, naming the field: `repeat` (how often) or `count` (how many)."""
    if repeat.every_weeks not in EVERY_WEEKS:
        raise BookingError("Repeat every 1, 2 or 4 weeks.", "repeat")
    if not isinstance(repeat.count, int) or repeat.count < 2:
        raise BookingError("A series has at least 2 appointments.", "count")
    span = (repeat.count - 1) * repeat.every_weeks * 7
    if span >= MAX_DAYS:
        most = (MAX_DAYS - 1) // (7 * repeat.every_weeks) + 1
        # a count typed as 99999999999999999999 has no last week a date can hold (timedelta overflows)
        last = (f" (the last in the week of {ask.week_start + timedelta(days=span):%d %b %Y})"
                if span <= (date(9999, 12, 31) - ask.week_start).days else "")
        raise BookingError(f"{repeat.count} appointments every {'week' if repeat.every_weeks == 1 else f'{repeat.every_weeks} weeks'} run past a year{last}; "
                           f"at most {most} fit in a year.", "count")
    if ask.week_start + timedelta(days=span) > LAST_WEEK:
        raise BookingError("The series runs past 2099.", "count")


def instance_ask(ask: Ask, repeat: Repeat, k: int) -> Ask:
    """Instance k (0-based) of the series: the ask k × every weeks later, its windows moved as far."""
    shift = timedelta(weeks=k * repeat.every_weeks)
    return replace(ask, week_start=ask.week_start + shift,
                   windows=[Window(w.day + shift, w.start, w.end) for w in ask.windows])


def _at(week: DeskWeek, ask: Ask, advisor: Advisor, start: datetime) -> Offer | None:
    """The advisor's offer at exactly `start` (naive local) in `week`, or None if it is not free then."""
    end = start + timedelta(minutes=ask.duration)
    exact = {**request_doc(ask), "windows": [{"start": start.strftime(TIME_FORMAT), "end": end.strftime(TIME_FORMAT)}]}
    found = offers_from(week, replace(ask, advisor=advisor), exact, 1)
    return found[0] if found else None


def _free_starts(week: DeskWeek, ask: Ask, advisor: Advisor) -> list[datetime]:
    """Every start (naive local) where the advisor is free for `ask` in its windows, client free, limit kept.
    Raises BookingError naming "windows" for a request the engine refuses, as offers_from does."""
    desk = week.desk
    try:
        req = read_request(desk.problem, request_doc(ask))
    except ProblemError as err:
        raise engine_refusal(err) from None
    appt, sid = req.instances[0], advisor_sid(advisor.id)
    planner_advisor = desk.problem.advisor_by_id.get(sid)
    if planner_advisor is None or not planner_advisor.can_do(appt.kind, appt.skill):
        return []
    h = desk.problem.horizon
    now = local_naive(policy.earliest_start(notice=week.notice), week.team.timezone)  # the service's minimum notice
    starts = sorted({s for s, _ in desk.time_of(sid).starts_in(appt) if desk.fits(appt, planner_advisor, s)})
    return [t for t in (datetime.strptime(h.to_text(s), TIME_FORMAT) for s in starts) if t >= now]


def _instance(week: DeskWeek, ask: Ask, advisor: Advisor, wanted: datetime) -> Offer | None:
    """The series rule for one later instance: the wanted time, else the nearest free start that day, else the
    nearest free start in its windows (ties to the earlier)."""
    end = wanted + timedelta(minutes=ask.duration)
    if any(s <= wanted and end <= e for s, e in map(local_span, ask.windows)):
        if (offer := _at(week, ask, advisor, wanted)) is not None:
            return offer
    free = _free_starts(week, ask, advisor)
    same_day = [t for t in free if t.date() == wanted.date()]
    for pool in (same_day, free):
        if pool:
            best = min(pool, key=lambda t: (abs(t - wanted), t))
            return _at(week, ask, advisor, best)
    return None


class _Weeks:
    """The series' weeks as DeskWeeks, each built once per request (each costs a problem build and a plan check):
    from the request's `weeks` (DeskWeeks, shared with why_none and named_refusal_of), or a DeskWeeks of its own."""

    def __init__(self, team: Team, ask: Ask, weeks: DeskWeeks | None = None):
        self.team, self.ask, self.weeks = team, ask, weeks if weeks is not None else DeskWeeks()

    def __call__(self, week_start: date) -> DeskWeek:
        return self.weeks(self.team, week_start, self.ask.client)


def closed_over(ask: Ask, closed: dict[date, str]) -> list[date]:
    """The days of `ask`'s windows when every one of them falls on a day the office is closed (`closed`: day ->
    reason), else [] (the client can come on some open day that week)."""
    days = sorted({w.day for w in ask.windows})
    return days if days and all(day in closed for day in days) else []


def closure_words(days: list[date], closed: dict[date, str]) -> str:
    """"Fri 25 Dec: office closed (Christmas Day)" for each day, joined by "; "."""
    return "; ".join(f"{day:%a %d %b}: office closed ({closed[day]})" for day in days)


def skipped_weeks(team: Team, ask: Ask, repeat: Repeat, closed_of=None) -> tuple[list[int], dict[date, str]]:
    """The series' week numbers (k: k × every weeks after the first) that hold its `count` instances, skipping a
    week whose every day of the client's times the office is closed (a bank holiday on the only day the client
    can come): that appointment goes to the next period instead, and the series ends as much later. Also the
    closed days of the weeks looked at. The first week is never skipped (the first offer is in it). `closed_of`: how
    the request reads closed days (DeskWeeks.closed, read once per request; default: closures.closed_days)."""
    ks, k = [0], 1
    limit = repeat.count * 3  # a client's only day closed week after week: give up rather than run on
    span = timedelta(weeks=limit * repeat.every_weeks, days=6)
    closed = (closed_of or closed_days)(team.id, ask.week_start, ask.week_start + span)
    while len(ks) < repeat.count and k < limit:
        if not closed_over(instance_ask(ask, repeat, k), closed):
            ks.append(k)
        k += 1
    return ks, closed


def _series_from(team: Team, ask: Ask, repeat: Repeat, first: Offer, weeks: _Weeks) -> SeriesOffer | None:
    instances, moved = [first], []
    start = datetime.strptime(first.local, TIME_FORMAT)
    ks, closed = skipped_weeks(team, ask, repeat, weeks.weeks.closed)
    if len(ks) < repeat.count or ks[-1] * repeat.every_weeks * 7 >= MAX_DAYS:
        return None
    for k in range(1, ks[-1]):  # a skipped week: said, never silent
        if k not in ks:
            skipped = instance_ask(ask, repeat, k)
            moved.append(f"{closure_words(closed_over(skipped, closed), closed)}: that week is skipped, "
                         "so the series runs a week later")
    for n, k in enumerate(ks[1:], start=1):
        later = instance_ask(ask, repeat, k)
        wanted = start + timedelta(weeks=k * repeat.every_weeks)
        offer = _instance(weeks(later.week_start), later, first.advisor, wanted)
        if offer is None:
            return None
        instances.append(offer)
        if wanted.date() in closed:  # the series rule moved it (closed days have no working time): say where
            moved.append(f"Appointment {n + 1}: the office is closed {wanted:%a %d %b} ({closed[wanted.date()]}), "
                         f"so it is {datetime.strptime(offer.local, TIME_FORMAT):%a %d %b %H:%M} instead")
    if any("skipped" in m for m in moved):
        last = datetime.strptime(instances[-1].local, TIME_FORMAT)
        moved.append(f"The last appointment is on {last:%a %d %b %Y}.")
    return SeriesOffer(first.advisor, instances, sum(o.score_delta for o in instances), first.reasons, moved)


def series_offers(team: Team, ask: Ask, repeat: Repeat, count: int = 5,
                  weeks: DeskWeeks | None = None) -> list[SeriesOffer]:
    """The best `count` series, best first: each a first-week offer (as ranked for one appointment, at most
    one per advisor and day) whose advisor can take every later instance by the series rule. `weeks`: the
    request's DeskWeeks, so why_none and named_refusal_of reuse the weeks built here.

    Raises BookingError naming the field (repeat, count, windows, type …)."""
    weeks = _Weeks(team, ask, weeks)
    check_ask(team, ask, closed_of=weeks.weeks.closed, advisors_of=weeks.weeks.advisors)
    check_repeat(ask, repeat)
    # Tried in the order the desk shows single offers (the named advisor's times first, then one advisor per time):
    # in the planner's order alone, a series gave Tue 14:00 five times, once per advisor.
    first = ranked_times(weeks(ask.week_start), ask, request_doc(ask), 200)
    first = spread(first, ask, len(first))
    out = []
    for offer in first[:CANDIDATES]:
        found = _series_from(team, ask, repeat, offer, weeks)
        if found is not None:
            out.append(found)
            if len(out) >= count:
                break
    # Same weekday and time throughout first, then as the first week ranked them.
    out.sort(key=lambda o: not o.same_time)
    return out


def why_none(team: Team, ask: Ask, repeat: Repeat, weeks: DeskWeeks | None = None) -> str:
    """Why no series fits: the first instance with nobody free, or no one advisor for all of them. `weeks`: the
    request's DeskWeeks (series_offers'). Raises BookingError as series_offers does (naming "windows" for a request
    the engine refuses)."""
    weeks = _Weeks(team, ask, weeks)
    ks, closed = skipped_weeks(team, ask, repeat, weeks.weeks.closed)
    if len(ks) < repeat.count:
        return (f"the office is closed on every day of the client's times in too many of the weeks "
                f"({closure_words(sorted(closed), closed)})")
    for n, k in enumerate(ks):
        later = instance_ask(ask, repeat, k)
        try:
            answer = weeks(later.week_start).desk.offers(request_doc(later), count=1)
        except ProblemError as err:
            raise engine_refusal(err) from None
        if not answer["offers"]:
            reason = (answer["unplaceable"] or {}).get("reason", "nobody is free")
            shut = sorted(day for day in {w.day for w in later.windows} if day in closed)
            if shut:  # name the closure, not only "nobody works then"
                reason = f"{closure_words(shut, closed)}; {reason}"
            return f"appointment {n + 1} (week of {later.week_start:%d %b %Y}): {reason}"
    return (f"no one advisor is free for all {repeat.count} appointments in the times given; "
            "try wider times, or fewer appointments")


def book_series(team: Team, ask: Ask, repeat: Repeat, advisor_id: int, starts: list[str], by,
                before_commit=None, replay=None) -> BookedSeries | object:
    """Book a series offer: `starts` are its instances' local starts (YYYY-MM-DDTHH:MM) as offered.

    Under the team's lock, each instance is re-checked against its week as it is now and saved (a pinned
    request, and a new published version in a published week); the BookingSeries row, the audit and
    `before_commit`'s rows go into the same transaction. One instance no longer free: nothing is booked and
    BookingConflict carries fresh series offers. BookingError names the field for bad input."""
    check_ask(team, ask)
    check_repeat(ask, repeat)
    if len(starts) != repeat.count:
        raise BookingError(f"Give the {repeat.count} starts of the series offer.", "starts")
    # The weeks the offer used: a week the office is closed on every day of the client's times is skipped.
    asks = [instance_ask(ask, repeat, k) for k in skipped_weeks(team, ask, repeat)[0]]
    if len(asks) < repeat.count:
        raise BookingError("The office is closed on every day of the client's times in too many of the weeks.",
                           "count")
    chosen = []
    for k, (one, start) in enumerate(zip(asks, starts)):
        try:
            local_start, advisor = check_start(team, one, advisor_id, start)
        except BookingError as err:
            # a later instance's start came in `starts`, so that is the field at fault
            raise BookingError(f"appointment {k + 1}: {err}", "starts" if k and err.field == "start" else err.field) from None
        chosen.append(local_start)
    check_support_kept_apart(ask, advisor.id, by)  # early 403, before waiting for the lock; decided again under it
    advisor_pk = advisor.id

    def work() -> BookedSeries:
        check_support_kept_apart(ask, advisor_pk, by)  # under the lock: their cover may have ended since (booking.book)
        advisor = db.session.get(Advisor, advisor_pk)
        series = BookingSeries(team_id=team.id, client_id=ask.client.id, advisor_id=advisor.id,
                               every_weeks=repeat.every_weeks, count=repeat.count, booked_by_id=getattr(by, "id", None),
                               booked_at=utcnow())
        db.session.add(series)
        db.session.flush()
        requests, offers = [], []
        for k, (one, local_start) in enumerate(zip(asks, chosen)):
            one.client, one.type = ask.client, ask.type
            try:
                request, _plan, offer = place(team, one, advisor, local_start, by, series=series, series_index=k + 1)
            except Taken:
                db.session.rollback()
                fresh = _fresh(team, ask, repeat)
                raise BookingConflict(f"Appointment {k + 1} of the series ({advisor.name}, {local_start:%a %d %b %H:%M}) "
                                      "was just taken (or the client is booked then): nothing was booked. "
                                      "Choose one of these.", fresh) from None
            requests.append(request)
            offers.append(offer)
        audit.record("series_booked", user=by, obj=series, client=ask.client.id, advisor=advisor.id,
                     every_weeks=repeat.every_weeks, count=repeat.count, requests=[r.id for r in requests])
        return BookedSeries(series, requests, SeriesOffer(advisor, offers, sum(o.score_delta for o in offers),
                                                          offers[0].reasons))

    return under_lock(team, ask, work, lambda: BookingConflict(
        "The plans of the series' weeks changed while booking: nothing was booked. Choose one of these fresh offers.",
        _fresh(team, ask, repeat)), before_commit, replay)


def _fresh(team: Team, ask: Ask, repeat: Repeat) -> list[SeriesOffer]:
    """Fresh series offers after a lost race, read outside the lock."""
    db.session.rollback()
    try:
        found = series_offers(team, ask, repeat)
    except BookingError:
        found = []
    db.session.rollback()
    return found


def instances(series: BookingSeries) -> list[AppointmentRequest]:
    """The series' appointments (rebooked ones by their replacement too), in order."""
    return list(db.session.scalars(select(AppointmentRequest).where(AppointmentRequest.series_id == series.id)
                                   .order_by(AppointmentRequest.series_index, AppointmentRequest.id)))


def cancel_rest(request: AppointmentRequest, by, reason: str | None = None) -> list[AppointmentRequest]:
    """Cancel this instance of its series and every later one still booked (not cancelled, not marked), in
    one transaction under the team's lock; each published week gets a new version without them.

    Returns the cancelled appointments. BookingError when `request` is not in a series or cannot be cancelled."""
    reason = clean_text(reason, "reason")

    def work(request: AppointmentRequest) -> list[AppointmentRequest]:
        if request.series_id is None:
            raise BookingError("This appointment is not part of a series.", "request")
        rest = [r for r in instances(request.series) if r.cancelled_at is None and r.attendance is None
                and (r.series_index or 0) >= (request.series_index or 0)]
        now, window = utcnow(), policy.late_window()
        for one in rest:
            start = appointment_start(one)
            late = start is not None and policy.is_late(start, now, window)  # the service's late-cancellation window
            versions.without(one, by)
            cancelling.mark_cancelled(one, by, now)
            if late:
                one.attendance, one.attendance_by_id, one.attendance_at = "cancelled_late", getattr(by, "id", None), now
            audit.record("appointment_cancelled", user=by, obj=one, client=one.client_id, late=late, reason=reason,
                         series=one.series_id, instance=one.series_index)
        return rest

    return cancelling.under_lock(request, work)
