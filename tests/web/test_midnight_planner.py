"""The planner's problem document holds exactly the real working time where the clocks change at midnight.

The document is in local wall-clock time and the planner counts it as written, reading each time back as its first
occurrence. Africa/Cairo goes forward at Friday 30 Apr 2027 00:00 (-> 01:00; America/Santiago at Sunday 5 Sep
2027 00:00) and back at Friday 30 Oct 2026 00:00 EEST (-> Thursday 23:00 EET, which runs twice).

The faults pinned here: a work pattern over the skipped hour (Friday from 00:00) gave the planner Fri 00:00-01:00,
an hour of slots that are the same moments as 01:00-02:00, so it booked one advisor twice at one moment; a whole
Friday's absence (from the day's start, stored as the change's moment) read from 01:00 and left that hour bookable;
a window or absence to 24:00 on Thursday read to Friday 01:00; and an absence ending in the second run of the
repeated hour read as ending at its first, so the planner could book the advisor while absent.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from zoneinfo import ZoneInfo

from caseload.extensions import db
from caseload.localtime import to_utc, typed_to_utc
from caseload.models import Absence, AppointmentRequest, RequestWindow
from caseload.services.planning import boundary
from scheduler import check_solution
from scheduler.model import TIME_FORMAT
from scheduler.solver import solve_in_process
from tests.web.test_rota_problem import _one_advisor_team

UTC = timezone.utc
AHEAD = datetime(2026, 9, 1, tzinfo=UTC)  # planned well ahead: nothing is cut at now
SLOT = timedelta(minutes=15)


def _naive(text):
    return datetime.strptime(text, TIME_FORMAT)


def _doc_moments(problem, tz):
    """Every 15-minute slot of the first advisor's availability as the moment the planner means (its first
    reading), as a list (duplicates kept: two slots naming one moment is the fault)."""
    out = []
    for span in problem["advisors"][0]["availability"]:
        slot = _naive(span["start"])
        while slot < _naive(span["end"]):
            out.append(to_utc(slot.date(), slot.time(), tz))
            slot += SLOT
    return out


def _real_moments(pattern, absences, tz, first, days):
    """The advisor's real working moments (15-minute steps in UTC), read from the wall clock people live by."""
    lo = to_utc(first, time(0), tz) - timedelta(hours=3)
    hi = to_utc(first + timedelta(days=days), time(0), tz) + timedelta(hours=3)
    out, moment = set(), lo
    while moment < hi:
        local = moment.astimezone(ZoneInfo(tz))
        day = local.date()
        minutes = local.hour * 60 + local.minute
        for start, end in pattern.get(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()], []):
            s = int(start[:2]) * 60 + int(start[3:])
            e = int(end[:2]) * 60 + int(end[3:])
            if first <= day < first + timedelta(days=days) and s <= minutes < e \
                    and not any(a <= moment < b for a, b in absences):
                out.add(moment)
        moment += SLOT
    return out


def _team(tz, pattern):
    team, advisor, client, kind = _one_advisor_team(tz)
    advisor.work_pattern = pattern
    advisor.protected_minutes = 0
    return team, advisor, client, kind


def _spans(problem):
    return [(s["start"], s["end"]) for s in problem["advisors"][0]["availability"]]


NIGHTS = {"thu": [["16:00", "24:00"]], "fri": [["00:00", "02:00"]]}


def test_cairo_spring_forward_availability_is_the_real_working_time(app):
    team, advisor, client, kind = _team("Africa/Cairo", NIGHTS)
    db.session.commit()
    problem, _ = boundary.to_problem(team, date(2027, 4, 26), now=AHEAD)
    # Friday 00:00-01:00 does not exist: Thursday works to its 24:00 (Friday's first moment), Friday from 01:00.
    assert _spans(problem) == [("2027-04-29T16:00", "2027-04-30T00:00"), ("2027-04-30T01:00", "2027-04-30T02:00")]
    moments = _doc_moments(problem, "Africa/Cairo")
    assert len(moments) == len(set(moments))  # no two slots name one moment
    assert set(moments) == _real_moments(NIGHTS, [], "Africa/Cairo", date(2027, 4, 26), 5)
    # Nothing can be placed in the hour that does not exist.
    solution = {"format": "caseload-solution/1", "status": "feasible", "score": 0, "allocations": [], "protected": [],
                "unassigned": [], "assignments": []}
    request = AppointmentRequest(team=team, week_start=date(2027, 4, 26), client=client, type=kind, duration_minutes=30)
    db.session.add(request)
    db.session.commit()
    problem, _ = boundary.to_problem(team, date(2027, 4, 26), now=AHEAD)
    solution["assignments"] = [{"appointment": problem["appointments"][0]["id"], "advisor": problem["advisors"][0]["id"],
                                "start": "2027-04-30T00:15"}]
    assert not check_solution(problem, solution).ok


def test_the_planner_does_not_book_the_skipped_hour_twice(app):
    """Four hour-long appointments in a window of three real hours (Thu 22:00 to Fri 02:00, Friday starting at
    01:00): three are placed, at three different moments. Before, all four were, two of them at one moment."""
    team, advisor, client, kind = _team("Africa/Cairo", NIGHTS)
    week = date(2027, 4, 26)
    for _ in range(4):
        request = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=60)
        request.windows.append(RequestWindow(starts_at=to_utc(date(2027, 4, 29), time(22), "Africa/Cairo"),
                                             ends_at=to_utc(date(2027, 4, 30), time(2), "Africa/Cairo")))
        db.session.add(request)
    db.session.commit()
    problem, _ = boundary.to_problem(team, week, now=AHEAD)
    solution = solve_in_process(problem, time_limit=10, workers=1, deterministic=True)
    starts = sorted(to_utc(_naive(a["start"]).date(), _naive(a["start"]).time(), "Africa/Cairo")
                    for a in solution["assignments"])
    assert len(starts) == 3
    assert all(b - a >= timedelta(hours=1) for a, b in zip(starts, starts[1:]))  # no two at one moment


def test_cairo_absences_and_windows_at_the_skipped_midnight_read_as_24_00(app):
    pattern = {**NIGHTS, "wed": [["16:00", "24:00"]]}
    team, advisor, client, kind = _team("Africa/Cairo", pattern)
    tz, week = "Africa/Cairo", date(2027, 4, 26)
    friday_starts = typed_to_utc(date(2027, 4, 30), "00:00", tz, midnight_is_day_start=True)
    assert friday_starts == datetime(2027, 4, 29, 22, tzinfo=UTC)
    # Absent Thursday 20:00-24:00 and the whole of Friday (from its first moment, the change).
    absences = [(to_utc(date(2027, 4, 29), time(20), tz), friday_starts),
                (friday_starts, typed_to_utc(date(2027, 5, 1), "00:00", tz, midnight_is_day_start=True))]
    for start, end in absences:
        db.session.add(Absence(advisor=advisor, starts_at=start, ends_at=end))
    request = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=60)
    request.windows.append(RequestWindow(starts_at=to_utc(date(2027, 4, 29), time(18), tz), ends_at=friday_starts))
    db.session.add(request)
    db.session.commit()
    problem, _ = boundary.to_problem(team, week, now=AHEAD)
    assert _spans(problem) == [("2027-04-28T16:00", "2027-04-29T00:00"), ("2027-04-29T16:00", "2027-04-29T20:00")]
    assert problem["appointments"][0]["windows"] == [{"start": "2027-04-29T18:00", "end": "2027-04-30T00:00"}]
    assert set(_doc_moments(problem, tz)) == _real_moments(pattern, absences, tz, week, 5)


def test_santiago_spring_forward_at_sunday_midnight(app):
    pattern = {"sat": [["18:00", "24:00"]], "sun": [["00:00", "03:00"]]}
    team, advisor, client, kind = _team("America/Santiago", pattern)
    db.session.commit()
    problem, _ = boundary.to_problem(team, date(2027, 8, 30), days=7, now=AHEAD)
    assert _spans(problem) == [("2027-09-04T18:00", "2027-09-05T00:00"), ("2027-09-05T01:00", "2027-09-05T03:00")]
    moments = _doc_moments(problem, "America/Santiago")
    assert len(moments) == len(set(moments))
    assert set(moments) == _real_moments(pattern, [], "America/Santiago", date(2027, 8, 30), 7)


def test_cairo_fall_back_an_absence_to_the_second_23_30_is_not_bookable(app):
    """Thursday 29 Oct 2026: 23:00-24:00 runs twice (EEST, then EET). Absent 22:00 EEST to the second 23:30 (EET):
    the planner reads 23:30 as the first one, inside the absence, so Thursday's time ends at 22:00 for it."""
    tz, week = "Africa/Cairo", date(2026, 10, 26)
    pattern = {"thu": [["16:00", "24:00"]]}
    team, advisor, client, kind = _team(tz, pattern)
    absence = (datetime(2026, 10, 29, 19, tzinfo=UTC), datetime(2026, 10, 29, 21, 30, tzinfo=UTC))
    db.session.add(Absence(advisor=advisor, starts_at=absence[0], ends_at=absence[1]))
    request = AppointmentRequest(team=team, week_start=week, client=client, type=kind, duration_minutes=30)
    db.session.add(request)
    db.session.commit()
    problem, _ = boundary.to_problem(team, week, now=AHEAD)
    assert _spans(problem) == [("2026-10-29T16:00", "2026-10-29T22:00")]
    moments = _doc_moments(problem, tz)
    assert set(moments) <= _real_moments(pattern, [absence], tz, week, 5)  # nothing the advisor is absent for
    solution = {"format": "caseload-solution/1", "status": "feasible", "score": 0, "allocations": [], "protected": [],
                "unassigned": [], "assignments": [{"appointment": problem["appointments"][0]["id"],
                                                   "advisor": problem["advisors"][0]["id"], "start": "2026-10-29T23:30"}]}
    assert not check_solution(problem, solution).ok


def test_cairo_fall_back_24_00_is_one_moment_and_the_repeated_hour_is_offered_once(app):
    """Without absences: Thursday 16:00-24:00 is 16:00-Fri 00:00 in the document; 24:00 is one moment (22:00 UTC,
    Friday's 00:00 EET). The hour that runs twice is given once (the document's wall clock cannot name its second
    run): the planner may lose that hour but never books a moment twice nor one outside the working time."""
    tz, week = "Africa/Cairo", date(2026, 10, 26)
    pattern = {"thu": [["16:00", "24:00"]]}
    team, advisor, client, kind = _team(tz, pattern)
    db.session.commit()
    problem, _ = boundary.to_problem(team, week, now=AHEAD)
    assert _spans(problem) == [("2026-10-29T16:00", "2026-10-30T00:00")]
    assert to_utc(date(2026, 10, 30), time(0), tz) == datetime(2026, 10, 29, 22, tzinfo=UTC)
    moments = _doc_moments(problem, tz)
    real = _real_moments(pattern, [], tz, week, 5)
    assert len(moments) == len(set(moments)) and set(moments) <= real
    assert sorted(real - set(moments)) == [datetime(2026, 10, 29, 21, m, tzinfo=UTC) for m in (0, 15, 30, 45)]
