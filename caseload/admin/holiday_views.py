"""/admin/closures: "Add the public holidays for <year>", one press closing the whole service on the year's
public holidays that fall on the office's working days (services/public_holidays; a weekend one is "no
change"), beside the closures page's own add and remove (closure_views)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from caseload.admin.blueprint import bp
from caseload.admin.views import ADMIN
from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.forms import Form
from caseload.services import closures, public_holidays
from caseload.services.closures import broken as closure_broken
from caseload.values import LAST_WEEK


@bp.context_processor
def holiday_years() -> dict:
    """The years the closures page offers to add public holidays for: this one and next."""
    year = datetime.now(timezone.utc).year
    return {"holiday_years": [y for y in (year, year + 1) if y <= LAST_WEEK.year],
            "holiday_region": public_holidays.REGION_NAME}


def off_words(days: list) -> str:
    """"weekend" when every day is a Saturday or Sunday, else "nobody works that weekday"."""
    return "weekend" if all(day.weekday() >= 5 for day, _ in days) else "nobody works that weekday"


@bp.post("/closures/public-holidays/<int:year>")
@role_required(ADMIN)
def add_public_holidays(year):
    if not closures.EARLIEST.year <= year <= LAST_WEEK.year:
        abort(404)
    if not Form().validate_on_submit():  # the CSRF token
        flash("Nothing added: the form's security token was missing or expired; try again.", "error")
        return redirect(url_for("admin.closures_page"))
    added, skipped, not_working = public_holidays.add_public_holidays(year, by=current_user)
    db.session.commit()
    if added:
        flash(f"Office closed on {len(added)} public holiday{'s' if len(added) != 1 else ''} of {year} "
              f"({public_holidays.REGION_NAME}) for the whole service: "
              + ", ".join(f"{c.day:%a %d %b} ({c.reason})" for c in added) + ".", "success")
    if skipped:
        flash(f"{len(skipped)} already closed, left as they were: "
              + ", ".join(f"{day:%a %d %b}" for day, _ in skipped) + ".", "info")
    if not_working:
        flash("No change for " + ", ".join(f"{day:%a %d %b} ({name})" for day, name in not_working)
              + f": {'a day' if len(not_working) == 1 else 'days'} the office does not work anyway "
              + f"({off_words(not_working)}), so no closure was added.", "info")
    count = sum(n for c in added for _, _, n in closure_broken.closure_breaks(c))
    if count:
        flash(f"{count} booked appointment{'s' if count != 1 else ''} already fall{'s' if count == 1 else ''} on "
              "these days: rebook them from the desk's list of broken appointments (each team's week).", "warning")
    return redirect(url_for("admin.closures_page"))
