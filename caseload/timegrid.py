"""Clock times on the planning grid, and midnight as an end: the one check every way in uses.

The planner works in slots of SLOT_MINUTES (the problem document's `horizon.slot_minutes`) counted
from local midnight, so every time a person enters (work patterns, absences, request windows, pins)
must be a whole number of slots, or the week cannot be planned. The forms, the CSV imports and the
JSON API all call `clock` (text) or `check_on_grid` (a parsed time); each caller names its own field.

A time may carry zero seconds ("09:30:00", "24:00:00": what a browser's or a spreadsheet's time gives when pasted),
read as the same minute on every way in but the API (whose document says HH:MM); other seconds are refused.

Midnight as an END is written "24:00" (an end of "00:00" means the same: an end must come after its
start, so it can only be the midnight that closes the day). It is never a start.
"""
from __future__ import annotations

import re
from functools import lru_cache
from datetime import datetime, time, timedelta

SLOT_MINUTES = 15
DAY_MINUTES = 24 * 60
MIDNIGHT_END = "24:00"
# Why 24:00 cannot start anything, after the text that said it ("24:00: ..."): one sentence on every way in.
# What a text that is not a time at all is told, after the text itself ("'9.30': Not a time: ..."), the same words
# as the clock boxes' (forms.NOT_A_CLOCK, which adds the full stop); an end may be 24:00.
NOT_A_TIME = "Not a time: give a 24-hour time as HH:MM, e.g. 14:30"
NOT_A_TIME_END = "Not a time: give a 24-hour time as HH:MM, e.g. 17:30, or 24:00 for midnight at the end of the day"
START_REFUSED = (f"midnight at the end of a day can end a time but not start one (a start is 00:00 to "
                 f"{(DAY_MINUTES - SLOT_MINUTES) // 60:02d}:{(DAY_MINUTES - SLOT_MINUTES) % 60:02d})")
# Digits 0-9 only, as the forms and the API take; ":00" seconds allowed (whole_minutes).
_CLOCK = re.compile(r"^\s*([0-9]{1,2}):([0-9]{2})(?::00)?\s*$")
_ZERO_SECONDS = re.compile(r"^(\s*[0-9]{1,2}:[0-9]{2}):00(\s*)$")


def whole_minutes(text: str) -> str:
    """`text` without zero seconds ("09:30:00" -> "09:30", "24:00:00" -> "24:00"); any other text as it is (non-zero
    seconds included, which every reader then refuses)."""
    return _ZERO_SECONDS.sub(r"\1\2", text)


class OffGrid(ValueError):
    """A time that is malformed, outside the day, or not on the slot grid; the message says which."""


def grid_message(text: str) -> str:
    """The one sentence for a time off the grid, e.g. "10:07 is not on the 15-minute grid ..."."""
    return (f"{text} is not on the {SLOT_MINUTES}-minute grid: use a time on the quarter hour "
            f"(:00, :15, :30 or :45)" if SLOT_MINUTES == 15 else
            f"{text} is not on the {SLOT_MINUTES}-minute grid (times count in {SLOT_MINUTES}-minute steps from midnight)")


def on_grid(moment: time | datetime) -> bool:
    """Whether a wall-clock time (or datetime) is a whole number of slots after midnight."""
    return moment.second == 0 and moment.microsecond == 0 and (moment.hour * 60 + moment.minute) % SLOT_MINUTES == 0


def check_on_grid(moment: time | datetime, text: str | None = None) -> None:
    """OffGrid naming `text` (default: the time as HH:MM) unless `moment` is on the grid."""
    if not on_grid(moment):
        raise OffGrid(grid_message(text or f"{moment:%H:%M}"))


@lru_cache(maxsize=4096)  # pure, and a CSV import asks for the same few times tens of thousands of times
def clock(text: str, end: bool = False) -> int:
    """Minutes after midnight of "H:MM"/"HH:MM" (zero seconds allowed: "09:30:00") on the grid; as an `end`, "24:00"
    and "00:00" are 1440.

    Raises OffGrid with a sentence (no full stop: callers put the row or line first and end it) naming the text
    for anything else ("'9.30': Not a time: give a 24-hour time as HH:MM, e.g. 14:30"; 23:60, 24:15, 10:07,
    "24:00" as a start)."""
    match = _CLOCK.match(text or "")
    if not match:
        raise OffGrid(f"{text!r}: {NOT_A_TIME_END if end else NOT_A_TIME}")
    hours, minutes = int(match[1]), int(match[2])
    shown = f"{hours:02d}:{minutes:02d}"
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise OffGrid(f"{shown} is not a time of day")
    value = hours * 60 + minutes
    if value == DAY_MINUTES and not end:
        raise OffGrid(f"24:00: {START_REFUSED}")
    if value % SLOT_MINUTES:
        raise OffGrid(grid_message(shown))
    return DAY_MINUTES if end and value == 0 else value


def clock_text(minutes: int) -> str:
    """1440 -> "24:00", 570 -> "09:30"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def at(day, minutes: int) -> datetime:
    """Local naive datetime `minutes` after midnight of `day` (1440 is the next day's 00:00)."""
    return datetime.combine(day, time()) + timedelta(minutes=minutes)


def end_text(start: datetime, end: datetime) -> str:
    """An end as a person writes it beside its start: "24:00" when it is the midnight after start's day."""
    if end.date() == start.date() + timedelta(days=1) and end.time() == time():
        return MIDNIGHT_END
    return f"{end:%H:%M}"


def merge_spans(spans):
    """Sorted (start, end) spans with touching or overlapping ones joined: 09:00-13:00 and 13:00-17:00
    are one stretch (problem-format.md: touching availability intervals of one advisor count as one)."""
    merged: list[list] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def subtract_spans(spans, cuts):
    """`spans` with the time of every span in `cuts` taken out: a list of (start, end) pairs, in the order
    of `spans`, a span cut in the middle becoming two (09:00-17:00 minus 12:00-13:00 is 09:00-12:00 and
    13:00-17:00). Both are (start, end) pairs of one kind (local naive datetimes where the planner uses it:
    working time minus absences, the week's hours gone); a cut that only touches a span leaves it whole."""
    result = list(spans)
    for cut_start, cut_end in cuts:
        pieces = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        result = pieces
    return result


def first_overlap(spans):
    """The first pair of spans that overlap (share time, not merely touch), or None."""
    ordered = sorted(spans)
    for a, b in zip(ordered, ordered[1:]):
        if b[0] < a[1]:
            return a, b
    return None
