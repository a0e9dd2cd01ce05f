"""Public (bank) holidays as office closure days, read from the maintained `holidays` library rather than a
hand list: Easter moves every year and a holiday on a weekend gets a substitute weekday ("Boxing Day
(observed)", Mon 28 Dec 2026), which a list typed once gets wrong the next year.

The region is a country code with an optional subdivision, as `holidays` names them: "GB-ENG" (England; Wales
has the same bank holidays), "GB-SCT", "GB-NIR", "IE", "DE-BY". Days are added as closures for the whole
service (or one team) through services/closures, so they are audited and refused twice like any other.

A holiday on a day the office does not work anyway (Christmas Day on a Saturday: the library lists it beside
its substitute Monday) closes nothing and is not added: it is reported as "no change". The office's working
days are not a fixed Monday to Friday but those its advisors work (working_weekdays), as the desk's working hours
read them, so an office with Saturday surgeries is closed on a Saturday holiday.
"""
from __future__ import annotations

from datetime import date
from typing import NamedTuple

import holidays
from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Advisor, Team
from caseload.models.people import WEEKDAYS
from caseload.services import closures

REGION = "GB-ENG"  # the demo office's: England and Wales bank holidays
REGION_NAME = "England and Wales"  # REGION as the pages say it


class UnknownRegion(ValueError):
    """The region is not one `holidays` knows (names it)."""


def public_holidays(year: int, region: str = REGION) -> list[tuple[date, str]]:
    """(day, name) of each public holiday of `region` in `year`, by day, substitute days included
    ("Boxing Day (observed)"). Raises UnknownRegion for a country or subdivision `holidays` does not have."""
    country, _, subdiv = region.partition("-")
    try:
        found = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    except NotImplementedError as err:
        raise UnknownRegion(f"{region} is not a public-holiday region (use e.g. {REGION}).") from err
    return sorted(found.items())


MONDAY_TO_FRIDAY = frozenset(range(5))


class HolidaysAdded(NamedTuple):
    added: list  # the ClosureDay rows added
    skipped: list  # (day, why not) for days already closed
    not_working: list  # (day, holiday name) for days the office does not work anyway: no change


def working_weekdays(team: Team | None = None) -> frozenset[int]:
    """The weekdays (Monday 0 to Sunday 6) the office works: those on which an active advisor of `team` (None:
    of any team, for a whole-service closure) has working times in their work pattern, as the desk's working
    hours read them (desk.offers.working_span). Monday to Friday when no active advisor has a pattern yet."""
    query = select(Advisor.work_pattern).where(Advisor.active.is_(True))
    if team is not None:
        query = query.where(Advisor.team_id == team.id)
    days = {WEEKDAYS.index(key) for pattern in db.session.scalars(query)
            for key, spans in (pattern or {}).items() if spans and key in WEEKDAYS}
    return frozenset(days) or MONDAY_TO_FRIDAY


def add_public_holidays(year: int, by, team: Team | None = None, region: str = REGION) -> HolidaysAdded:
    """Close the office (whole service, or `team`) on each public holiday of `region` in `year` that falls on
    one of its working days (working_weekdays); the caller commits. Returns HolidaysAdded: the closures added;
    (day, why not) for days skipped, a day already closed with the reason closures.add_closure gives, so running
    it twice adds nothing; and (day, name) for holidays on a day the office does not work anyway (a weekend),
    which would change nothing and are not added (their substitute weekday, when the library gives one, is)."""
    added, skipped, not_working = [], [], []
    working = working_weekdays(team)
    for day, name in public_holidays(year, region):
        if day.weekday() not in working:
            not_working.append((day, name))
            continue
        try:
            added.append(closures.add_closure(day, team, name[:closures.REASON_MAX], by=by))
        except closures.ClosureRejected as err:
            skipped.append((day, str(err)))
    return HolidaysAdded(added, skipped, not_working)
