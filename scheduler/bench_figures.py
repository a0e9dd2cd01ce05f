"""The bench's figures (issue 16): closed share, gap, continuity by client complexity, median and
worst per group, and the issue's targets. Pure arithmetic on benched weeks (scheduler.bench)."""
from __future__ import annotations

import math
import statistics
from collections import Counter

OUTSIDE = "uhhc"
# The targets (60 s, 2 workers). Gap: 0.5 % up to 30 advisors, 1 % above (the issue names 120;
# 60 advisors get the looser one).
TARGET_CLOSED_MEDIAN, TARGET_CLOSED_WORST, TARGET_MEMORY_MB = 0.90, 0.75, 1536


def target_gap(advisors: int) -> float:
    return 0.005 if advisors <= 30 else 0.01


def closed_share(planner: float, desk: float, bound: float | None) -> float | None:
    """(planner − best desk) / (bound − best desk): the share of the desk's distance to the proven
    bound that the planner closed. 1.0 when the desk is already at the bound and the planner matches
    it; −inf when the desk is at the bound and the planner is below it (it lost where nothing could be
    gained); None without a bound. Negative when the planner is below the desk."""
    if bound is None:
        return None
    if bound <= desk:
        return 1.0 if planner >= desk else -math.inf
    return (planner - desk) / (bound - desk)


def gap_of(score: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    return (bound - score) / abs(bound) if bound else 0.0


def continuity_by_complexity(problem, solution: dict) -> dict[int, float | None]:
    """Complexity (1, 2, 3) -> share of the assigned support appointments of clients with a named
    advisor (or an allocation in `solution`) that are with that advisor; None when there are none."""
    allocations = {row["client"]: row["advisor"] for row in solution.get("allocations") or []}
    placed = {row["appointment"]: row["advisor"] for row in solution.get("assignments") or []}
    kept, total = Counter(), Counter()
    for appt in problem.appointments:
        advisor = placed.get(appt.id)
        if advisor is None or appt.kind != "support":
            continue
        named = problem.home_of(appt.client, allocations)
        if named is None:
            continue
        level = problem.client_by_id[appt.client].complexity
        total[level] += 1
        kept[level] += advisor == named
    return {level: (kept[level] / total[level] if total[level] else None) for level in (1, 2, 3)}


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _worst(values, low_is_bad: bool = True):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return min(values) if low_is_bad else max(values)


def summarise(weeks: list[dict]) -> dict:
    """Median and worst of a group of benched weeks (their `planner` rows), and the targets' inputs."""
    rows = [w for w in weeks if w.get("planner")]
    closed = [w["closed"] for w in rows]
    gaps = [w["gap"] for w in rows]
    c1 = [w["planner"]["by_complexity"][1] for w in rows]
    c3 = [w["planner"]["by_complexity"][3] for w in rows]
    c3_ok = [a >= b - 1e-9 for a, b in zip(c3, c1) if a is not None and b is not None]
    return {
        "weeks": len(weeks), "planned": len(rows),
        "valid": sum(w["planner"]["valid"] for w in rows),
        "at_least_desk": sum(w["best_desk"] is not None and w["planner"]["score"] >= w["best_desk"] for w in rows),
        "closed_median": _median(closed), "closed_worst": _worst(closed),
        "gap_median": _median(gaps), "gap_worst": _worst(gaps, low_is_bad=False),
        "ratio_named_median": _median(w["ratio"]["named-first"] for w in rows),
        "ratio_named_worst": _worst(w["ratio"]["named-first"] for w in rows),
        "gap_ok": sum(w["gap"] is not None and w["gap"] <= target_gap(w["advisors"]) + 1e-12 for w in rows),
        "c3_at_least_c1": sum(c3_ok), "c3_weeks": len(c3_ok),
        "memory_max": _worst((w["planner"]["memory"] for w in rows), low_is_bad=False),
        "advisors_max": max((w["advisors"] for w in weeks), default=0),
    }


def targets(summary: dict) -> dict[str, tuple[bool | None, str]]:
    """The issue's targets for one group: name -> (met, the figure). None when not measurable."""
    n, planned = summary["weeks"], summary["planned"]

    def pct(x):
        return "–" if x is None else "−∞" if x == -math.inf else f"{100 * x:.1f} %"

    out = {
        "valid": (planned == n and summary["valid"] == n, f"{summary['valid']}/{n}"),
        "score ≥ best desk": (planned == n and summary["at_least_desk"] == n, f"{summary['at_least_desk']}/{n}"),
        "closed median ≥ 90 %": (None if summary["closed_median"] is None else
                                 summary["closed_median"] >= TARGET_CLOSED_MEDIAN, pct(summary["closed_median"])),
        "closed worst ≥ 75 %": (None if summary["closed_worst"] is None else
                                summary["closed_worst"] >= TARGET_CLOSED_WORST, pct(summary["closed_worst"])),
        "gap ≤ 0.5 % (≤ 30 advisors) / 1 %": (None if summary["gap_worst"] is None else summary["gap_ok"] == n,
                                              f"{summary['gap_ok']}/{n} weeks, worst {pct(summary['gap_worst'])}"),
        "continuity c3 ≥ c1": (None if not summary["c3_weeks"] else summary["c3_at_least_c1"] == summary["c3_weeks"],
                               f"{summary['c3_at_least_c1']}/{summary['c3_weeks']} weeks"),
        "peak memory < 1.5 GB": (None if summary["memory_max"] is None else summary["memory_max"] < TARGET_MEMORY_MB,
                                 "–" if summary["memory_max"] is None else f"{summary['memory_max']:.0f} MB"),
    }
    return out
