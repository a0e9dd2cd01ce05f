"""Reports for administrators: continuity over the weeks, equity, separation, protected time, unplaced work.

Each report gives a chart (labels and series, for Chart.js) and the same figures as table rows (for CSV).
A visit is an attended contact: the contact history and the appointments marked attended at the desk
(services/desk/attendance.py). A published plan is what was planned, not what happened: its appointments count
only once marked attended, so the coming week's plan adds no visits and a DNA is none. The named advisor is
the client's named advisor today: the history of reallocations is not kept, so a client who changed advisor
counts against the new one. The DNA report counts the appointments whose attendance was recorded.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, case, func, or_, select

from caseload.extensions import db
from caseload.localtime import this_week_start, to_utc, week_start_of
from caseload.models import Advisor, AppointmentRequest, Client, Contact, Plan, PlanItem, Team
from caseload.services.csv_export import csv_text
from caseload.services.planning.problem import db_id

DEFAULT_WEEKS = 12
# A rate from fewer cases than this is held back ("too few to say", with its n): one visit made "100 %
# continuity" and two appointments "50 % DNA". The CSV keeps every rate with its count, for those who want them.
MIN_SAMPLE = 5
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Visit:
    team_id: int
    week: date
    client_id: int
    advisor_id: int
    kind: str
    complexity: int
    named_advisor_id: int | None

    @property
    def with_named(self) -> bool:
        return self.named_advisor_id == self.advisor_id

    @property
    def named(self) -> bool:
        return self.named_advisor_id is not None

    count = 1


@dataclass(frozen=True)
class VisitGroup:
    """`count` visits alike in what the reports read (visit_groups); named_advisor_id only when grouped by it."""
    team_id: int
    week: date
    kind: str
    complexity: int
    named: bool
    with_named: bool
    count: int
    named_advisor_id: int | None = None


@dataclass
class Report:
    name: str
    title: str
    chart: str  # Chart.js type: "line" or "bar"
    labels: list
    series: list  # [{"label": str, "data": [number or None], "n": [cases behind each rate, or None]}] (no "n": counts)
    columns: list
    rows: list
    percent: bool = True
    note: str = ""
    unit: str = "visits"  # what n counts, in the page's words ("support visits", "compliance reviews")
    pooled: list = field(default_factory=list)  # [(series label, hits, total)] over all the weeks (rate reports)

    @property
    def held_back(self) -> bool:
        """Whether every rate there is was held back (n < MIN_SAMPLE): the chart is empty for that reason, not
        for want of data, and the page says so (it used to say "nothing to show")."""
        ns = [n for s in self.series for n in s.get("n") or [] if n]
        return bool(ns) and not any(v is not None for s in self.series for v in s["data"])

    def pooled_rates(self) -> list[tuple[str, float | None, int]]:
        """(series label, rate or None when held back, n) with the weeks taken together: a team with three
        reviews a week has no weekly figure but one over twelve weeks (n = 36)."""
        return [(label, _share(hits, total) if total >= MIN_SAMPLE else None, total)
                for label, hits, total in self.pooled]

    @property
    def by_week(self) -> bool:
        """Whether the labels are weeks (ISO Mondays) rather than categories."""
        return bool(self.labels) and all(isinstance(label, str) and _ISO_DAY.fullmatch(label) for label in self.labels)

    @property
    def label_texts(self) -> list[str]:
        """The labels as people read them: a week is "w/c 30 Nov 2026" (the CSV keeps ISO dates)."""
        if not self.by_week:
            return [str(label) for label in self.labels]
        return [f"w/c {date.fromisoformat(label):%d %b %Y}" for label in self.labels]

    def chart_json(self) -> dict:
        return {"title": self.title, "type": self.chart, "labels": self.label_texts, "percent": self.percent,
                "datasets": self.series}

    def table_rows(self) -> list[tuple[str, list[tuple]]]:
        """The chart's data as a table: (label text, [(value, n) per series]) per label, for the page's data
        table; n is the number of cases behind a rate (None for a count), value None when there is none or
        when n < MIN_SAMPLE (held back)."""
        def cell(s, i):
            value = s["data"][i] if i < len(s["data"]) else None
            n = s["n"][i] if "n" in s and i < len(s["n"]) else None
            return value, n
        return [(text, [cell(s, i) for s in self.series]) for i, text in enumerate(self.label_texts)]

    def csv_text(self) -> str:
        return csv_text(self.columns, self.rows)


def report_weeks(teams: list[Team], count: int = DEFAULT_WEEKS, now: datetime | None = None) -> list[date]:
    """The last `count` weeks up to the latest week with a published plan (or this week)."""
    latest = max([this_week_start(t.timezone, now) for t in teams] or [week_start_of(date.today())])
    published = db.session.scalar(select(Plan.week_start).where(
        Plan.status == "published", Plan.team_id.in_([t.id for t in teams])).order_by(Plan.week_start.desc()).limit(1))
    if published and published > latest:
        latest = published
    return [latest - timedelta(days=7 * i) for i in range(count - 1, -1, -1)]


def _week_edges(weeks: list[date], tz: str) -> list[datetime]:
    """The UTC instants at which each of the (consecutive) weeks starts in `tz` (local Monday 00:00), and the
    end of the last one: right across a clock change, so a contact is found in its week by bisection."""
    return [to_utc(w, "00:00", tz) for w in weeks] + [to_utc(weeks[-1] + timedelta(days=7), "00:00", tz)]


def collect_visits(teams: list[Team], weeks: list[date]) -> list[Visit]:
    """Every attended contact in the weeks (local to each team), whatever the published plans say."""
    by_id = {t.id: t for t in teams}
    edges = {tz: _week_edges(weeks, tz) for tz in {t.timezone for t in teams}}
    first, last = weeks[0], weeks[-1] + timedelta(days=7)
    visits = []
    lo = datetime.combine(first - timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
    contacts = db.session.execute(
        select(Client.team_id, Contact.occurred_at, Contact.advisor_id, Contact.kind, Client.id, Client.complexity,
               Client.named_advisor_id)
        .join(Client, Contact.client_id == Client.id)
        .where(Contact.occurred_at >= lo, Contact.occurred_at < hi, Client.team_id.in_(by_id), Contact.advisor_id.is_not(None)))
    for team_id, at, advisor_id, kind, client_id, complexity, named in contacts:
        # The week by bisection on the week starts in UTC: no time-zone conversion per contact (50 teams: 30k rows).
        index = bisect_right(edges[by_id[team_id].timezone], at) - 1
        if 0 <= index < len(weeks):
            visits.append(Visit(team_id, weeks[index], client_id, advisor_id, kind, complexity or 1, named))
    return visits


def visit_groups(teams: list[Team], weeks: list[date], by_advisor: bool = False) -> list[VisitGroup]:
    """The attended contacts of collect_visits counted in the database, grouped by team, local week, kind,
    complexity, whether the client has a named advisor and whether it was them (and by the named advisor
    if `by_advisor`): the same figures without 40k rows through Python at 50 teams. The week is a CASE over
    each time zone's UTC week edges (the same half-open intervals as collect_visits' bisection)."""
    if not teams or not weeks:
        return []
    whens, edges_of = [], {tz: _week_edges(weeks, tz) for tz in sorted({t.timezone for t in teams})}
    for tz, edges in edges_of.items():
        whens += [(and_(Team.timezone == tz, Contact.occurred_at >= edges[i], Contact.occurred_at < edges[i + 1]), i)
                  for i in range(len(weeks))]
    named = Client.named_advisor_id
    inner = (select(Client.team_id.label("team_id"), case(*whens, else_=None).label("week"),
                    Contact.kind.label("kind"),
                    case((or_(Client.complexity.is_(None), Client.complexity == 0), 1),
                         else_=Client.complexity).label("complexity"),
                    case((named.is_(None), 0), else_=1).label("named"),
                    case((Contact.advisor_id == named, 1), else_=0).label("hit"),
                    named.label("named_advisor_id"))
             .join(Client, Contact.client_id == Client.id).join(Team, Client.team_id == Team.id)
             .where(Client.team_id.in_([t.id for t in teams]), Contact.advisor_id.is_not(None),
                    Contact.occurred_at >= min(e[0] for e in edges_of.values()),
                    Contact.occurred_at < max(e[-1] for e in edges_of.values()))
             .subquery())
    # Grouped outside the subquery: PostgreSQL would not match a CASE with bound edges in GROUP BY to the SELECT's.
    keys = [inner.c.team_id, inner.c.week, inner.c.kind, inner.c.complexity, inner.c.named, inner.c.hit]
    if by_advisor:
        keys.append(inner.c.named_advisor_id)
    rows = db.session.execute(select(*keys, func.count()).where(inner.c.week.is_not(None)).group_by(*keys))
    return [VisitGroup(row[0], weeks[row[1]], row[2], row[3], bool(row[4]), bool(row[5]), row[-1],
                       row[6] if by_advisor else None) for row in rows]


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _rate_series(label: str, cells: dict, weeks: list[date]) -> dict:
    """A chart series of weekly rates from {week: (hits, total)}: each rate with its n, held back (None) when
    n < MIN_SAMPLE; n is None for a week with no case."""
    n = [cells[w][1] if w in cells else None for w in weeks]
    data = [_share(*cells[w]) if w in cells and cells[w][1] >= MIN_SAMPLE else None for w in weeks]
    return {"label": label, "data": data, "n": n}


def _weekly_share(visits, weeks, key, keep, hit):
    """{key: {week: (hits, total)}} over the visits that `keep` selects."""
    counts: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for v in visits:
        if keep(v):
            cell = counts[key(v)][v.week]
            cell[1] += v.count
            cell[0] += v.count * int(hit(v))
    return counts


def _support_named(v: Visit | VisitGroup) -> bool:
    return v.kind == "support" and v.named


def _pooled(label: str, cells: dict, weeks: list[date]) -> tuple[str, int, int]:
    """(label, hits, total) over all the weeks of {week: (hits, total)}."""
    return (label, sum(cells[w][0] for w in weeks if w in cells), sum(cells[w][1] for w in weeks if w in cells))


def _share_report(name, title, weeks, counts, labels_of, column, note="", unit="support visits") -> Report:
    series, rows, pooled = [], [], []
    for key in sorted(counts, key=lambda k: labels_of(k)):
        cells = counts[key]
        series.append(_rate_series(labels_of(key), cells, weeks))
        pooled.append(_pooled(labels_of(key), cells, weeks))
        for w in weeks:
            if w in cells:
                hits, total = cells[w]
                rows.append([w.isoformat(), labels_of(key), total, hits, _share(hits, total)])
    return Report(name, title, "line", [w.isoformat() for w in weeks], series,
                  ["week", column, "visits", "kept", "share"], rows, note=note, unit=unit, pooled=pooled)


def continuity_by_team(teams: list[Team], weeks=None, visits=None) -> Report:
    weeks = weeks or report_weeks(teams)
    names = {t.id: t.name for t in teams}
    counts = _weekly_share(visit_groups(teams, weeks) if visits is None else visits, weeks, lambda v: v.team_id, _support_named, lambda v: v.with_named)
    return _share_report("continuity-team", "Continuity by team: support visits with the named advisor", weeks, counts,
                         lambda k: names[k], "team")


def continuity_by_advisor(teams: list[Team], team: Team | None = None, weeks=None, visits=None) -> Report:
    """Per named advisor: the share of their clients' support visits they saw themselves."""
    teams = [team] if team else teams
    weeks = weeks or report_weeks(teams)
    counts = _weekly_share(visit_groups(teams, weeks, by_advisor=True) if visits is None else visits, weeks,
                           lambda v: v.named_advisor_id,
                           _support_named,
                           lambda v: v.with_named)
    names = {aid: f"{name} ({team_name})" for aid, name, team_name in db.session.execute(
        select(Advisor.id, Advisor.name, Team.name).join(Team, Advisor.team_id == Team.id).where(Advisor.id.in_(list(counts))))}
    return _share_report("continuity-advisor", "Continuity by advisor: their clients' support visits they saw themselves",
                         weeks, counts, lambda k: names.get(k, f"advisor {k}"), "advisor")


COMPLEXITY = {1: "complexity 1 (straightforward)", 2: "complexity 2", 3: "complexity 3 (complex needs)"}


def continuity_equity(teams: list[Team], weeks=None, visits=None) -> Report:
    weeks = weeks or report_weeks(teams)
    counts = _weekly_share(visit_groups(teams, weeks) if visits is None else visits, weeks, lambda v: v.complexity, _support_named, lambda v: v.with_named)
    return _share_report("equity", "Equity: continuity for clients with complex needs against others", weeks, counts,
                         lambda k: COMPLEXITY.get(k, f"complexity {k}"), "clients",
                         note="Clients with complex needs should keep their advisor at least as often as others.")


def separation_by_team(teams: list[Team], weeks=None, visits=None) -> Report:
    weeks = weeks or report_weeks(teams)
    names = {t.id: t.name for t in teams}
    counts = _weekly_share(visit_groups(teams, weeks) if visits is None else visits, weeks, lambda v: v.team_id,
                           lambda v: v.kind == "policing" and v.named, lambda v: not v.with_named)
    return _share_report("separation", "Separation: policing appointments kept apart from the named advisor", weeks,
                         counts, lambda k: names[k], "team", unit="policing visits (compliance reviews)")


def _published(teams, weeks) -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(
        Plan.status == "published", Plan.team_id.in_([t.id for t in teams]),
        Plan.week_start >= weeks[0], Plan.week_start <= weeks[-1]).order_by(Plan.week_start)))


def protected_kept(teams: list[Team], weeks=None) -> Report:
    """Per team and week, from the published plan: protected time kept, as a share of the advisors' targets.
    The figure is the one stored on the plan when it was planned (Plan.figures["protected"], against the targets
    that plan was asked for), not recomputed: a target changed later does not change it, and a plan re-planned
    after its week started was asked only for the time still ahead (problem.protected_target's `cut`). The
    report's note says so."""
    weeks = weeks or report_weeks(teams)
    kept = {(p.team_id, p.week_start): (p.figures or {}).get("protected") for p in _published(teams, weeks)}
    series = [{"label": t.name, "data": [kept.get((t.id, w)) for w in weeks]} for t in teams]
    rows = [[w.isoformat(), t.name, kept[(t.id, w)]] for t in teams for w in weeks if (t.id, w) in kept]
    return Report("protected", "Protected time kept (share of the advisors' targets, published plans)", "line",
                  [w.isoformat() for w in weeks], series, ["week", "team", "protected_kept"], rows,
                  note=PROTECTED_NOTE)


PROTECTED_NOTE = ("Each week's figure is the one its published plan was planned with, against the targets asked of "
                  "that plan (cut pro rata for closures and absences); a target changed since does not change it. "
                  "A plan re-planned after its week started was asked only for the protected time still ahead, "
                  "so its figure is a share of that.")


# What each unassigned code (problem-format.md, "Unassigned reason codes") means, as a report's label.
CODE_LABELS = {
    "no_skill": "no advisor has the skill and role",
    "no_time": "no qualified advisor works inside its windows",
    "advisors_full": "qualified advisors are fully booked",
    "client_busy": "the client is busy whenever an advisor is free",
    "daily_limit": "qualified advisors are at their daily limit",
    "caseload_full": "no advisor can take on a new client",
    "pin_clash": "its pin clashes with another",
    "traded": "left out for work that counts for more",
}


def reason_kind(reason: str | None) -> str:
    """A reason without the appointment's own times ("... inside its windows (Tue 24 Nov 09:00–12:00)"),
    so the report counts kinds of reason rather than one bar per appointment. The fallback for plans
    stored before solutions carried a `code`, and for requests left out of the problem itself."""
    return re.sub(r" \([^()]*\d\d:\d\d[^()]*\)", "", reason or "not placed")


def _codes(plan: Plan) -> dict[int, str]:
    """Request id -> the solution's unassigned code, for the entries that carry one."""
    out = {}
    for left in (plan.solution or {}).get("unassigned", []):
        code, sid = left.get("code"), left.get("appointment")
        if code in CODE_LABELS and isinstance(sid, str) and sid[1:].isdigit():
            out[db_id(sid)] = code
    return out


def unplaced_kind(item: PlanItem, codes: dict[int, str]) -> tuple[str, str]:
    """(code, label) of an unplaced item: by the solution's code, else ("", reason_kind(reason))."""
    code = codes.get(item.request_id)
    if code is not None:
        return code, CODE_LABELS[code]
    return "", reason_kind(item.unassigned_reason)


def unassigned_by_reason(teams: list[Team], weeks=None) -> Report:
    """Per week and team, the published plans' unplaced appointments grouped by reason code."""
    weeks = weeks or report_weeks(teams)
    names = {t.id: t.name for t in teams}
    counts: Counter = Counter()
    for plan in _published(teams, weeks):
        codes = _codes(plan)
        for item in plan.items:
            if item.advisor_id is None:
                counts[(plan.week_start, plan.team_id, unplaced_kind(item, codes))] += 1
    kinds = sorted({k for _, _, k in counts}, key=lambda k: k[1])
    totals = {k: sum(n for (_, _, kk), n in counts.items() if kk == k) for k in kinds}
    series = [{"label": t.name, "data": [sum(n for (_, tid, kk), n in counts.items() if tid == t.id and kk == k)
                                         for k in kinds]} for t in teams]
    rows = [[w.isoformat(), names[tid], label, code, n] for (w, tid, (code, label)), n in sorted(counts.items())]
    return Report("unassigned", "Appointments left unplaced, by reason (published plans)", "bar",
                  [f"{label} ({totals[(code, label)]})" for code, label in kinds], series,
                  ["week", "team", "reason", "code", "appointments"], rows, percent=False)


def dna_by_team(teams: list[Team], weeks=None) -> Report:
    """Per team and week: of the appointments whose attendance was recorded (attended, did not attend,
    cancelled late), the share marked "did not attend"."""
    weeks = weeks or report_weeks(teams)
    names = {t.id: t.name for t in teams}
    counts: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for team_id, week, outcome in db.session.execute(
            select(AppointmentRequest.team_id, AppointmentRequest.week_start, AppointmentRequest.attendance).where(
                AppointmentRequest.team_id.in_(names), AppointmentRequest.attendance.is_not(None),
                AppointmentRequest.week_start >= weeks[0], AppointmentRequest.week_start <= weeks[-1])):
        cell = counts[team_id][week]
        cell[1] += 1
        cell[0] += int(outcome == "dna")
    series, rows, pooled = [], [], []
    for team_id in sorted(counts, key=lambda k: names[k]):
        cells = counts[team_id]
        series.append(_rate_series(names[team_id], cells, weeks))
        pooled.append(_pooled(names[team_id], cells, weeks))
        rows += [[w.isoformat(), names[team_id], cells[w][1], cells[w][0], _share(*cells[w])] for w in weeks if w in cells]
    return Report("dna", "Did not attend: share of recorded appointments missed, by team", "line",
                  [w.isoformat() for w in weeks], series, ["week", "team", "recorded", "dna", "rate"], rows,
                  note="Counts appointments whose attendance was recorded at the desk.", unit="recorded appointments",
                  pooled=pooled)


REPORTS = {
    "continuity-team": continuity_by_team,
    "continuity-advisor": continuity_by_advisor,
    "equity": continuity_equity,
    "separation": separation_by_team,
    "protected": protected_kept,
    "unassigned": unassigned_by_reason,
    "dna": dna_by_team,
}


VISIT_REPORTS = ("continuity-team", "equity", "separation")  # read the visits; the advisor report too, for one team


def page_reports(teams: list[Team], advisor_team: Team | None) -> dict[str, Report]:
    """Every report as the reports page shows it: over all `teams`, the per-advisor one for `advisor_team`. The
    weeks and the visits are read once and shared (each report used to read them again: 4 × 30k contacts at 50
    teams)."""
    weeks = report_weeks(teams)
    visits = visit_groups(teams, weeks)
    out = {}
    for name, build in REPORTS.items():
        if name in VISIT_REPORTS:
            out[name] = build(teams, weeks, visits=visits)
        elif name == "continuity-advisor":
            own = report_weeks([advisor_team]) if advisor_team else weeks
            mine = visit_groups([advisor_team], own, by_advisor=True) if advisor_team else []
            out[name] = build(teams, team=advisor_team, weeks=own, visits=mine)
        else:
            out[name] = build(teams, weeks)
    return out
