"""Converting between the UTC stored in the database and a team's local wall-clock time."""
from __future__ import annotations

import re
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from scheduler.model import TIME_FORMAT


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_utc(day: date, hhmm: str | time, tz: str) -> datetime:
    """Local wall-clock `hhmm` on `day` in zone `tz`, as an aware UTC datetime. Lenient, for times the code
    makes (day boundaries, grid times): a time the clocks skip reads with the offset before the change (00:30
    on a night the clocks go forward from 00:00 to 01:00 comes out 01:30). Times a person typed go through
    `typed_to_utc`, which refuses them. An ambiguous time (clocks going back) reads as its first occurrence,
    the one before the change (fold=0), here and in `typed_to_utc` alike."""
    clock = hhmm if isinstance(hhmm, time) else time.fromisoformat(hhmm)
    return datetime.combine(day, clock, tzinfo=zone(tz)).astimezone(timezone.utc)


class NoSuchLocalTime(ValueError):
    """A typed local time that the clocks skip: "00:30 on Fri 30 Apr 2027 does not exist in Africa/Cairo: the
    clocks go forward from 00:00 to 01:00"."""

    def __init__(self, day: date, clock: time, tz: str, gap_from: time, gap_to: time):
        self.day, self.clock, self.tz, self.gap_from, self.gap_to = day, clock, tz, gap_from, gap_to
        super().__init__(f"{clock:%H:%M} on {day:%a %d %b %Y} does not exist in {tz}: the clocks go forward "
                         f"from {gap_from:%H:%M} to {gap_to:%H:%M}")


def skipped_gap(day: date, clock: time, tz: str) -> tuple[time, time] | None:
    """The (from, to) wall-clock times of the clock change that skips local `clock` on `day` in `tz`, or None
    when that time exists. Found by the round trip: a skipped time does not come back from UTC unchanged."""
    local = datetime.combine(day, clock, tzinfo=zone(tz))
    if local.astimezone(timezone.utc).astimezone(local.tzinfo).replace(tzinfo=None) == local.replace(tzinfo=None):
        return None
    before, after = local.utcoffset(), local.replace(fold=1).utcoffset()  # offsets either side of the change
    # The change happens at a UTC instant between the two readings; find it to the minute (gaps are short).
    earliest = local.replace(fold=1).astimezone(timezone.utc)
    for minute in range(1, 24 * 60 + 1):
        change = earliest + timedelta(minutes=minute)
        if change.astimezone(local.tzinfo).utcoffset() == after:
            return (change + before).time(), (change + after).time()
    return None  # not found within a day: no zone skips that long


def typed_to_utc(day: date, hhmm: str | time, tz: str, midnight_is_day_start: bool = False) -> datetime:
    """As `to_utc`, for a time a person typed: NoSuchLocalTime (a ValueError whose text names the time, the day,
    the zone and the change) when the clocks skip it, never a silent shift. With `midnight_is_day_start`, a
    typed 00:00 (the start or end of a span of days) is the first moment of that day, even where the clocks
    go forward at midnight (Africa/Cairo 2027-04-30 starts at 01:00)."""
    clock = hhmm if isinstance(hhmm, time) else time.fromisoformat(hhmm)
    if not (midnight_is_day_start and clock == time(0)):
        gap = skipped_gap(day, clock, tz)
        if gap is not None:
            raise NoSuchLocalTime(day, clock, tz, *gap)
    return to_utc(day, clock, tz)


def end_after(start: datetime, minutes: int) -> datetime:
    """The aware end of a span that starts at aware `start` and lasts `minutes` of real (elapsed) time, in
    `start`'s zone. The sum is taken in UTC: Python adds a timedelta to a ZoneInfo time on the wall clock, so
    an appointment across a clock change came out an hour long or short (00:45 + 90 min on the night UK
    clocks go forward "ended" 02:15 BST, 01:15 UTC: 30 minutes)."""
    return (start.astimezone(timezone.utc) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def local_end(local_start: datetime, minutes: int, tz: str) -> datetime:
    """The naive local wall-clock end of a span starting at naive local `local_start` (read as `to_utc` reads
    it) and lasting `minutes` of real time: 2026-03-29T00:45 + 90 min in Europe/London is 03:15, not 02:15."""
    return to_local(end_after(to_utc(local_start.date(), local_start.time(), tz), minutes), tz).replace(tzinfo=None)


def clock_span(start: datetime, end: datetime, fmt: str = "%a %d %b %H:%M") -> str:
    """An aware local span as "Thu 28 Oct 22:00–22:30"; across a clock change each side names its zone
    ("Thu 28 Oct 23:30 EEST–23:00 EET"), since an end in the repeated hour reads earlier than its start. An end at
    the midnight closing start's day reads "24:00" ("Thu 28 Oct 23:00–24:00"), not the next day's 00:00 (nor
    01:00 where the clocks skip that midnight). `start` and `end` carry a ZoneInfo (to_local's)."""
    next_midnight = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=start.tzinfo)
    if end.date() > start.date() and end.astimezone(timezone.utc) == next_midnight.astimezone(timezone.utc):
        return f"{start.strftime(fmt)}–24:00"  # the midnight closing start's day (also where the clocks skip it)
    if start.utcoffset() != end.utcoffset():
        return f"{start.strftime(fmt)} {start:%Z}–{end:%H:%M %Z}"
    return f"{start.strftime(fmt)}–{end:%H:%M}"


def to_local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(zone(tz))


def wall_clock(moment: datetime, tz: str) -> datetime:
    """Aware `moment` as the naive local wall-clock time a person reads and types, the way the forms take it: the
    first moment of a local day reads as that day's 00:00 even where the clocks skip midnight (Africa/Cairo
    2027-04-30 and Asia/Beirut's last Sunday of March start at 01:00; America/Santiago's first Sunday of September
    too), so a span ending there ends at 24:00 of the day before (timegrid.end_text, span_text) and a whole day
    stays whole. Elsewhere the same as `to_local` without its zone."""
    local = to_local(moment, tz).replace(tzinfo=None)
    if local.time() != time(0) and to_utc(local.date(), time(0), tz) == moment.astimezone(timezone.utc):
        return datetime.combine(local.date(), time(0))
    return local


def _repeat_end(local: datetime) -> datetime:
    """The naive wall-clock time at which the repeated stretch holding aware `local` (a second occurrence, fold=1)
    ends: the first minute after it that is read once."""
    naive = local.replace(tzinfo=None, fold=0)
    while naive.replace(tzinfo=local.tzinfo).utcoffset() != naive.replace(tzinfo=local.tzinfo, fold=1).utcoffset():
        naive += timedelta(minutes=1)
    return naive


def second_run(moment: datetime, tz: str) -> bool:
    """Whether aware `moment` lies in the second run of a wall-clock hour the clocks repeat (going back: Africa/Cairo's
    Thu 29 Oct 2026 23:00-24:00 EET, after the same hour in EEST): a time no wall-clock text names, since every
    reader here takes a repeated time as its first run (`to_utc`)."""
    local = to_local(moment, tz)
    return bool(local.fold) and local.utcoffset() != local.replace(fold=0).utcoffset()


def wall_clock_after(moment: datetime, tz: str) -> datetime:
    """As `wall_clock`, but a `moment` in the second run of an hour the clocks repeat (going back: Africa/Cairo's
    Thu 29 Oct 2026 23:00-24:00 happens twice) reads as the end of that hour (Fri 00:00): the planner reads a
    wall-clock time as its first occurrence (`to_utc`), so only from there on is every time it can name at or after
    `moment`. For a bound the planner must not cross backwards: an absence's end, a window's start."""
    if second_run(moment, tz):
        return _repeat_end(to_local(moment, tz))
    return wall_clock(moment, tz)


def wall_clock_from(moment: datetime, tz: str) -> datetime:
    """The first naive wall-clock time the planner reads (as its first occurrence, `to_utc`) as at or after aware
    `moment`, never one the clocks skip: `moment` as it is read (a day's first moment after a skipped midnight is its
    01:00, where the day's time starts), except in the second run of a repeated hour, where it is that hour's end
    (Africa/Cairo's second 23:40 on Thu 29 Oct 2026 is Fri 00:00: 23:45 names the first 23:45, an hour before). For
    "now" as the start of what may still be placed, and a held block's start."""
    local = to_local(moment, tz).replace(tzinfo=None)
    return _repeat_end(to_local(moment, tz)) if second_run(moment, tz) else local


def skipped_spans(first: date, last: date, tz: str) -> list[tuple[datetime, datetime]]:
    """The naive wall-clock spans the clocks skip (going forward) on the days `first` to `last` in `tz`, in order:
    [(2027-04-30 00:00, 2027-04-30 01:00)] for Africa/Cairo's last week of April 2027. Those times do not exist, so
    the planner must not be given them as working time (it would count the hour twice: 00:30 is read as 01:30)."""
    return list(_skipped_spans(first, last, tz))


@lru_cache(maxsize=256)
def _skipped_spans(first: date, last: date, tz: str) -> tuple[tuple[datetime, datetime], ...]:
    zone_ = zone(tz)
    lo = datetime.combine(first, time(0), tzinfo=timezone.utc) - timedelta(days=1)
    hi = datetime.combine(last, time(0), tzinfo=timezone.utc) + timedelta(days=2)
    found, moment = [], lo
    while moment < hi:
        step = moment + timedelta(hours=1)
        before, after = moment.astimezone(zone_).utcoffset(), step.astimezone(zone_).utcoffset()
        if after > before:
            change = moment
            while change.astimezone(zone_).utcoffset() == before:  # to the minute: changes fall on whole minutes
                change += timedelta(minutes=1)
            start = (change + before).replace(tzinfo=None)
            if first <= start.date() <= last:
                found.append((start, (change + after).replace(tzinfo=None)))
        moment = step
    return tuple(found)


def local_text(moment: datetime, tz: str) -> str:
    """The scheduler's wall-clock form, YYYY-MM-DDTHH:MM."""
    return to_local(moment, tz).strftime(TIME_FORMAT)


def moment_text(moment: datetime, tz: str = "UTC") -> str:
    """A stored time as a person reads it, saying the zone: "Mon 23 Nov 2026 10:53 UTC"."""
    return f"{to_local(moment, tz):%a %d %b %Y %H:%M} {tz}"


def from_local_text(text: str, tz: str) -> datetime:
    naive = datetime.strptime(text, TIME_FORMAT)
    return naive.replace(tzinfo=zone(tz)).astimezone(timezone.utc)


def week_start_of(day: date) -> date:
    """The Monday of the week containing `day`."""
    return day - timedelta(days=day.weekday())


def this_week_start(tz: str, now: datetime | None = None) -> date:
    """Monday of the current week in `tz`; from Saturday on, next week's Monday (what a planner plans)."""
    today = (now or datetime.now(timezone.utc)).astimezone(zone(tz)).date()
    if today.weekday() >= 5:
        today += timedelta(days=7 - today.weekday())
    return week_start_of(today)


def week_days(week_start: date, days: int = 5) -> list[date]:
    return [week_start + timedelta(days=i) for i in range(days)]


def span_text(start: datetime, end: datetime) -> str:
    """A local span as a person says it: "Wed 25 (whole day)", "Wed 25 – Fri 27 (whole days)",
    "Thu 26 13:00–17:00", "Fri 27 20:00–24:00" or "Wed 25 13:00 – Thu 26 12:00"; midnight-to-midnight
    means whole days, and a span ending at the next midnight ends at 24:00 (as the forms take it)."""
    if start.time() == time(0) and end.time() == time(0) and end > start:
        last = end - timedelta(days=1)
        if last.date() == start.date():
            return f"{start:%a %d} (whole day)"
        return f"{start:%a %d} – {last:%a %d} (whole days)"
    if start.date() == end.date():
        return f"{start:%a %d %H:%M}–{end:%H:%M}"
    if end.time() == time(0) and end.date() == start.date() + timedelta(days=1):
        return f"{start:%a %d %H:%M}–24:00"
    return f"{start:%a %d %H:%M} – {end:%a %d %H:%M}"


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def human_value(value, tz: str = "UTC"):
    """A stored date or time as a person reads it; anything else unchanged. "2026-11-30" -> "Mon 30 Nov 2026";
    "2026-11-30T10:00" (a local wall-clock time) -> "Mon 30 Nov 2026 10:00"; an aware time
    ("2026-11-30T09:00:00+00:00") -> "Mon 30 Nov 2026 09:00 UTC", or in zone `tz`, named. Dates and datetimes
    are formatted alike."""
    if isinstance(value, datetime):
        return moment_text(value, tz) if value.tzinfo else f"{value:%a %d %b %Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%a %d %b %Y}"
    if not isinstance(value, str):
        return value
    try:
        if _ISO_DATE.fullmatch(value):
            return f"{date.fromisoformat(value):%a %d %b %Y}"
        if _ISO_MOMENT.fullmatch(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return human_value(moment, tz)
    except ValueError:
        return value
    return value


def share_text(value, digits: int = 1) -> str:
    """A fraction 0..1 as a percentage with `digits` decimals, "—" for None. Never rounds up to 100 % nor down to
    0 % unless it is exactly that: 200 of 201 placed (0.995) reads "99.5%", not "100%"."""
    if value is None:
        return "—"
    text = f"{value * 100:.{digits}f}%"
    while digits < 4 and ((value < 1 and float(text[:-1]) >= 100) or (value > 0 and float(text[:-1]) <= 0)):
        digits += 1
        text = f"{value * 100:.{digits}f}%"
    return text
