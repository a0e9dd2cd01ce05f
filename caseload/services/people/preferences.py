"""An advisor's own say over their time: when they prefer their protected time, and blocks for case work.

Both live in Advisor.protected_preferences, which planning reads as preferences (not hard rules):
  weekly:  {"day": "tue", "start": "14:00", "end": "16:00"}
  one-off: {"date": "2026-11-26", "start": "09:00", "end": "11:00", "note": "case conference prep"}
Times are the team's local wall-clock time, on the quarter hour.
"""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy.orm.exc import StaleDataError

from caseload.extensions import db
from caseload.localtime import NoSuchLocalTime, to_local, typed_to_utc
from caseload.models import WEEKDAYS, Advisor, utcnow
from caseload.models.versioning import hold_version
from caseload.services import audit
from caseload.timegrid import clock, clock_text, grid_message, on_grid

MAX_ENTRIES = 30
MAX_DAYS_AHEAD = 90


class PreferenceRejected(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _check_times(start: time, end: time) -> tuple[str, str]:
    """("HH:MM", "HH:MM") on the grid, at least an hour apart; an end of 00:00 is the midnight closing the
    day and is stored as "24:00" (timegrid.clock), as work patterns store it."""
    for moment, field in ((start, "start"), (end, "end")):
        if not on_grid(moment):
            raise PreferenceRejected(f"{grid_message(f'{moment:%H:%M}')}.", field)
    first, last = clock(f"{start:%H:%M}"), clock(f"{end:%H:%M}", end=True)
    if last <= first:
        raise PreferenceRejected("The end must be after the start.", "end")
    if last - first < 60:
        raise PreferenceRejected("Protected time counts in blocks of at least an hour.", "end")
    return clock_text(first), clock_text(last)


def today_for(advisor: Advisor) -> date:
    return to_local(utcnow(), advisor.team.timezone).date()


def current_preferences(advisor: Advisor) -> list[dict]:
    """The stored entries, dropping one-off blocks whose day has passed."""
    today = today_for(advisor).isoformat()
    return [p for p in (advisor.protected_preferences or []) if "date" not in p or p["date"] >= today]


def add_preference(advisor: Advisor, by, *, start: time, end: time, day: str | None = None,
                   on: date | None = None, note: str = "") -> dict:
    start_text, end_text = _check_times(start, end)
    if on is not None:
        today = today_for(advisor)
        if on < today or on > today + timedelta(days=MAX_DAYS_AHEAD):
            raise PreferenceRejected(f"Choose a day from today to {MAX_DAYS_AHEAD} days ahead.", "on")
        if WEEKDAYS[on.weekday()] not in (advisor.work_pattern or {}):
            raise PreferenceRejected(f"You do not work on {on:%A}s.", "on")
        for moment, field in ((start, "start"), (end, "end")):  # midnights bound the day
            try:
                typed_to_utc(on, moment, advisor.team.timezone, midnight_is_day_start=True)
            except NoSuchLocalTime as err:
                raise PreferenceRejected(f"{err}.", field) from None
        entry = {"date": on.isoformat(), "start": start_text, "end": end_text}
        if note.strip():
            entry["note"] = note.strip()[:120]
    elif day in WEEKDAYS:
        if day not in (advisor.work_pattern or {}):
            raise PreferenceRejected("That is not one of your working days.", "day")
        entry = {"day": day, "start": start_text, "end": end_text}
    else:
        raise PreferenceRejected("Choose a weekday or a date.", "day")
    entries = current_preferences(advisor)
    if entry in entries:
        raise PreferenceRejected("You have already asked for that time.", "start")
    if len(entries) >= MAX_ENTRIES:
        raise PreferenceRejected(f"At most {MAX_ENTRIES} entries; remove one first.", "start")
    # A new list, so SQLAlchemy sees the JSON column change.
    advisor.protected_preferences = sorted(entries + [entry], key=_order)
    audit.record("protected_preference_added", user=by, obj=advisor, entry=entry)
    db.session.commit()
    return entry


class PreferenceGone(PreferenceRejected):
    """The entry asked to be removed is not in the list now (removed in another window, or a one-off whose day
    has passed): nothing was removed (409)."""


def entry_key(entry: dict) -> str:
    """What names one entry to remove it: its day or date, times and note ("wed 13:00-15:00",
    "2026-11-26 09:00-11:00 case conference prep"). Entries are unique (add_preference refuses a repeat), so
    the key names at most one; a list position named another entry once the list had changed."""
    return " ".join(part for part in (entry.get("day") or entry.get("date"), f"{entry['start']}-{entry['end']}",
                                      entry.get("note")) if part)


def find_entry(advisor: Advisor, key: str) -> dict | None:
    """The current entry named by `key` (entry_key), or None."""
    return next((e for e in current_preferences(advisor) if entry_key(e) == key), None)


def remove_preference(advisor: Advisor, key: str, by) -> dict:
    """Remove the entry named `key` (entry_key) and return it. PreferenceGone when no current entry has that key:
    it was removed since the page was shown (another window, a second press), or was a one-off whose day passed."""
    gone = PreferenceGone("That entry is no longer there: the list changed since you opened the page (removed in "
                          "another window, or a one-off whose day has passed). Nothing was removed; check the list below.")
    # Lock the advisor's row at the version read, so two removals at once cannot both write the list they read.
    if not hold_version(db.session, advisor, advisor.version_id):
        db.session.rollback()
        raise gone
    entries = current_preferences(advisor)
    removed = next((e for e in entries if entry_key(e) == key), None)
    if removed is None:
        db.session.rollback()
        raise gone
    try:
        advisor.protected_preferences = [e for e in entries if e is not removed]
        audit.record("protected_preference_removed", user=by, obj=advisor, entry=removed)
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise gone from err
    return removed


def _order(entry: dict):
    if "date" in entry:
        return (1, entry["date"], entry["start"])
    return (0, WEEKDAYS.index(entry["day"]), entry["start"])
