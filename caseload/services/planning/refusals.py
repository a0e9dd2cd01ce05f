"""Why an advisor cannot take an appointment, in a team leader's words: one explanation shared by the plan
review's move panel (move_offers, "Who cannot take it, and why") and the booking desk's offers page (why the
client's named advisor is not offered).

The answer is worked out from the planner's warm offer engine (`scheduler.booking.Desk`: the week's problem and
plan as they are now) and the appointment as the engine reads it, day by day through the client's times: the
office closed, the advisor absent or not working then, fully booked, at their daily limit, the client busy at
every free time, or (the desk only) within the service's minimum notice. Absences and closures are cut out of
the planner's availability, so their reasons come from the database (`days_off`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from caseload.models import Advisor, Team
from caseload.services.closures import closed_days
from caseload.services.planning.problem import advisor_sid, local_naive, week_absences
from scheduler.booking import Desk
from scheduler.model import Appointment, Interval

FREE = "free then, but other places rank higher"


def days_off(advisor: Advisor, team: Team, week_start: date, days: int,
             closed: dict[date, str] | None = None) -> dict[date, str]:
    """Local day -> why the advisor is away that day: "the office is closed (<reason>)" for the team's closed
    days, "absent (<reason>)" for each day an absence touches (part days too: the day's own check then says
    whether the rest of it is enough). Closures first: a closed day is closed for everyone. `closed`: the team's
    closed days in the week (day -> reason) when already read, else read here."""
    out = {}
    tz = team.timezone
    for absence in week_absences(advisor, week_start, tz, days):
        day, last = local_naive(absence.starts_at, tz).date(), local_naive(absence.ends_at, tz) - timedelta(minutes=1)
        while day <= last.date():  # an absence ending at midnight does not touch the next day
            out[day] = f"absent ({absence.reason})"
            day += timedelta(days=1)
    if closed is None:
        closed = closed_days(team.id, week_start, week_start + timedelta(days=days - 1))
    for day, reason in closed.items():
        out[day] = f"the office is closed ({reason})"
    return out


def _day_windows(desk: Desk, appt: Appointment) -> dict[int, list[Interval]]:
    """Day index -> the appointment's windows cut to that day (a window may run over several days)."""
    spd = desk.problem.horizon.slots_per_day
    out: dict[int, list[Interval]] = {}
    for w in appt.windows:
        for day in range(w.start // spd, (w.end - 1) // spd + 1):
            lo, hi = max(w.start, day * spd), min(w.end, (day + 1) * spd)
            if hi - lo >= appt.duration:
                out.setdefault(day, []).append(Interval(lo, hi))
    return out


def _day_reason(desk: Desk, appt: Appointment, advisor, windows: list[Interval], away: str | None) -> str:
    """Why the advisor cannot take `appt` inside `windows` (one day's), or FREE when they can."""
    d = appt.duration
    if not any(min(w.end, a.end) - max(w.start, a.start) >= d for w in windows for a in advisor.availability):
        return away or "not working in the client's times"
    one_day = Appointment(appt.id, appt.client, appt.kind, appt.skill, d, tuple(windows))
    starts = [s for s, _ in desk.time_of(advisor.id).starts_in(one_day)]
    if not starts:
        return "fully booked in the client's times" + (f" (and {away})" if away else "")
    limit = advisor.max_appointments_per_day
    day = desk.problem.horizon.day_of(starts[0])
    if limit is not None and desk.diary.starts[(advisor.id, day)] >= limit:
        return f"at the daily limit of {limit} appointments"
    if not any(desk.fits(one_day, advisor, s) for s in starts):
        return "the client has another appointment at each free time"
    return FREE


@dataclass(frozen=True)
class Refusal:
    """Why an advisor cannot take an appointment: a `code` for programs (CODES) and `words` that follow the
    advisor's name ("cannot on Wed 02 Dec: absent (sick)")."""

    code: str
    words: str


# Refusal codes, each as the team leader reads it. Day by day reasons (absent, closed, fully booked, at the daily
# limit, the client busy, the desk's minimum notice) are "not_free"; a day they could take is "ranked_lower".
CODES = {
    "not_in_planning": "not part of this week's planning (not an active advisor of the team)",
    "no_role": "does not do appointments of this kind",
    "no_skill": "lacks the skill the appointment needs",
    "full_caseload": "has a full caseload (a client with no named advisor)",
    "not_working": "not working in any of the client's times",
    "not_free": "not free in the client's times, day by day (absent, office closed, fully booked, daily limit, the "
                "client busy, inside the minimum notice or passed)",
    "ranked_lower": "free on some day of the client's times, but other places rank higher (or, for a series, not "
                    "free for every appointment of it)",
}


def refusal(desk: Desk, appt: Appointment, advisor: Advisor, away: dict[date, str],
            lost: dict[date, str] | None = None) -> str:
    """Why `advisor` cannot take `appt`, in words (refusal_of's `words`)."""
    return refusal_of(desk, appt, advisor, away, lost).words


def refusal_of(desk: Desk, appt: Appointment, advisor: Advisor, away: dict[date, str],
               lost: dict[date, str] | None = None) -> Refusal:
    """Why `advisor` cannot take `appt` (the engine's reading of the request, in `desk`'s problem), as a Refusal
    whose words follow the advisor's name: "lacks the skill debt", "cannot on Wed 02 Dec: absent (sick); Thu 03
    Dec: fully booked in the client's times". `away`: days_off for the advisor; `lost`: days of the client's times
    left out before asking (the desk's minimum notice, times already passed), day -> why. A day the advisor
    could take says FREE ("free then, but other places rank higher")."""
    problem = desk.problem
    planner = problem.advisor_by_id.get(advisor_sid(advisor.id))
    if planner is None:
        return Refusal("not_in_planning", "is not part of this week's planning")
    if appt.kind not in planner.roles:
        return Refusal("no_role", f"does not do {appt.kind} appointments")
    if appt.skill not in planner.skills:
        return Refusal("no_skill", f"lacks the skill {appt.skill}")
    if desk.named(appt.client) is None and appt.kind == "support" and planner.spare_caseload() == 0:
        return Refusal("full_caseload", f"has a full caseload ({planner.caseload} of {planner.max_caseload} clients)")
    h = problem.horizon
    said = {day: why for day, why in (lost or {}).items()}
    for index, windows in sorted(_day_windows(desk, appt).items()):
        day = h.start + timedelta(days=index)
        said.setdefault(day, _day_reason(desk, appt, planner, windows, away.get(day)))
    if not said:
        return Refusal("not_working", "is not working in any of the client's times")
    code = "ranked_lower" if FREE in said.values() else "not_free"
    return Refusal(code, "cannot on " + "; ".join(f"{day:%a %d %b}: {why}" for day, why in sorted(said.items())))
