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
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone

from scheduler.bench_figures import (OUTSIDE, closed_share, continuity_by_complexity, gap_of,
                                     summarise)
from scheduler.bench_report import group_name, percent, previous_replan, render
from scheduler.check import check_solution
from scheduler.generate import generate
from scheduler.memory import peak_memory_mb
from scheduler.parse import parse_problem
from scheduler.uhhc import convert, read_instance, vendored

PLANNER = "planner"
DESKS = ("earliest", "named-first")


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
    doc["peak_memory_mb"] = peak_memory_mb()
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
    `time_limit` seconds, then on small weeks its day-schedule bound for up to
    scheduler.bound.schedule_seconds_for(problem) more, run after the planner so they never share the CPU.
    Then scheduler.bound_time's time-indexed LP (up to bound_time.BENCH_SECONDS, on weeks of at most
    bound_time.MAX_COLUMNS columns); the lower bound stands. {"bound": points or None, "seconds",
    "proved": "lp-dual", "advisor-days", "day-schedules", "time-indexed" or "trivial", "rounds",
    "schedule_rounds", "time_indexed" (its bound or None), "time_indexed_seconds"}; a failure is a None
    bound, not a lost bench."""
    from scheduler.bound import schedule_seconds_for, upper_bound
    from scheduler.bound_time import BENCH_SECONDS, upper_bound as time_indexed_bound

    began, stats = time.perf_counter(), {}
    try:
        extra = schedule_seconds_for(problem)
        value = upper_bound(problem, time_limit=time_limit + extra, stats=stats, schedule_seconds=extra)
    except Exception:  # noqa: BLE001 - the other proven bounds still stand
        value = None
    proved = stats.get("proved")
    try:  # the time-indexed LP where it is small enough (bound_time.MAX_COLUMNS): short windows that compete
        timed = time_indexed_bound(problem, time_limit=min(time_limit, BENCH_SECONDS), stats=stats)
    except Exception:  # noqa: BLE001
        timed = None
    if timed is not None and (value is None or timed < value):
        value, proved = timed, "time-indexed"
    return {"bound": value, "seconds": round(time.perf_counter() - began, 2), "proved": proved,
            "rounds": stats.get("rounds"), "schedule_rounds": stats.get("schedule_rounds"),
            "time_indexed": stats.get("time_bound"), "time_indexed_seconds": stats.get("time_solve_seconds")}


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
        f"{p['score'] if p else 'none'}, bound {bound}, closed {percent(week.get('closed'))}")
    return week


def run_bench(time_limit: float = 60.0, workers: int = 2, sizes=(10, 30, 60, 120), weeks: int = 20,
              outside: bool = True, out: str = "BENCHMARKS.md", mip_max_appointments: int = 400,
              replan: bool = False, command: str = "python -m scheduler bench", log=print) -> list[dict]:
    """Bench the fixed sample (sample()) and write the planner sections of `out` after every week, so a
    long run is never lost; the offer sections and the kept sections in the file stay as they are."""
    from scheduler.bench_offers import MARKER, _commit, read_stored

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
                "replan_note": None if replan else previous_replan(before),
                "load_start": ", ".join(f"{x:.1f}" for x in os.getloadavg())}
    json_path, stored = read_stored(out)
    offers = stored.get("offers")
    results = []
    for i, spec in enumerate(specs, 1):
        log(f"bench {i}/{len(specs)}: {spec}")
        results.append(bench_week(spec, time_limit, workers, mip_max_appointments, replan, log=log))
        # Both files are written after every week, and say how much of the sample is in them, so a run
        # stopped early (a long run on a shared machine) is still a true account of what was measured.
        settings.update(minutes=(time.perf_counter() - began) / 60, sample=sample_text(results, sizes, len(specs)),
                        load=", ".join(f"{x:.1f}" for x in os.getloadavg()))
        with open(out, "w", encoding="utf-8") as fh:
            text = render(results, settings)
            fh.write(text + ("\n" + offer_text if offer_text else ""))
        groups = defaultdict(list)
        for w in results:
            groups[group_name(w)].append(w)
        with open(json_path, "w", encoding="utf-8") as fh:
            json.dump(_plain({"planner_settings": settings,
                              "planner_summary": {g: summarise(ws) for g, ws in groups.items()},
                              "planner": results, **({"offers": offers} if offers else {})}), fh, indent=1)
    return results


def sample_text(results: list[dict], sizes, planned: int) -> str:
    """What of the fixed sample `results` cover, in words: varied weeks per size and the outside days,
    and "stopped after k of n weeks" when the run has not finished (yet)."""
    varied = Counter(w["advisors"] for w in results if w["family"] != OUTSIDE)
    counts = [varied[size] for size in sizes]
    if len(set(counts)) == 1:
        text = f"{counts[0]} varied week{'s' if counts[0] != 1 else ''} at each of {', '.join(map(str, sizes))} advisors"
    else:
        text = "varied weeks: " + ", ".join(f"{n} at {size} advisors" for size, n in zip(sizes, counts))
    outside = sum(w["family"] == OUTSIDE for w in results)
    if outside:
        text += f" and the {outside} outside days"
    if len(results) < planned:
        text += f" (**the run was stopped after {len(results)} of the {planned} planned weeks**)"
    return text


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
