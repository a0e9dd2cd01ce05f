"""The booking desk's offers: the best places for one appointment in a team's week, best first, with the
planner's reasons in a desk's words (names instead of roles, days instead of ids), and why there is none."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from caseload.localtime import end_after, wall_clock_from
from caseload.models import Advisor, AppointmentRequest, Team, utcnow
from caseload.services.desk import policy
from caseload.services.desk.asks import Ask, BookingError, Offer, check_ask, earliest_for
from caseload.services.desk.desk_week import DeskWeek, DeskWeeks, booked_item, request_doc
from caseload.services.planning.problem import advisor_sid, db_id, local_naive, snap_in, utc_of_local
from caseload.services.planning.refusals import FREE, Refusal, days_off, refusal_of
from caseload.services.planning.rule_text import humanise
from caseload.timegrid import SLOT_MINUTES, subtract_spans
from scheduler.booking.render import offer_document
from scheduler.booking.request import read_request
from scheduler.model import ProblemError, TIME_FORMAT

DEFAULT_COUNT = 5
REBOOK_POOL = 40  # offers ranked before the named (and a rebooking's previous) advisor's are put first
NAMED_TIMES = 3  # times with the client's named advisor shown first, when there are that many
EXTRA_PASSES = 2  # the engine asked again for everyone's next times, away from those found (ranked_times)
SAME_START = 2  # offers at one start time shown before the named advisor's further times and others' repeats
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _first(name: str) -> str:
    return name.split()[0] if name else name


def _blocks_on(blocks: list[dict], advisor: str, day: date) -> bool:
    """Whether `advisor` has protected time on the local `day` (blocks: the engine's, local texts)."""
    return any(b["advisor"] == advisor and datetime.strptime(b["start"], TIME_FORMAT).date() == day for b in blocks)


def plain_reasons(week: DeskWeek, ask: Ask, doc: dict, advisor: Advisor) -> list[str]:
    """The planner's reasons in a desk's words: names instead of roles, days instead of ids."""
    name, first = advisor.name, _first(advisor.name)
    named = ask.client.named_advisor
    if doc["reseated"]:
        blocks = doc["protected"]
    else:  # the advisor's blocks stay where they are
        h = week.desk.problem.horizon
        blocks = [{"advisor": advisor_sid(advisor.id), "start": h.to_text(s)}
                  for s, _e in week.desk.blocks.get(advisor_sid(advisor.id), [])]
    day = datetime.strptime(doc["start"], TIME_FORMAT).date()
    # Protected time is said only for the offer's own day: "keeps Chloe's Tuesday protected time" on a Friday
    # offer read as if the offer touched Tuesday.
    same_day = _blocks_on(blocks, advisor_sid(advisor.id), day)
    out = []
    for reason in doc["reasons"]:
        if reason == "with the client's named advisor":
            out.append(f"with {name}, their named advisor")
        elif reason == "the client has no named advisor yet":
            out.append(f"{ask.client.reference} has no named advisor yet: {first} would become it")
        elif reason.startswith("not with the client's named advisor"):
            out.append(f"with {name}, not their named advisor ({named.name if named else 'none'})")
        elif reason == "kept apart from the client's supporting advisor":
            out.append(f"with {name}, not {named.name if named else 'the advisor'} who supports them")
        elif reason.startswith("with the client's own supporting advisor"):
            out.append(f"with {name}, who supports them and should not police them")
        elif reason.startswith("keeps the advisor's protected time"):
            if same_day:
                moved = ", moved to fit" if "re-seated" in reason else ""
                out.append(f"keeps {first}'s protected time on {DAY_NAMES[day.weekday()]}{moved}")
        elif reason.startswith("costs "):
            out.append(f"costs {first} {reason.removeprefix('costs ')}")
        elif reason.startswith("re-seating protected time keeps"):
            out.append(f"moving {first}'s protected time keeps {reason.split('keeps ')[1]}")
        else:
            out.append(reason)
    if not any(r.startswith("with ") for r in out):
        out.insert(0, f"with {name}")
    return out


def from_now(request: dict, tz: str, now: datetime | None = None) -> dict:
    """The request document with its windows cut to start no earlier than the first slot from `now`
    (default: the clock) in local time; windows wholly past are left out. The engine then ranks only
    times still to come: cut after ranking, a late-evening rebooking over whole days lost today's
    best places from its top `count` and showed fewer offers, or none."""
    here = wall_clock_from(now or utcnow(), tz)  # in a repeated hour's second run its first run has passed too
    cut = snap_in(here, here)[0].strftime(TIME_FORMAT)
    minutes = timedelta(minutes=request["duration_minutes"])
    windows = []
    for w in request["windows"]:
        start = max(w["start"], cut)  # local wall-clock texts of one form compare as times
        if datetime.strptime(w["end"], TIME_FORMAT) - datetime.strptime(start, TIME_FORMAT) >= minutes:
            windows.append({**w, "start": start})
    return {**request, "windows": windows}


def engine_refusal(err: ProblemError) -> BookingError:
    """The BookingError (naming "windows") for a request the offers engine refuses, in the desk's words: what the
    offers, why none and a series' later weeks raise, so the desk answers it as any refused input (never a 500)."""
    return BookingError("; ".join(humanise(e) for e in err.errors[:3]), "windows")


def offers_from(week: DeskWeek, ask: Ask, request: dict, count: int, now: datetime | None = None,
                advisors: set[int] | None = None) -> list[Offer]:
    """The engine's ranked offers for `request` (a request document, local texts) as Offers, at most `count`, best
    first. `advisors` (ids; None: everyone): only theirs among the engine's best `count` of everyone's, which are
    ranked but not written out (ranked_times' named-advisor passes keep one advisor's). An advisor booking their own
    diary (ask.advisor) gets only theirs. Raises BookingError naming "windows" for a request the engine refuses."""
    # Nothing sooner than the service's minimum notice (policy.earliest_start; a leader's rebooking may set it aside:
    # asks.earliest_for): cut before ranking, as from_now says.
    now = earliest_for(ask, now, week.notice)
    request = from_now(request, week.team.timezone, now)
    if not request["windows"]:
        return []
    if ask.advisor is not None:
        advisors = {ask.advisor.id} if advisors is None else advisors & {ask.advisor.id}
    try:
        # The engine gives one offer per advisor and day; an advisor booking their own diary filters to
        # themselves, so ask for enough to keep `count` of theirs.
        req = read_request(week.desk.problem, request, count if ask.advisor is None else 200)
        options = week.desk.options(req)
    except ProblemError as err:
        raise engine_refusal(err) from None
    if advisors is not None:
        # Filtered after the engine's cut to `count`, as its whole answer was before: the same offers, but only the
        # kept advisors' are written out (re-seating and reasons are most of an offer's cost).
        wanted = {advisor_sid(a) for a in advisors}
        options = [o for o in options if o.advisor in wanted]
    tz = week.team.timezone
    out = []
    for doc in (offer_document(week.desk, req, o) for o in options):
        start = datetime.strptime(doc["start"], TIME_FORMAT)
        starts_at = utc_of_local(start, tz)
        if starts_at < now:
            continue  # compared in UTC: on the night clocks go back a local hour happens twice
        advisor = week.advisor(db_id(doc["advisor"]))  # read with the week: no query per offer
        out.append(Offer(advisor, starts_at, end_after(starts_at, ask.duration),
                         doc["start"], doc["score_delta"], plain_reasons(week, ask, doc, advisor), doc))
        if len(out) == count:
            break
    return out


def offers(team: Team, ask: Ask, count: int = DEFAULT_COUNT, now: datetime | None = None,
           weeks: DeskWeeks | None = None) -> list[Offer]:
    """The best `count` places for `ask` from `now` on (default: the clock), best first (at most one per
    advisor and day); [] when none. `weeks`: the request's DeskWeeks, so why_none and named_refusal_of reuse the
    week built here (default: a week of its own).

    Raises BookingError naming the field for input that cannot be booked."""
    weeks = weeks if weeks is not None else DeskWeeks()
    check_ask(team, ask, now, weeks.closed, weeks.advisors)
    week = ask_week(team, ask, weeks)
    # Ranked from a wider pool, so the named advisor's other days (and a rebooking's advisors put first) are not
    # lost below the top `count` (the engine gives at most one offer per advisor and day).
    found = ranked_times(week, ask, request_doc(ask), max(count, REBOOK_POOL), now)
    if ask.replacing is not None:
        found.sort(key=rebook_rank(ask))
    return spread(found, ask, count)


def _minus(windows: list[dict], spans: set[tuple[str, str]], minutes: int) -> list[dict]:
    """Request windows (local texts) with the time of `spans` ((start, end) texts) taken out, keeping only pieces at
    least `minutes` long (the engine refuses a window shorter than the appointment)."""
    out = []
    cut = sorted((datetime.strptime(a, TIME_FORMAT), datetime.strptime(b, TIME_FORMAT)) for a, b in spans)
    for w in windows:
        pieces = subtract_spans([(datetime.strptime(w["start"], TIME_FORMAT), datetime.strptime(w["end"], TIME_FORMAT))],
                                cut)
        out += [{**w, "start": s.strftime(TIME_FORMAT), "end": e.strftime(TIME_FORMAT)}
                for s, e in sorted(pieces) if e - s >= timedelta(minutes=minutes)]
    return out


def _span(offer: Offer, minutes: int) -> tuple[str, str]:
    start = datetime.strptime(offer.local, TIME_FORMAT)
    return offer.local, (start + timedelta(minutes=minutes)).strftime(TIME_FORMAT)


def ranked_times(week: DeskWeek, ask: Ask, request: dict, count: int, now: datetime | None = None) -> list[Offer]:
    """The ranked offers (offers_from) with more than one time per advisor and day: the engine gives each advisor
    only their best place a day, so in a Wednesday 10-12 window five advisors all offered 10:00, and the client's
    named advisor (the one asked for, for an advisor booking their own diary) none of 10:30 or 11:00. Here the
    engine is asked again with the times already found taken out of the windows: NAMED_TIMES - 1 times for the
    named advisor alone (their next times, not overlapping the ones found), then EXTRA_PASSES times for everyone.
    Best first by the planner's score change, then start, then advisor id (deterministic); spread picks from it."""
    found = offers_from(week, ask, request, count, now)
    minutes = request["duration_minutes"]
    seen = {(o.advisor.id, o.local) for o in found}

    def again(spans: set[tuple[str, str]], advisors: set[int] | None) -> bool:
        """One more pass with `spans` taken out of the windows, keeping `advisors`' new offers (None: everyone's)."""
        windows = _minus(request["windows"], spans, minutes)
        if not windows:
            return False
        more = [o for o in offers_from(week, ask, {**request, "windows": windows}, count, now, advisors)
                if (o.advisor.id, o.local) not in seen]
        seen.update((o.advisor.id, o.local) for o in more)
        found.extend(more)
        return bool(more)

    wanted = ask.advisor.id if ask.advisor is not None else ask.client.named_advisor_id
    if wanted is not None:
        # The named advisor's passes want only their offers: the others' are ranked (they decide which of the named
        # advisor's make the engine's best `count`, as before) but not written out.
        for _ in range(NAMED_TIMES - 1):
            if not again({_span(o, minutes) for o in found if o.advisor.id == wanted}, {wanted}):
                break
    if ask.advisor is None:
        for _ in range(EXTRA_PASSES):
            if not again({_span(o, minutes) for o in found}, None):
                break
    return sorted(found, key=lambda o: (-o.score_delta, o.local, o.advisor.id))


def spread(found: list[Offer], ask: Ask, count: int) -> list[Offer]:
    """`count` of `found` (ranked, best first) as the desk shows them: up to NAMED_TIMES times with the client's
    named advisor first (continuity: before, the named advisor got one time and everyone else the rest), then the
    others, one per start time while other times are left (five advisors all at Mon 09:00 is one choice for the
    client, not five). Deterministic: only `found`'s order decides. An advisor booking their own diary gets their
    offers as ranked."""
    if ask.advisor is not None:
        return found[:count]
    named = ask.client.named_advisor_id
    theirs = [o for o in found if named is not None and o.advisor.id == named]
    first, more = theirs[:NAMED_TIMES], theirs[NAMED_TIMES:]
    shown = Counter(o.local for o in first)
    picked, second, rest = list(first), [], []
    for offer in (o for o in found if named is None or o.advisor.id != named):
        n = shown[offer.local]
        (picked if n == 0 else second if n < SAME_START else rest).append(offer)
        shown[offer.local] += 1
    # The named advisor's further times, then a second advisor at a time already shown (SAME_START), and more at one
    # time only when nothing else is left (a one-slot window: which advisor is then the only choice).
    return (picked + more + second + rest)[:count]


def rebook_rank(ask: Ask):
    """The sort key of a rebooking's offers (stable, so the planner's order stays within each group): the
    client's named advisor first (continuity of care), then the advisor the appointment was with (when that
    was a cover, the client has met them), then the rest. Before, "the same advisor first" put a stand-in
    ahead of the named advisor when the broken appointment was itself a cover."""
    named = ask.client.named_advisor_id
    old = {ask.replacing.pinned_advisor_id, _old_advisor(ask)} - {None, named}
    return lambda o: 0 if o.advisor.id == named else 1 if o.advisor.id in old else 2


def working_span(team: Team, day: date) -> tuple[str, str] | None:
    """The team's working hours on `day`'s weekday ("HH:MM" earliest start, latest end over its active advisors'
    work patterns), or None when nobody works that weekday."""
    key = DAY_NAMES[day.weekday()][:3].lower()
    spans = [(s, e) for a in team.advisors if a.active for s, e in (a.work_pattern or {}).get(key, [])]
    return (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None


def ask_windows(team: Team, week_start: date, now: datetime | None = None) -> tuple[date, str]:
    """The desk's first guess at when a client can come: (the week, its window lines) from `now` (default: the
    clock) on, Mon-Fri 09:00-17:00 ("wed 09:00-17:00"), today only from the next slot (left out when less than
    a slot is left), days gone left out. A week with nothing left (Friday evening) gives the next week whole.
    Before, the whole week's lines from Monday, and the desk refused its own defaults on any later day."""
    here = local_naive(now or utcnow(), team.timezone)
    slot = snap_in(here, here)[0]
    lines = []
    for d in (week_start + timedelta(days=k) for k in range(5)):
        start, end = datetime.combine(d, time(9)), datetime.combine(d, time(17))
        start = max(start, slot)
        if end - start >= timedelta(minutes=SLOT_MINUTES):
            lines.append(f"{d:%a}".lower() + f" {start:%H:%M}-17:00")
    if not lines:
        return ask_windows(team, week_start + timedelta(days=7), now) if week_start <= here.date() else (week_start, "")
    return week_start, "\n".join(lines)


def rebook_windows(request: AppointmentRequest, day: date, week_start: date, now: datetime | None = None) -> str:
    """The desk's window lines for moving `request` (booked on local `day`): from that day, or today, to Friday,
    each day's team working hours (any time someone works: the offers are those of whole days), in the form's
    day format ("wed 09:00-17:00", as the desk writes the client's times elsewhere); today only from the next slot
    on, and left out when less than the appointment's length is left. Before, "2026-12-01 00:00-24:00" rows."""
    here = local_naive(now or utcnow(), request.team.timezone)
    first = max(day, here.date())
    minutes = timedelta(minutes=request.duration_minutes)
    lines = []
    for d in (week_start + timedelta(days=k) for k in range(5)):
        span = working_span(request.team, d)
        if d < first or span is None:
            continue
        start, end = (datetime.combine(d, datetime.strptime(t, "%H:%M").time()) if t != "24:00"
                      else datetime.combine(d + timedelta(days=1), datetime.min.time()) for t in span)
        if d == here.date():
            start = max(start, snap_in(here, here)[0])
        if end - start < minutes:
            continue
        lines.append(f"{d:%a}".lower() + f" {start:%H:%M}-{span[1] if end.date() > d else f'{end:%H:%M}'}")
    # A week already over: its days as they are (the desk then says they are past).
    return "\n".join(lines) or "\n".join(f"{(week_start + timedelta(days=k)):%a}".lower() + " 00:00-24:00"
                                         for k in range(5))


def replaced_id(ask: Ask) -> int | None:
    return ask.replacing.id if ask.replacing is not None else None


def ask_week(team: Team, ask: Ask, weeks: DeskWeeks | None = None) -> DeskWeek:
    """`ask`'s week as the desk sees it (a rebooking's own appointment left out), from the request's `weeks`
    (built there once), or built afresh when None. Raises BookingError as desk_week."""
    return (weeks if weeks is not None else DeskWeeks())(team, ask.week_start, ask.client, replaced_id(ask))


def _old_advisor(ask: Ask) -> int | None:
    item = booked_item(ask.replacing) if ask.replacing is not None else None
    return item.advisor_id if item is not None else None


def why_none(team: Team, ask: Ask, now: datetime | None = None, weeks: DeskWeeks | None = None) -> str | None:
    """Why there is no offer at all from `now` on (the planner's reason), or None when there are offers.
    `weeks`: the request's DeskWeeks (offers'). Raises BookingError as offers does."""
    weeks = weeks if weeks is not None else DeskWeeks()
    check_ask(team, ask, now, weeks.closed, weeks.advisors)
    week = ask_week(team, ask, weeks)
    request = from_now(request_doc(ask), team.timezone, earliest_for(ask, now, week.notice))
    if not request["windows"]:
        notice = week.notice
        if notice and not ask.notice_override and from_now(request_doc(ask), team.timezone, now)["windows"]:
            return (f"every time given starts within the service's minimum notice of {policy.notice_words(notice)} "
                    "from now")
        return "Every time given has passed."
    try:
        answer = week.desk.offers(request, count=1)
    except ProblemError as err:
        raise engine_refusal(err) from None
    return None if answer["offers"] else (answer["unplaceable"] or {}).get("reason")


def notice_matters(team: Team, ask: Ask, now: datetime | None = None, weeks: DeskWeeks | None = None) -> bool:
    """Whether setting the service's minimum notice aside would offer anything more for `ask`: some advisor free
    to start inside the client's times between `now` (default: the clock) and the notice's end. At 20:00 with
    nobody working before tomorrow, it would not, so the desk does not offer the override (notice_override).
    `weeks`: the request's DeskWeeks (the offers' week, not built again)."""
    now = now or utcnow()
    earliest = policy.earliest_start(now, weeks.notice() if weeks is not None else None)
    if earliest <= now:
        return False  # no minimum notice: nothing to set aside
    tz = team.timezone
    asked = from_now(request_doc(ask), tz, now)
    cut = local_naive(earliest, tz) + timedelta(minutes=ask.duration)  # a start before the notice's end may end after
    inside = []
    for w in asked["windows"]:
        end = min(datetime.strptime(w["end"], TIME_FORMAT), snap_in(cut, cut)[1])
        if end - datetime.strptime(w["start"], TIME_FORMAT) >= timedelta(minutes=ask.duration):
            inside.append({**w, "end": end.strftime(TIME_FORMAT)})
    if not inside:
        return False
    week = ask_week(team, ask, weeks)
    try:
        answer = week.desk.offers({**asked, "windows": inside}, count=50)
    except ProblemError:
        return False
    return any(utc_of_local(datetime.strptime(o["start"], TIME_FORMAT), tz) < earliest
               and (ask.advisor is None or db_id(o["advisor"]) == ask.advisor.id) for o in answer["offers"])


def _days_of(request: dict) -> set[date]:
    """The local days a request document's windows touch (a window ending at midnight does not touch the next)."""
    out = set()
    for w in request["windows"]:
        day = datetime.strptime(w["start"], TIME_FORMAT).date()
        last = (datetime.strptime(w["end"], TIME_FORMAT) - timedelta(minutes=1)).date()
        while day <= last:
            out.add(day)
            day += timedelta(days=1)
    return out


def named_refusal(team: Team, ask: Ask, offered: list, now: datetime | None = None, series: bool = False,
                  weeks: DeskWeeks | None = None) -> str | None:
    """Why the client's named advisor is not among `offered`, in words (named_refusal_of's `words`), or None."""
    found = named_refusal_of(team, ask, offered, now, series, weeks)
    return found.words if found is not None else None


def named_refusal_of(team: Team, ask: Ask, offered: list, now: datetime | None = None,
                     series: bool = False, weeks: DeskWeeks | None = None) -> Refusal | None:
    """Why the client's named advisor is not among `offered` (offers or series offers, each with `.advisor`): a
    Refusal (services/planning/refusals: its code, and words that follow their name, as the review's "who cannot
    take it" says them): "cannot on Wed 02 Dec: absent (sick); Thu 03 Dec: fully booked in the client's times".
    For a series, its first week (`series`: a day free in it is not said to rank lower, since a later appointment
    may be what failed). None when they are offered, the client has none, or an advisor books only their own
    diary. `weeks`: the request's DeskWeeks (the offers' week, not built again)."""
    named = ask.client.named_advisor
    if named is None or any(o.advisor.id == named.id for o in offered):
        return None
    if ask.advisor is not None and ask.advisor.id != named.id:
        return None
    week = ask_week(team, ask, weeks)
    asked = request_doc(ask)
    left = from_now(asked, team.timezone, earliest_for(ask, now, week.notice))
    still = _days_of(from_now(asked, team.timezone, now))  # days with times left ignoring the notice
    kept = _days_of(left)
    notice = f"within the service's minimum notice of {policy.notice_words(week.notice)}"
    lost = {day: (notice if day in still else "already passed") for day in _days_of(asked) - kept}
    try:
        appt = read_request(week.desk.problem, left if left["windows"] else asked).instances[0]
    except ProblemError:
        return None  # an ask the engine cannot read is refused, with the field named, before this is asked
    days = week.desk.problem.horizon.days
    closed = weeks.closed(team.id, ask.week_start, ask.week_start + timedelta(days=days - 1)) if weeks else None
    found = refusal_of(week.desk, appt, named, days_off(named, team, ask.week_start, days, closed), lost)
    said = found.words
    # "other places rank higher" is untrue when nothing is offered; for a series a later week may be what failed.
    if series:
        said = said.replace(FREE, "free then, but not for every appointment of the series" if not offered
                            else "free then, but not for every appointment of the series, or other series rank higher")
    elif not offered:
        said = said.replace(FREE, "free then")
    return Refusal(found.code, said)
