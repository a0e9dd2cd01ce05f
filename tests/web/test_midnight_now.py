""""Now" in the second run of an hour the clocks repeat (Africa/Cairo, Thu 29 Oct 2026: 23:00-24:00 EEST, then again
in EET; real zone data): every wall-clock time in that hour names its first run (the planner's and the desk's
reading), which has passed. At the second 23:40 (21:40 UTC) a re-plan cut the week at 23:45 and the desk's offers and
bookings took 23:45 as still to come: the first 23:45, 20:45 UTC, an hour gone. Now is read forwards
(localtime.wall_clock_from): from that hour's end, Fri 00:00."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from caseload.extensions import db
from caseload.localtime import second_run, to_utc
from caseload.models import AppointmentRequest
from caseload.services.desk.asks import Ask, BookingError, check_start
from caseload.services.desk.offers import from_now
from caseload.services.planning import boundary
from caseload.services.rota.requests import parse_windows
from scheduler.model import TIME_FORMAT
from tests.clock import at
from tests.web.test_midnight_planner import _team

UTC = timezone.utc
CAIRO, WEEK = "Africa/Cairo", date(2026, 10, 26)
SECOND_23_40 = datetime(2026, 10, 29, 21, 40, tzinfo=UTC)


def _first_reading(text):
    moment = datetime.strptime(text, TIME_FORMAT)
    return to_utc(moment.date(), moment.time(), CAIRO)


def test_a_re_plan_in_the_second_run_places_nothing_in_the_first(app):
    assert second_run(SECOND_23_40, CAIRO)
    team, advisor, client, kind = _team(CAIRO, {"thu": [["16:00", "24:00"]]})
    db.session.add(AppointmentRequest(team=team, week_start=WEEK, client=client, type=kind, duration_minutes=15))
    db.session.commit()
    problem, _ = boundary.to_problem(team, WEEK, now=SECOND_23_40, notice=timedelta(0))
    spans = [s for a in problem["advisors"] for s in a["availability"]]
    spans += [w for a in problem["appointments"] for w in a["windows"]]
    assert all(_first_reading(s["start"]) >= SECOND_23_40 for s in spans), spans  # without: 23:45-24:00


def test_the_desk_offers_and_books_nothing_in_the_first_run_once_in_the_second(app):
    team, advisor, client, kind = _team(CAIRO, {"thu": [["16:00", "24:00"]]})
    db.session.commit()
    request = {"duration_minutes": 15, "windows": [{"start": "2026-10-29T16:00", "end": "2026-10-30T00:00"}]}
    assert from_now(request, CAIRO, SECOND_23_40)["windows"] == []  # without: 23:45-24:00
    ask = Ask(client, kind, WEEK, parse_windows("thu 16:00-24:00", WEEK), notice_override="the client asked")
    with at(SECOND_23_40), pytest.raises(BookingError, match="has passed"):  # without: not seen as passed
        check_start(team, ask, advisor.id, "2026-10-29T23:45")
