"""`python -m scheduler bench`: the project's solver beside the baselines on the same generated weeks.

Every plan is re-checked with the independent checker; each solver runs in its own process so peak
memory is its own. Writes the planner sections of BENCHMARKS.md (scheduler.bench_offers writes the
offer sections after them).
"""
from __future__ import annotations

import json
import multiprocessing as mp
import platform
import resource
import time
from datetime import datetime, timezone

from scheduler.check import check_solution
from scheduler.generate import generate
from scheduler.parse import parse_problem


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
    from collections import Counter

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


def _fmt(value, pct=False, digits=3):
    if value is None:
        return "–"
    if pct:
        return f"{100 * value:.2f} %"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def bench_week(profile: str, size: int, seed: int, time_limit: float, workers: int, log=print) -> dict:
    doc = generate(profile, size, seed)
    problem = parse_problem(doc)
    rows = {}
    for name in ("earliest", "named-first"):
        rows[name] = run_measured(name, doc, 600)
    log(f"  {profile} {size}: baselines done")
    rows["mip-highs"] = run_measured("mip", doc, time_limit + 120, time_limit=time_limit, workers=workers)
    log(f"  {profile} {size}: MIP peer done")
    began = time.perf_counter()
    from scheduler.solver import solve

    ours = solve(doc, time_limit=time_limit, workers=workers)
    ours["elapsed_seconds"] = round(time.perf_counter() - began, 2)
    rows["caseload (cp-sat + lns)"] = ours
    log(f"  {profile} {size}: solver done, score {ours['score']}")
    bounds = [r["bound"] for r in rows.values() if r and r.get("bound") is not None]
    best_bound = min(bounds) if bounds else None
    results = {}
    for name, sol in rows.items():
        if sol is None or sol.get("score") is None:
            results[name] = None
            continue
        check = check_solution(problem, sol)
        figures = dict(check.figures)
        if best_bound:
            figures["gap"] = (best_bound - check.score) / best_bound
        results[name] = {"valid": check.ok, "score": check.score, "figures": figures,
                         "seconds": sol.get("elapsed_seconds"), "memory": sol.get("peak_memory_mb")}
    replan = replan_after_absence(doc, ours, time_limit, workers)
    log(f"  {profile} {size}: re-plan done")
    return {"profile": profile, "advisors": size, "appointments": len(problem.appointments),
            "bound": best_bound, "results": results, "replan": replan}


def render(weeks: list[dict], time_limit: float, workers: int, seconds: float, commit: str = "unknown") -> str:
    lines = [
        "# Benchmarks",
        "",
        "Regenerated by `python -m scheduler bench` "
        f"(planner sections measured at commit {commit}; "
        f"time limit {time_limit:g} s, {workers} workers, {platform.machine()}, "
        f"{datetime.now(timezone.utc):%Y-%m-%d}; the whole run took {seconds / 60:.1f} min).",
        "",
        "Each week is generated by `python -m scheduler generate PROFILE --advisors N --seed 1` (load 0.8).",
        "All solvers see the same week in the same run. Every plan is re-checked by the independent checker",
        "(`valid`). `ratio` is the score divided by the named-first booking desk's. `gap` is",
        "(best proven bound − score) / bound, the bound being the tightest of the solvers' proven bounds",
        "(the aggregated LP relaxation, or CP-SAT/HiGHS on an unpruned model). Seconds are wall-clock",
        "including process start; memory is the solving process's peak RSS.",
        "",
        "| week | appts | solver | valid | score | ratio | fill | continuity | separation | protected | gap | seconds | peak MB |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for week in weeks:
        base = (week["results"].get("named-first") or {}).get("score")
        for name, r in week["results"].items():
            label = f"{week['profile']} {week['advisors']}"
            if r is None:
                lines.append(f"| {label} | {week['appointments']} | {name} | – | no plan | | | | | | | | |")
                continue
            f = r["figures"]
            ratio = f"{r['score'] / base:.4f}" if base else "–"
            lines.append(
                f"| {label} | {week['appointments']} | {name} | {'yes' if r['valid'] else '**NO**'} | {r['score']} | "
                f"{ratio} | {_fmt(f['fill'])} | {_fmt(f['continuity'])} | {_fmt(f['separation'])} | "
                f"{_fmt(f['protected'])} | {_fmt(f['gap'], pct=True)} | {_fmt(r['seconds'], digits=1)} | "
                f"{_fmt(r['memory'], digits=0)} |")
    lines += ["", "## Re-plan after an absence", "",
              "The solved week again, with its busiest advisor away for their busiest day, re-planned with the",
              "first plan as `previous`: the share of appointments *not* on the lost advisor-day that moved.", "",
              "| week | advisor away | day | unaffected | moved | moved share | valid |",
              "|---|---|---|---:|---:|---:|---|"]
    for week in weeks:
        r = week["replan"]
        if not r or "error" in r:
            lines.append(f"| {week['profile']} {week['advisors']} | {r.get('advisor', '–')} | {r.get('day', '–')} | "
                         f"– | – | {r.get('error', 'not run')} | – |")
            continue
        lines.append(f"| {week['profile']} {week['advisors']} | {r['advisor']} | {r['day']} | {r['unaffected']} | "
                     f"{r['moved']} | {_fmt(r['moved_share'], pct=True)} | {'yes' if r['valid'] else '**NO**'} |")
    return "\n".join(lines) + "\n"


def run_bench(time_limit: float = 60.0, workers: int = 2, sizes=(10, 30, 60, 120),
              profiles=("jobcentre", "advice", "clinic"), out: str = "BENCHMARKS.md", seed: int = 1) -> list[dict]:
    """The planner sections of `out` (and its JSON twin's "planner" entry); the offer sections
    (scheduler.bench_offers) already in the files are kept as they are."""
    from scheduler.bench_offers import MARKER, _commit

    began = time.perf_counter()
    commit = _commit()
    try:
        with open(out, encoding="utf-8") as fh:
            kept = fh.read().partition(MARKER)
        offer_text = kept[1] + kept[2]
    except FileNotFoundError:
        offer_text = ""
    weeks = []
    # Size by size across the profiles, so a run cut short still covers every profile.
    for size in sizes:
        for profile in profiles:
            print(f"bench: {profile} with {size} advisors", flush=True)
            weeks.append(bench_week(profile, size, seed, time_limit, workers,
                                    log=lambda m: print(m, flush=True)))
            with open(out, "w", encoding="utf-8") as fh:  # written after every week: a long run is never lost
                text = render(weeks, time_limit, workers, time.perf_counter() - began, commit)
                fh.write(text + ("\n" + offer_text if offer_text else ""))
    json_path = out.replace(".md", ".json") if out.endswith(".md") else out + ".json"
    try:
        with open(json_path, encoding="utf-8") as fh:
            stored = json.load(fh)
    except (FileNotFoundError, json.JSONDecodeError):
        stored = {}
    stored = {"offers": stored.get("offers")} if isinstance(stored, dict) and stored.get("offers") else {}
    with open(json_path, "w") as fh:
        json.dump({"planner_commit": commit, "planner": weeks, **stored}, fh, indent=1, default=str)
    return weeks
