"""`python -m scheduler bench`: the planner judged on weeks it has not seen (issue 16).

The sample is fixed: `generate varied --advisors N --seed k` for k = 1 … weeks at each size, plus the
outside family (the UHHC home-care days in benchdata/uhhc, scheduler.uhhc). For every week:

- both booking-desk plans (`earliest`, `named-first`, in process), the planner (`solve`, its own child
  process, so its peak memory is its own) and, on weeks of at most `mip_max_appointments`
  appointments, the MIP peer (HiGHS) — for the bound it proves cheaply there; on larger weeks it is
  left out because it costs a whole time limit and proves nothing in it;
- every plan re-checked by the independent checker (`valid`, and the score used below is the checker's);
- bound: the tightest (lowest) proven upper bound of the bound peer (scheduler.bound's LP, run after the
  planner with its own time), the planner and the MIP peer — the week's property, not the planner's;
- ratio to each desk plan, gap = (bound − planner) / bound, and
  closed = (planner − best desk) / (bound − best desk) (closed_share has the edge cases);
- continuity by client complexity (support appointments of clients with a named advisor, kept with that
  advisor), the planner's beside the named-first desk's.

Per size: median and worst of each figure, and the issue's targets met or not (targets()). Writes the
planner sections of BENCHMARKS.md and the "planner" entry of BENCHMARKS.json; the offer sections
(scheduler.bench_offers) and the sections after its KEEP_MARKER are kept as they are.
"""
from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import platform
import resource
import statistics
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone

from scheduler.check import check_solution
from scheduler.generate import generate
from scheduler.parse import parse_problem
from scheduler.uhhc import convert, read_instance, vendored

PLANNER = "planner"
DESKS = ("earliest", "named-first")
OUTSIDE = "uhhc"
# The targets (60 s, 2 workers). Gap: 0.5 % up to 30 advisors, 1 % above (the issue names 120;
# 60 advisors get the looser one).
TARGET_CLOSED_MEDIAN, TARGET_CLOSED_WORST, TARGET_MEMORY_MB = 0.90, 0.75, 1536


def target_gap(advisors: int) -> float:
    return 0.005 if advisors <= 30 else 0.01


def _run(name: str, problem_doc: dict, options: dict, out) -> None:
    began = time.perf_counter()
    if name == "mip":
        from scheduler.mip import solve_mip

        doc = solve_mip(problem_doc, **options)
    elif name == "cp-sat":
        from scheduler.solver import solve_in_process

        doc = solve_in_process(problem_doc, **options)
    else:
        from scheduler.baselines import BASELINES

        doc = BASELINES[name](problem_doc)
    doc["wall_seconds"] = round(time.perf_counter() - began, 2)
    doc["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out.put(doc)


def run_measured(name: str, problem_doc: dict, timeout: float, **options) -> dict | None:
    """Run one solver in a fresh process; None if it crashed or ran 30 s past `timeout`."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_run, args=(name, problem_doc, options, out), daemon=True)
    began = time.perf_counter()
    proc.start()
    try:
        doc = out.get(timeout=timeout + 30)
    except Exception:  # noqa: BLE001 - a crash or overrun is reported as a missing row
        doc = None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=5)
    if doc is not None:
        doc["elapsed_seconds"] = round(time.perf_counter() - began, 2)
    return doc


def replan_after_absence(problem_doc: dict, solution: dict, time_limit: float, workers: int) -> dict:
    """Take the busiest advisor's busiest day away, re-plan with `previous`, count moved unaffected appointments."""
    placed = solution["assignments"]
    busiest = Counter((a["advisor"], a["start"][:10]) for a in placed).most_common(1)
    if not busiest:
        return {}
    (advisor_id, day), _count = busiest[0]
    doc = json.loads(json.dumps(problem_doc))
    for advisor in doc["advisors"]:
        if advisor["id"] == advisor_id:
            advisor["availability"] = [iv for iv in advisor["availability"] if iv["start"][:10] != day]
    for appt in doc["appointments"]:  # a pin on the lost day cannot hold any more
        pin = appt.get("pinned")
        if pin and pin["advisor"] == advisor_id and pin["start"][:10] == day:
            del appt["pinned"]
    doc["previous"] = [dict(a) for a in placed]
    after = run_measured("cp-sat", doc, time_limit, time_limit=time_limit, workers=workers)
    if after is None:
        return {"advisor": advisor_id, "day": day, "error": "re-plan failed"}
    now = {a["appointment"]: (a["advisor"], a["start"]) for a in after["assignments"]}
    unaffected = [a for a in placed if not (a["advisor"] == advisor_id and a["start"][:10] == day)]
    moved = sum(1 for a in unaffected if now.get(a["appointment"]) != (a["advisor"], a["start"]))
    valid = check_solution(doc, after).ok
    return {"advisor": advisor_id, "day": day, "unaffected": len(unaffected), "moved": moved,
            "moved_share": moved / len(unaffected) if unaffected else 0.0, "valid": valid}


# --- the arithmetic (tests/scheduler/test_bench.py) -------------------------------------------------

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


# --- running ------------------------------------------------------------------------------------

def sample(sizes, weeks: int, outside: bool = True) -> list[dict]:
    """The fixed sample as specs: the outside family first, then seed by seed across the sizes, so a
    run cut short still covers every group."""
    specs = []
    if outside:
        specs += [{"family": OUTSIDE, "file": str(path)} for path in vendored()]
    specs += [{"family": "varied", "advisors": size, "seed": seed} for seed in range(1, weeks + 1) for size in sizes]
    return specs


def week_document(spec: dict) -> dict:
    if spec["family"] == OUTSIDE:
        return convert(read_instance(spec["file"]))
    return generate("varied", spec["advisors"], spec["seed"])


def _label(spec: dict, doc: dict) -> str:
    if spec["family"] == OUTSIDE:
        return f"uhhc {os.path.basename(spec['file']).split('.')[0]}"
    return f"varied {spec['advisors']} s{spec['seed']}"


def _plan_row(problem, sol: dict | None, seconds=None) -> dict | None:
    if sol is None or sol.get("score") is None:
        return None
    check = check_solution(problem, sol)
    return {"valid": check.ok, "score": check.score, "figures": dict(check.figures),
            "by_complexity": continuity_by_complexity(problem, sol),
            "seconds": seconds if seconds is not None else sol.get("elapsed_seconds"),
            "memory": sol.get("peak_memory_mb"), "claimed_bound": sol.get("bound"),
            "violations": check.violations[:3]}


BOUND_PEER = "lp"


def bound_peer(problem, time_limit: float) -> dict:
    """The week's own proven bound, apart from any planner: scheduler.bound's aggregated LP with up to
    `time_limit` seconds, run after the planner so they never share the CPU. {"bound": points or None,
    "seconds", "proved": "lp-dual" or "trivial", "rounds"}; a failure is a None bound, not a lost bench."""
    from scheduler.bound import upper_bound

    began, stats = time.perf_counter(), {}
    try:
        value = upper_bound(problem, time_limit=time_limit, stats=stats)
    except Exception:  # noqa: BLE001 - the other proven bounds still stand
        value = None
    return {"bound": value, "seconds": round(time.perf_counter() - began, 2), "proved": stats.get("proved"),
            "rounds": stats.get("rounds")}


def _bound_from(proven: dict, bound) -> str:
    """Who proved the week's bound: the names whose bound is the lowest (`lp`: the bound peer)."""
    return "–" if bound is None else " = ".join(sorted(n for n, v in proven.items() if v == bound))


def bench_week(spec: dict, time_limit: float, workers: int, mip_max_appointments: int, replan: bool = False,
               log=print) -> dict:
    """One week of the sample: desks, MIP peer (small weeks), planner; the figures of the module docstring."""
    from scheduler.baselines import BASELINES
    from scheduler.solver import solve

    doc = week_document(spec)
    problem = parse_problem(doc)
    label = _label(spec, doc)
    rows: dict[str, dict | None] = {}
    for name in DESKS:
        began = time.perf_counter()
        rows[name] = _plan_row(problem, BASELINES[name](problem), round(time.perf_counter() - began, 2))
    if len(problem.appointments) <= mip_max_appointments:
        rows["mip-highs"] = _plan_row(problem, run_measured("mip", doc, time_limit + 120, time_limit=time_limit,
                                                            workers=workers))
    began = time.perf_counter()
    try:
        ours = solve(doc, time_limit=time_limit, workers=workers)
    except Exception as err:  # noqa: BLE001 - a failed run is a row that says so, not a lost bench
        log(f"  {label}: planner failed: {err}")
        ours = None
    rows[PLANNER] = _plan_row(problem, ours, round(time.perf_counter() - began, 2))
    proven = {n: r["claimed_bound"] for n, r in rows.items() if r and r["valid"] and r.get("claimed_bound") is not None
              and n not in DESKS}
    lp = bound_peer(problem, time_limit)
    if lp["bound"] is not None:
        proven[BOUND_PEER] = lp["bound"]
    bound = min(proven.values()) if proven else None
    desks = {n: rows[n]["score"] for n in DESKS if rows[n] and rows[n]["valid"]}
    best_desk = max(desks.values()) if desks else None
    week = {"label": label, "family": spec["family"], "advisors": len(problem.advisors),
            "appointments": len(problem.appointments), "spec": spec, "generator": doc.get("generator"),
            "bound": bound, "bounds": proven, "bound_from": _bound_from(proven, bound), "bound_peer": lp,
            "best_desk": best_desk, "rows": rows, "planner": rows[PLANNER]}
    p = rows[PLANNER]
    if p is not None:
        week["gap"] = gap_of(p["score"], bound)
        week["closed"] = closed_share(p["score"], best_desk, bound) if best_desk is not None else None
        week["ratio"] = {n: (p["score"] / s if s else None) for n, s in desks.items()}
        # A proven bound below a valid plan's score is a bug in whoever proved it: say so.
        week["bound_broken"] = bound is not None and any(
            r and r["valid"] and r["score"] > bound for r in rows.values())
    if replan and ours is not None:
        week["replan"] = replan_after_absence(doc, ours, time_limit, workers)
    log(f"  {label}: {len(problem.appointments)} appts, desk {best_desk}, planner "
        f"{p['score'] if p else 'none'}, bound {bound}, closed {_pct(week.get('closed'))}")
    return week


# --- writing ------------------------------------------------------------------------------------

def _pct(x, digits=1):
    if x is None:
        return "–"
    if x == -math.inf:
        return "−∞"
    return f"{100 * x:.{digits}f} %"


def _num(x, digits=3):
    return "–" if x is None else f"{x:.{digits}f}"


def _cont(by: dict) -> str:
    return " / ".join("–" if by.get(k) is None else f"{by[k]:.2f}" for k in (1, 2, 3))


def _group(week: dict) -> str:
    return "outside (UHHC)" if week["family"] == OUTSIDE else f"{week['advisors']} advisors"


def render(weeks: list[dict], settings: dict) -> str:
    groups: dict[str, list[dict]] = defaultdict(list)
    for w in weeks:
        groups[_group(w)].append(w)
    names = sorted(groups, key=lambda g: (g.startswith("outside"), int(g.split()[0]) if g[0].isdigit() else 0))
    summaries = {g: summarise(ws) for g, ws in groups.items()}
    lines = [
        "# Benchmarks",
        "",
        f"Planner sections regenerated by `{settings['command']}` at commit {settings['commit']} on "
        f"{settings['date']} ({settings['machine']}): **time limit {settings['time_limit']:g} s per week** "
        f"(the issue's targets are for 60 s), {settings['workers']} workers, "
        f"{settings['sample']}. The run took {settings['minutes']:.1f} min; load average (1, 5, 15 min) "
        f"{settings['load_start']} at the start and {settings['load']} at the end, on a 2-core machine shared "
        "with other work.",
        "",
        "**Sample** (fixed): `python -m scheduler generate varied --advisors N --seed k` for k = 1 … weeks at each "
        "size — each seed draws its own load (0.6–1.3), shifts, windows (1–4, an hour to the week), lengths "
        "(10–90 min), new clients, policing, protected targets, skill mix and caseload room "
        "(`generator.parameters` in BENCHMARKS.json) — and the outside family: eight UHHC home-care days "
        "(Ceschia et al. 2026, CC BY 4.0, `benchdata/uhhc/`, converted by `scheduler/uhhc.py`: first "
        "preferred caregiver = named advisor, travel ignored).",
        "",
        "**Figures.** Every plan is re-checked by the independent checker and scored by it. `bound`: the "
        "tightest (lowest) proven upper bound on the week's score, a property of the week, not of the planner: the "
        "minimum of the bound peer's (`lp`: scheduler/bound.py's aggregated LP relaxation, solved by HiGHS with "
        "column generation after the planner has finished, with the same time limit, and proven by weak duality "
        "from its dual prices — valid even when stopped early), the planner's own reported bound (`planner`), and "
        "HiGHS's MIP bound on weeks of ≤ "
        f"{settings['mip_max_appointments']} appointments (`mip-highs`; on bigger weeks the MIP peer is left out: "
        "it costs a whole time limit per week, and in the earlier 60 s runs it found no plan, or one far below the "
        "desk's, on most weeks above 1,000 appointments). `from` names whose bound it is. "
        "`gap` = (bound − planner) / bound. "
        "**closed** = (planner − best desk) / (bound − best desk): the share of the better desk plan's distance "
        "to the bound that the planner closed (negative: below the desk). `÷ earliest`, `÷ named-first`: the "
        "planner's score over each desk plan's. Continuity c1 / c2 / c3: share of support appointments of "
        "clients with a named advisor kept with that advisor, by client complexity, for the planner and the "
        "named-first desk. Memory: the planner's solving process, peak RSS.",
        "",
        "## Targets (issue 16)",
        "",
        "| target | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    target_rows: dict[str, list[str]] = {}
    for g in names:
        for name, (met, figure) in targets(summaries[g]).items():
            mark = "–" if met is None else "**met**" if met else "not met"
            target_rows.setdefault(name, []).append(f"{mark}: {figure}")
    for key, cells in target_rows.items():
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    everywhere = [k for k, cells in target_rows.items() if all(c.startswith("**met**") for c in cells)]
    missed = {k: [g for g, c in zip(names, cells) if c.startswith("not met")] for k, cells in target_rows.items()}
    lines += ["", "In words: " + (f"met in every group: {', '.join(everywhere)}. " if everywhere else
                                  "no target is met in every group. ")
              + "; ".join(f"{k}: not met for {', '.join(gs)}" for k, gs in missed.items() if gs) + "."]
    lines += ["", "## Per size: median and worst", "",
              "| group | weeks | valid | ≥ best desk | closed median | closed worst | gap median | gap worst | "
              "÷ named-first median | ÷ named-first worst | c3 ≥ c1 | peak MB (max) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for g in names:
        s = summaries[g]
        lines.append(f"| {g} | {s['weeks']} | {s['valid']} | {s['at_least_desk']} | {_pct(s['closed_median'])} | "
                     f"{_pct(s['closed_worst'])} | {_pct(s['gap_median'], 2)} | {_pct(s['gap_worst'], 2)} | "
                     f"{_num(s['ratio_named_median'], 4)} | {_num(s['ratio_named_worst'], 4)} | "
                     f"{s['c3_at_least_c1']}/{s['c3_weeks']} | {_num(s['memory_max'], 0)} |")
    weeks = sorted(weeks, key=lambda w: (w["family"] == OUTSIDE, w["advisors"] if w["family"] != OUTSIDE else 0,
                                         w["spec"].get("seed", 0), w["advisors"]))
    lines += ["", "## Every week", "",
              "| week | advisors | appts | valid | planner | ÷ earliest | ÷ named-first | bound | from | gap | closed | "
              "fill | continuity c1 / c2 / c3 | desk c1 / c2 / c3 | protected | s | peak MB |",
              "|---|---:|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|---:|---:|---:|"]
    for w in weeks:
        p, desk = w["planner"], w["rows"].get("named-first")
        if p is None:
            lines.append(f"| {w['label']} | {w['advisors']} | {w['appointments']} | **no plan** | | | | "
                         f"{w['bound'] or '–'} | {w.get('bound_from', '–')} | | | | | | | | |")
            continue
        valid = "yes" if p["valid"] else f"**NO** ({'; '.join(p['violations'])})"
        flag = " (**bound below a valid score**)" if w.get("bound_broken") else ""
        lines.append(
            f"| {w['label']} | {w['advisors']} | {w['appointments']} | {valid} | {p['score']} | "
            f"{_num(w['ratio'].get('earliest'), 4)} | {_num(w['ratio'].get('named-first'), 4)} | "
            f"{w['bound'] if w['bound'] is not None else '–'}{flag} | {w.get('bound_from', '–')} | "
            f"{_pct(w['gap'], 2)} | {_pct(w['closed'])} | "
            f"{_num(p['figures'].get('fill'))} | {_cont(p['by_complexity'])} | "
            f"{_cont(desk['by_complexity']) if desk else '–'} | {_num(p['figures'].get('protected'), 2)} | "
            f"{_num(p['seconds'], 1)} | {_num(p['memory'], 0)} |")
    mip = [w for w in weeks if w["rows"].get("mip-highs")]
    if mip:
        lines += ["", "MIP peer (HiGHS on the same model) where it ran: score and the bound it proved.", "",
                  "| week | valid | score | its bound | planner |", "|---|---|---:|---:|---:|"]
        for w in mip:
            r = w["rows"]["mip-highs"]
            lines.append(f"| {w['label']} | {'yes' if r['valid'] else '**NO**'} | {r['score']} | "
                         f"{r['claimed_bound'] if r['claimed_bound'] is not None else '–'} | "
                         f"{w['planner']['score'] if w['planner'] else '–'} |")
    replans = [w for w in weeks if w.get("replan")]
    lines += ["", "## Re-plan after an absence", ""]
    if replans:
        lines += ["The solved week again, with its busiest advisor away for their busiest day, re-planned with the",
                  "first plan as `previous`: the share of appointments *not* on the lost advisor-day that moved.", "",
                  "| week | advisor away | day | unaffected | moved | moved share | valid |",
                  "|---|---|---|---:|---:|---:|---|"]
        for w in replans:
            r = w["replan"]
            if "error" in r:
                lines.append(f"| {w['label']} | {r.get('advisor', '–')} | {r.get('day', '–')} | – | – | {r['error']} | – |")
                continue
            lines.append(f"| {w['label']} | {r['advisor']} | {r['day']} | {r['unaffected']} | {r['moved']} | "
                         f"{_pct(r['moved_share'], 2)} | {'yes' if r['valid'] else '**NO**'} |")
    else:
        lines += [settings.get("replan_note") or "Not measured in this run (`bench --replan` measures it)."]
    return "\n".join(lines) + "\n"


def _previous_replan(text: str) -> str | None:
    """The re-plan section of an earlier run, to carry forward (labelled) when this run does not measure it."""
    head = "## Re-plan after an absence"
    if head not in text:
        return None
    body = text.split(head, 1)[1]
    for stop in ("<!--", "\n## "):
        body = body.split(stop, 1)[0]
    body = body.strip()
    if not body or body.startswith("Not measured") or body.startswith("_Not re-measured"):
        return None
    return ("_Not re-measured in this run (`bench --replan` measures it on the sample above); the table below "
            "is carried over from the earlier run on the fixed profiles (jobcentre/advice/clinic, seed 1, 60 s, "
            "commit f724713)._\n\n" + body)


def run_bench(time_limit: float = 60.0, workers: int = 2, sizes=(10, 30, 60, 120), weeks: int = 20,
              outside: bool = True, out: str = "BENCHMARKS.md", mip_max_appointments: int = 400,
              replan: bool = False, command: str = "python -m scheduler bench", log=print) -> list[dict]:
    """Bench the fixed sample (sample()) and write the planner sections of `out` after every week, so a
    long run is never lost; the offer sections and the kept sections in the file stay as they are."""
    from scheduler.bench_offers import MARKER, _commit

    began = time.perf_counter()
    try:
        with open(out, encoding="utf-8") as fh:
            existing = fh.read()
    except FileNotFoundError:
        existing = ""
    before, marker, after = existing.partition(MARKER)
    offer_text = marker + after
    specs = sample(sizes, weeks, outside)
    settings = {"command": command, "commit": _commit(), "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
                "machine": platform.machine(), "time_limit": time_limit, "workers": workers,
                "mip_max_appointments": mip_max_appointments,
                "sample": f"{weeks} varied week{'s' if weeks != 1 else ''} at each of {', '.join(map(str, sizes))} "
                          f"advisors" + (f" and the {len(specs) - weeks * len(sizes)} outside days" if outside else ""),
                "replan_note": None if replan else _previous_replan(before),
                "load_start": ", ".join(f"{x:.1f}" for x in os.getloadavg())}
    results = []
    for i, spec in enumerate(specs, 1):
        log(f"bench {i}/{len(specs)}: {spec}")
        results.append(bench_week(spec, time_limit, workers, mip_max_appointments, replan, log=log))
        settings.update(minutes=(time.perf_counter() - began) / 60,
                        load=", ".join(f"{x:.1f}" for x in os.getloadavg()))
        with open(out, "w", encoding="utf-8") as fh:
            text = render(results, settings)
            fh.write(text + ("\n" + offer_text if offer_text else ""))
    json_path = out[:-3] + ".json" if out.endswith(".md") else out + ".json"
    try:
        with open(json_path, encoding="utf-8") as fh:
            stored = json.load(fh)
    except (FileNotFoundError, json.JSONDecodeError):
        stored = {}
    offers = stored.get("offers") if isinstance(stored, dict) else None
    groups = defaultdict(list)
    for w in results:
        groups[_group(w)].append(w)
    with open(json_path, "w", encoding="utf-8") as fh:
        json.dump(_plain({"planner_settings": settings,
                          "planner_summary": {g: summarise(ws) for g, ws in groups.items()},
                          "planner": results, **({"offers": offers} if offers else {})}), fh, indent=1)
    return results


def _plain(value):
    """JSON has no infinity: −∞ (closed, desk at the bound and the planner below it) is written as the
    string "-inf"."""
    if isinstance(value, float) and math.isinf(value):
        return "-inf" if value < 0 else "inf"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
