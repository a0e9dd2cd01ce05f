"""A time with zero seconds ("09:30:00", "24:00:00": what a browser's or a spreadsheet's time gives when pasted) is
the same minute on every way in that reads typed times: the forms' clock boxes, the windows and work patterns
(timegrid.clock) and the requests CSV's pinned start. Before, the boxes said "'24:00:00': Not a time ..." and the
windows "'09:00:00' is not a time like 09:30". Other seconds are still refused; the API keeps its HH:MM schema.
Text that is no 24-hour time ("2400", "9.30", "9:30am") is told what to type, naming the field."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from caseload.api.openapi import LOCAL_END, LOCAL_TIME
from caseload.extensions import db
from caseload.forms import NOT_A_CLOCK, NOT_A_CLOCK_END
from caseload.localtime import to_local
from caseload.models import Absence
from caseload.services.people.advisor_admin import parse_work_pattern
from caseload.services.rota.csv_import import _pinned_start
from caseload.services.rota.requests import parse_windows
from caseload.timegrid import START_REFUSED, OffGrid, clock
from tests.web import access_matrix as m
from tests.web import desk_support as d

MONDAY = date(2026, 11, 23)
LABELS = {"From": "From (leave empty for whole days)", "Until": "Until (24:00 is midnight at the end of the last day)"}


def test_the_clock_reads_zero_seconds_as_the_minute_and_refuses_others():
    assert clock("09:30:00") == clock("09:30") == 570
    assert clock(" 24:00:00 ", end=True) == 1440
    for text in ("09:30:15", "09:30:0", "09:30:00:00", "24:00:00"):  # the last as a start
        with pytest.raises(OffGrid):
            clock(text)


def test_windows_work_patterns_and_the_csv_pin_take_zero_seconds():
    windows = parse_windows("tue 09:00:00-12:30:00; wed 20:00:00-24:00:00", MONDAY)
    assert [(w.day, w.start, w.end) for w in windows] == [(MONDAY + timedelta(days=1), "09:00", "12:30"),
                                                          (MONDAY + timedelta(days=2), "20:00", "24:00")]
    assert parse_work_pattern("mon 09:00:00-17:00:00") == {"mon": [["09:00", "17:00"]]}
    pinned = _pinned_start("tue 10:00:00", MONDAY, "Europe/London")
    assert to_local(pinned, "Europe/London").strftime("%a %H:%M") == "Tue 10:00"
    with pytest.raises(OffGrid):
        _pinned_start("tue 24:00:00", MONDAY, "Europe/London")


def test_the_api_keeps_its_hh_mm_schema():
    for schema in (LOCAL_TIME, LOCAL_END):
        assert re.fullmatch(schema["pattern"], "2026-11-24T09:30")
        assert not re.fullmatch(schema["pattern"], "2026-11-24T09:30:00")


def _absence(client, team, monday, start: str, end: str):
    advisor = m.user("advisor1").advisor
    return client.post(f"/rota/t/{team.id}/{monday.isoformat()}/absences", data={
        "advisor": advisor.id, "start_day": monday.isoformat(), "end_day": monday.isoformat(),
        "start_time": start, "end_time": end, "reason": "training"})


def test_an_absence_from_09_30_00_until_24_00_00_is_saved_as_09_30_to_midnight(demo_client, demo_auth):
    team, monday = m.team("north"), d.next_week()
    demo_auth.login("leader")
    added = _absence(demo_client, team, monday, "09:30:00", "24:00:00")
    assert added.status_code == 302, added.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    absence = db.session.scalar(select(Absence).order_by(Absence.id.desc()))
    start, end = to_local(absence.starts_at, team.timezone), to_local(absence.ends_at, team.timezone)
    assert (start.date(), f"{start:%H:%M}") == (monday, "09:30")
    assert (end.date(), f"{end:%H:%M}") == (monday + timedelta(days=1), "00:00")


@pytest.mark.parametrize("start, end, field, said", [
    ("2400", "17:00", "From", NOT_A_CLOCK), ("9.30", "17:00", "From", NOT_A_CLOCK),
    ("9:30am", "17:00", "From", NOT_A_CLOCK), ("09:30:15", "17:00", "From", NOT_A_CLOCK),
    ("09:00", "5pm", "Until", NOT_A_CLOCK_END), ("24:00:00", "24:00:00", "From", START_REFUSED),
])
def test_text_that_is_no_24_hour_time_is_told_what_to_type_naming_the_field(demo_client, demo_auth, start, end,
                                                                           field, said):
    team, monday = m.team("north"), d.next_week()
    demo_auth.login("leader")
    refused = _absence(demo_client, team, monday, start, end)
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert said in page and "Not a valid time value" not in page
    typed = start if field == "From" else end
    label = LABELS[field]
    assert f"The absence was not added: {label}: '{typed}': {said}" in page, page[-3000:]  # the flash names it
    assert f'value="{typed}"' in page  # kept as typed, to correct
