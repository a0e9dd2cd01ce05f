"""Public (bank) holidays as office closure days, read from the maintained `holidays` library rather than a
hand list: Easter moves every year and a holiday on a weekend gets a substitute weekday ("Boxing Day
(observed)", Mon 28 Dec 2026), which a list typed once gets wrong the next year.

The region is a country code with an optional subdivision, as `holidays` names them: "GB-ENG" (England; Wales
has the same bank holidays), "GB-SCT", "GB-NIR", "IE", "DE-BY". Days are added as closures for the whole
service (or one team) through services/closures, so they are audited and refused twice like any other.
"""
from __future__ import annotations

from datetime import date

import holidays

from caseload.models import Team
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


def add_public_holidays(year: int, by, team: Team | None = None, region: str = REGION) -> tuple[list, list]:
    """Close the office (whole service, or `team`) on each public holiday of `region` in `year`; the caller
    commits. Returns (closures added, [(day, why not) for days skipped]): a day already closed is skipped
    with the reason closures.add_closure gives, so running it twice adds nothing."""
    added, skipped = [], []
    for day, name in public_holidays(year, region):
        try:
            added.append(closures.add_closure(day, team, name[:closures.REASON_MAX], by=by))
        except closures.ClosureRejected as err:
            skipped.append((day, str(err)))
    return added, skipped
