"""Administrators' changes to advisors: roles, skills, working pattern, protected-time target and limits.

A refused change raises admin_saves.AdminError naming the form field at fault; nothing is saved.
"""
from __future__ import annotations

import re

from caseload.extensions import db
from caseload.models import WEEKDAYS, Advisor, Skill, Team, hold_version
from caseload.services import audit
from caseload.services.people.admin_saves import CHANGED, AdminError, apply_changes
from caseload.services.planning.problem import protected_over_working, usual_week_minutes
from caseload.timegrid import OffGrid, clock, clock_text, first_overlap, merge_spans


_SPAN = re.compile(r"^(\S+?)\s*-\s*(\S+)$")


def parse_work_pattern(text: str) -> dict[str, list[list[str]]]:
    """'mon 09:00-12:30, 13:30-17:00' one day a line -> {"mon": [["09:00", "12:30"], ["13:30", "17:00"]]}.

    Times are on the slot grid (timegrid.clock); an end of 24:00 (or 00:00) is midnight and is stored as
    "24:00". Spans of one day that touch are joined ("09:00-13:00, 13:00-17:00" is one 09:00-17:00 stretch);
    spans that overlap are refused. AdminError(field "work_pattern") names the line at fault."""
    pattern: dict[str, list[list[str]]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        day, _, rest = line.partition(" ")
        day = day.lower()[:3]
        if day not in WEEKDAYS:
            raise AdminError(f"Line {number}: start with a day (mon, tue, ...), not {line.split()[0]!r}.", "work_pattern")
        if day in pattern:
            raise AdminError(f"Line {number}: {day} is given twice; put all its times on one line.", "work_pattern")
        spans = []
        for part in filter(None, (p.strip() for p in rest.split(","))):
            match = _SPAN.match(part)
            if not match:
                raise AdminError(f"Line {number}: write times as 09:00-12:30, not {part!r}.", "work_pattern")
            try:
                start, end = clock(match[1]), clock(match[2], end=True)
            except OffGrid as err:
                raise AdminError(f"Line {number}: {part}: {err}.", "work_pattern") from None
            if end <= start:
                raise AdminError(f"Line {number}: {part} ends before it starts.", "work_pattern")
            spans.append((start, end))
        if not spans:
            raise AdminError(f"Line {number}: give the working times for {day}.", "work_pattern")
        clash = first_overlap(spans)
        if clash:
            (s1, e1), (s2, e2) = clash
            raise AdminError(f"Line {number}: {clock_text(s1)}-{clock_text(e1)} and {clock_text(s2)}-{clock_text(e2)} "
                             "overlap; give each working time once.", "work_pattern")
        pattern[day] = [[clock_text(s), clock_text(e)] for s, e in merge_spans(spans)]
    return dict(sorted(pattern.items(), key=lambda kv: WEEKDAYS.index(kv[0])))


def work_pattern_text(pattern: dict) -> str:
    return "\n".join(f"{day} " + ", ".join(f"{s}-{e}" for s, e in spans)
                     for day, spans in sorted((pattern or {}).items(), key=lambda kv: WEEKDAYS.index(kv[0])))


def save_advisor(advisor: Advisor | None, *, name: str, team: Team, skills: list[Skill], does_support: bool,
                 does_policing: bool, work_pattern: str, protected_minutes: int, max_appointments_per_day: int | None,
                 max_caseload: int | None, active: bool, by, expected_version: int | None = None) -> Advisor:
    """Create (advisor None) or change an advisor. A change names the version its form was opened at
    (`expected_version`): if the advisor was saved since (by an administrator, a leader setting the protected
    target, the advisor's own preferences), AdminError("version") and nothing is written."""
    if advisor is not None and expected_version is not None and (
            advisor.version_id != expected_version or not hold_version(db.session, advisor, expected_version)):
        db.session.rollback()
        raise AdminError(CHANGED, "version")
    if not name.strip():
        raise AdminError("Give the advisor's name.", "name")
    if not (does_support or does_policing):
        raise AdminError("An advisor needs at least one role: support or policing.", "does_support")
    pattern = parse_work_pattern(work_pattern)
    if protected_minutes is None or not 0 <= protected_minutes <= 60 * 40:
        raise AdminError("Protected time target (minutes a week): from 0 to 2400 minutes.", "protected_minutes")
    if reason := protected_over_working(protected_minutes, usual_week_minutes(pattern), name.strip()):
        raise AdminError(f"Protected time target (minutes a week): {reason}", "protected_minutes")
    created = advisor is None
    advisor = advisor or Advisor()
    changed = apply_changes(advisor, {
        "name": name.strip(), "team_id": team.id, "does_support": does_support, "does_policing": does_policing,
        "work_pattern": pattern, "protected_minutes": protected_minutes,
        "max_appointments_per_day": max_appointments_per_day, "max_caseload": max_caseload, "active": active})
    old_skills = sorted(s.code for s in advisor.skills) if not created else []
    advisor.skills = list(skills)
    new_skills = sorted(s.code for s in skills)
    if old_skills != new_skills:
        changed["skills"] = [old_skills, new_skills]
    db.session.add(advisor)
    db.session.flush()
    audit.record("advisor_created" if created else "advisor_updated", user=by, obj=advisor, changes=changed)
    db.session.commit()
    return advisor
