"""The offer sections of BENCHMARKS.md: offer latency, and a week booked one call at a time.

`python -m scheduler bench --only offers` regenerates just these sections and keeps the planner
sections of BENCHMARKS.md and BENCHMARKS.json as they are; `python -m scheduler bench` runs both.
For each bench week (generate PROFILE --advisors N --seed 1):

1. Hold back 30 % of its unpinned requests, plan the rest (`solve`, `time_limit` seconds), let the
   held-back requests arrive one by one in random order and book each (a) at its top offer, (b) as
   a desk does (first free slot with the named advisor, else anyone; protected blocks a booking
   lands on are cut around it), and (c) re-plan the whole week at the end (`solve` from scratch).
2. Offer latency, in process, on (c)'s plan: a Desk built once (warm) answering random requests
   without moves, with max_moves 3, and 6-instance fortnightly series on the week repeated over 11
   weeks; and cold calls that parse the whole request document each time.
"""
from __future__ import annotations

import json
import random
import statistics
import time
from collections import defaultdict

from scheduler import baselines
from scheduler.booking import Desk, check_offers, offers
from scheduler.check import check_solution
from scheduler.document import solution_document
from scheduler.generate import generate
from scheduler.model import Placement
from scheduler.parse import parse_problem
from scheduler.solver import solve

HOLD_BACK = 0.3
SERIES = {"every_days": 14, "count": 6}
MARKER = "<!-- offer sections: regenerate with `python -m scheduler bench --only offers` -->"
# Sections measured by other tools (the app's `flask region bench`) follow this marker; both benches keep them.
KEEP_MARKER = "<!-- sections below are measured by other commands and kept as they are by `python -m scheduler bench` -->"


def _request(rng: random.Random, week: dict, ident: str) -> dict:
    """A random new appointment shaped like one of the week's: its client, kind, skill and length,
    a window of one to three working days."""
    template = rng.choice(week["appointments"])
    first = rng.randrange(5)
    last = min(4, first + rng.randrange(3))
    day = week["horizon"]["start"][:8]
    start_day = int(week["horizon"]["start"][8:10])
    return {"id": ident, "client": template["client"], "kind": template["kind"], "skill": template["skill"],
            "duration_minutes": template["duration_minutes"],
            "windows": [{"start": f"{day}{start_day + first:02d}T09:00", "end": f"{day}{start_day + last:02d}T17:00"}]}


def _stats(seconds: list[float]) -> dict:
    if not seconds:
        return {"n": 0}
    ordered = sorted(seconds)
    return {"n": len(ordered), "p50_ms": 1000 * statistics.median(ordered),
            "p95_ms": 1000 * ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))],
            "max_ms": 1000 * ordered[-1]}


def _shift(text: str, days: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.strptime(text, "%Y-%m-%dT%H:%M") + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def repeat_weeks(week: dict, plan: dict, weeks: int) -> tuple[dict, dict]:
    """The week and its plan repeated `weeks` times, 7 days apart (a long horizon for series)."""
    doc = json.loads(json.dumps(week))
    doc["horizon"]["days"] = 7 * (weeks - 1) + week["horizon"]["days"]
    for advisor in doc["advisors"]:
        advisor["availability"] = [{"start": _shift(a["start"], 7 * k), "end": _shift(a["end"], 7 * k)}
                                   for k in range(weeks) for a in advisor["availability"]]
        advisor["protected_minutes"] *= weeks
    appointments = []
    for k in range(weeks):
        for appt in week["appointments"]:
            copy = {**appt, "id": f"{appt['id']}w{k}",
                    "windows": [{"start": _shift(w["start"], 7 * k), "end": _shift(w["end"], 7 * k)}
                                for w in appt["windows"]]}
            if appt.get("pinned"):
                copy["pinned"] = {**appt["pinned"], "start": _shift(appt["pinned"]["start"], 7 * k)}
            appointments.append(copy)
    doc["appointments"] = appointments
    long_plan = {**plan, "score": None, "bound": None,
                 "assignments": [{**a, "appointment": f"{a['appointment']}w{k}", "start": _shift(a["start"], 7 * k)}
                                 for k in range(weeks) for a in plan["assignments"]],
                 "unassigned": [{**u, "appointment": f"{u['appointment']}w{k}"}
                                for k in range(weeks) for u in plan["unassigned"]],
                 "protected": [{**b, "start": _shift(b["start"], 7 * k), "end": _shift(b["end"], 7 * k)}
                               for k in range(weeks) for b in plan["protected"]]}
    return doc, long_plan


def latency(week: dict, plan: dict, rng: random.Random, requests: int, moves_requests: int, cold_requests: int,
            log=print) -> dict:
    """Warm and cold offer latency on a planned week (see the module doc)."""
    out = {}
    began = time.perf_counter()
    desk = Desk(week, plan)
    out["build_s"] = time.perf_counter() - began
    batch = [_request(rng, week, f"bench{i}") for i in range(requests)]
    for name, max_moves, items in (("plain", 0, batch), ("moves", 3, batch[:moves_requests])):
        seconds, found, with_moves, answers = [], 0, 0, []
        for req in items:
            t = time.perf_counter()
            answer = desk.offers(req, 5, max_moves)
            seconds.append(time.perf_counter() - t)
            found += bool(answer["offers"])
            with_moves += bool(answer["offers"] and answer["offers"][0]["moves"])
            answers.append((req, answer))
        checked = [check_offers({"format": "caseload-offer-request/1", "problem": week, "plan": plan, "request": r,
                                 "count": 5, "max_moves": max_moves}, a) == [] for r, a in answers[:3]]
        out[name] = {**_stats(seconds), "placed": found, "top_with_moves": with_moves, "checked_valid": all(checked),
                     "checked": len(checked)}
        log(f"    latency {name}: {out[name]}")
    cold = []
    for req in batch[:cold_requests]:
        doc = {"format": "caseload-offer-request/1", "problem": week, "plan": plan, "request": req, "count": 5}
        t = time.perf_counter()
        offers(doc)
        cold.append(time.perf_counter() - t)
    out["cold"] = _stats(cold)
    long_week, long_plan = repeat_weeks(week, plan, 11)
    began = time.perf_counter()
    long_desk = Desk(long_week, long_plan)
    out["series_build_s"] = time.perf_counter() - began
    seconds, found = [], 0
    for i in range(requests):
        req = {**_request(rng, week, f"series{i}"), "repeat": SERIES}
        t = time.perf_counter()
        answer = long_desk.offers(req, 5, 0)
        seconds.append(time.perf_counter() - t)
        found += bool(answer["offers"])
    out["series"] = {**_stats(seconds), "placed": found, "horizon_days": long_week["horizon"]["days"],
                     "appointments": len(long_week["appointments"])}
    t = time.perf_counter()
    offers({"format": "caseload-offer-request/1", "problem": long_week, "plan": long_plan,
            "request": {**_request(rng, week, "seriescold"), "repeat": SERIES}})
    out["series_cold_s"] = time.perf_counter() - t
    log(f"    latency series: {out['series']}, build {out['series_build_s']:.1f} s, cold {out['series_cold_s']:.1f} s")
    return out


def _continuity_by_complexity(problem, assignments, allocations) -> dict[int, float | None]:
    kept, total = defaultdict(int), defaultdict(int)
    for appt in problem.appointments:
        placed = assignments.get(appt.id)
        named = problem.home_of(appt.client, allocations)
        if placed is None or appt.kind != "support" or named is None:
            continue
        complexity = problem.client_by_id[appt.client].complexity
        total[complexity] += 1
        kept[complexity] += placed.advisor == named
    return {c: (kept[c] / total[c] if total[c] else None) for c in (1, 2, 3)}


def _row(problem, solution: dict, seconds: float) -> dict:
    result = check_solution(problem, solution)
    assignments = {r["appointment"]: Placement(r["advisor"], problem.horizon.to_slot(r["start"]))
                   for r in solution["assignments"]}
    allocations = {r["client"]: r["advisor"] for r in solution.get("allocations", [])}
    return {"valid": result.ok, "score": result.score, "fill": result.figures["fill"],
            "continuity": result.figures["continuity"], "protected": result.figures["protected"],
            "by_complexity": _continuity_by_complexity(problem, assignments, allocations), "seconds": seconds}


def _desk_rule(problem, plan: dict, arrivals: list) -> dict:
    """The held-back requests booked as a desk does, into the plan: first free slot with the named
    advisor, else anyone (baselines.choose_named_first); a protected block a booking lands on is cut
    around it and kept where a block's length is left."""
    h = problem.horizon
    assignments = {r["appointment"]: Placement(r["advisor"], h.to_slot(r["start"])) for r in plan["assignments"]}
    allocations = {r["client"]: r["advisor"] for r in plan.get("allocations", [])}
    diary = baselines.Diary.holding(problem, assignments)
    booked = defaultdict(list)
    for appt_id in arrivals:
        appt = problem.appointment_by_id[appt_id]
        named = problem.home_of(appt.client, allocations)
        placed = baselines.choose_named_first(problem, diary, appt, named)
        if placed is not None:
            diary.place(appt, placed.advisor, placed.start)
            assignments[appt_id] = placed
            booked[placed.advisor].append((placed.start, placed.start + appt.duration))
    protected = []
    for block in plan["protected"]:
        v, s, e = block["advisor"], h.to_slot(block["start"]), h.to_slot(block["end"])
        pieces = [(s, e)]
        for bs, be in booked[v]:
            pieces = [p for a, b in pieces for p in ((a, min(b, bs)), (max(a, be), b)) if p[1] > p[0]]
        protected += [(v, a, b) for a, b in pieces if b - a >= h.protected_block_slots]
    return solution_document(problem, assignments, allocations, protected, status="feasible", solver="desk")


def one_call_at_a_time(week: dict, rng: random.Random, time_limit: float, workers: int, log=print):
    """(rows for offers / desk rule / re-plan, the re-planned solution). See the module doc."""
    problem = parse_problem(week)
    movable = [a["id"] for a in week["appointments"] if not a.get("pinned")]
    held = set(rng.sample(movable, int(HOLD_BACK * len(movable))))
    base = {**week, "appointments": [a for a in week["appointments"] if a["id"] not in held]}
    began = time.perf_counter()
    plan = solve(base, time_limit=time_limit, workers=workers)
    plan_seconds = time.perf_counter() - began
    arrivals = sorted(held)
    rng.shuffle(arrivals)
    by_id = {a["id"]: a for a in week["appointments"]}
    rows = {}
    began = time.perf_counter()
    desk = Desk(base, plan)
    for appt_id in arrivals:
        req = {k: v for k, v in by_id[appt_id].items() if k != "pinned"}
        answer = desk.offers(req, 1, 0)
        if answer["offers"]:
            desk.book(req, answer["offers"][0])
    booked = desk.plan_document()
    booked_rows = {r["appointment"] for r in booked["assignments"]}
    solution = solution_document(problem, {r["appointment"]: Placement(r["advisor"], problem.horizon.to_slot(r["start"]))
                                           for r in booked["assignments"]},
                                 {r["client"]: r["advisor"] for r in booked["allocations"]},
                                 [(b["advisor"], problem.horizon.to_slot(b["start"]), problem.horizon.to_slot(b["end"]))
                                  for b in booked["protected"]], status="feasible", solver="offers")
    rows["top offer, one call at a time"] = _row(problem, solution, time.perf_counter() - began)
    log(f"    one at a time: offers booked {len(booked_rows & held)}/{len(held)}")
    began = time.perf_counter()
    desk_solution = _desk_rule(problem, plan, arrivals)
    rows["desk rule, one call at a time"] = _row(problem, desk_solution, time.perf_counter() - began)
    began = time.perf_counter()
    replanned = solve(week, time_limit=time_limit, workers=workers)
    rows["re-plan the whole week at the end"] = _row(problem, replanned, time.perf_counter() - began)
    log("    one at a time: " + ", ".join(f"{k}: {v['score']}" for k, v in rows.items()))
    return {"held_back": len(held), "appointments": len(week["appointments"]), "plan_seconds": plan_seconds,
            "rows": rows}, replanned


def _ms(stats: dict, key: str) -> str:
    return f"{stats[key]:.1f}" if stats.get("n") else "–"


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def render(weeks: list[dict], settings: dict) -> str:
    """The two offer sections (Markdown), starting with MARKER."""
    lines = [MARKER, "", "## Offer latency", "",
             f"Measured at commit {settings['commit']} on {settings['date']} ({settings['machine']}; the whole offer run "
             f"took {settings['minutes']:.1f} min on a machine shared with other work, load average "
             f"{settings['load']}). Each week is the bench week re-planned in full (`solve`, "
             f"{settings['time_limit']:g} s, {settings['workers']} workers; the plan of the last section). A `Desk` is "
             "built once from the week and its plan (build: parse + independent check of the plan), then answers "
             f"{settings['requests']} random requests in process (a client, kind, skill and length taken from one of "
             "the week's appointments, a window of 1-3 working days, count 5): `plain` with max_moves 0, `moves` with "
             f"max_moves 3 (the first {settings['moves_requests']} of those requests, each one's CP-SAT parts capped "
             "at 1.2 s), `series` a 6-instance fortnightly series on the week repeated over 11 weeks (75 days). "
             f"`cold` is `scheduler.offers(document)` parsing and checking everything each time (the first "
             f"{settings['cold_requests']} requests; series cold: one request on the 75-day horizon). Targets: plain "
             "p95 ≤ 100 ms at 120 advisors, moves ≤ 2 s, series ≤ 300 ms. `placed`: requests with at least one offer; "
             "`valid`: the first 3 answers of each kind pass `check-offers`.", "",
             "| week | appts | build s | plain p50 / p95 / max ms | placed | valid | moves p50 / p95 / max ms | "
             "top offer moves | valid | series p50 / p95 / max ms | series build s | cold p50 / max ms | series cold s |",
             "|---|---:|---:|---|---:|---|---|---:|---|---|---:|---|---:|"]
    for week in weeks:
        lat = week.get("latency")
        if not lat:
            continue
        p, m, s, c = lat["plain"], lat["moves"], lat["series"], lat["cold"]
        lines.append(
            f"| {week['profile']} {week['advisors']} | {week['appointments']} | {lat['build_s']:.2f} | "
            f"{_ms(p, 'p50_ms')} / {_ms(p, 'p95_ms')} / {_ms(p, 'max_ms')} | {p['placed']}/{p['n']} | "
            f"{'yes' if p['checked_valid'] else '**NO**'} | {_ms(m, 'p50_ms')} / {_ms(m, 'p95_ms')} / {_ms(m, 'max_ms')} | "
            f"{m['top_with_moves']}/{m['n']} | {'yes' if m['checked_valid'] else '**NO**'} | "
            f"{_ms(s, 'p50_ms')} / {_ms(s, 'p95_ms')} / {_ms(s, 'max_ms')} | {lat['series_build_s']:.1f} | "
            f"{_ms(c, 'p50_ms')} / {_ms(c, 'max_ms')} | {lat['series_cold_s']:.1f} |")
    lines += ["", "## A week booked one call at a time", "",
              f"Measured at commit {settings['commit']}, in the same run. {int(HOLD_BACK * 100)} % of each week's "
              "unpinned requests are held back; the rest is planned (`solve`, "
              f"{settings['time_limit']:g} s, {settings['workers']} workers — shorter than the planner sections' 60 s, "
              "to keep the run short); the held-back requests then arrive one by one in random order. "
              "**Top offer**: each booked at the first offer of a warm `Desk` (max_moves 0), or left unplaced if it "
              "has none. **Desk rule**: first free slot with the named advisor, else anyone's earliest "
              "(`baselines.choose_named_first`); a protected block a booking lands on is cut around it. "
              "**Re-plan**: the whole week solved from scratch at the end (same limit). Figures are the checker's, "
              "on the whole week; continuity by complexity is the share of support appointments (of clients with a "
              "named advisor) kept with that advisor; seconds: booking all arrivals, or the re-plan.", "",
              "| week | appts | held back | booking | valid | score | fill | continuity | c1 | c2 | c3 | protected | seconds |",
              "|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for week in weeks:
        one = week.get("one_call")
        if not one:
            continue
        for name, r in one["rows"].items():
            c = r["by_complexity"]
            lines.append(f"| {week['profile']} {week['advisors']} | {one['appointments']} | {one['held_back']} | {name} | "
                         f"{'yes' if r['valid'] else '**NO**'} | {r['score']} | {_pct(r['fill'])} | "
                         f"{_pct(r['continuity'])} | {_pct(c.get(1, c.get('1')))} | {_pct(c.get(2, c.get('2')))} | "
                         f"{_pct(c.get(3, c.get('3')))} | {_pct(r['protected'])} | {r['seconds']:.1f} |")
    if settings.get("note"):
        lines += ["", settings["note"]]
    return "\n".join(lines) + "\n"


def _commit() -> str:
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' + uncommitted changes' if dirty else ''}" if head else "unknown"


def write_sections(markdown: str, out: str, data: dict) -> None:
    """Replace the offer sections of `out` (everything from MARKER on) and the "offers" entry of its
    JSON twin, keeping the planner sections and their data as they are."""
    try:
        with open(out, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        text = ""
    text, keep, kept = text.partition(KEEP_MARKER)
    planner = text.split(MARKER)[0].rstrip("\n")
    with open(out, "w", encoding="utf-8") as fh:
        fh.write((planner + "\n\n" if planner else "") + markdown.rstrip("\n") + "\n"
                 + ("\n" + keep + kept if keep else ""))
    json_path, stored = read_stored(out)
    stored["offers"] = data
    with open(json_path, "w", encoding="utf-8") as fh:
        json.dump(stored, fh, indent=1, default=str)


def run_offer_bench(sizes=(10, 30, 60, 120), profiles=("jobcentre", "advice", "clinic"), time_limit: float = 20.0,
                    workers: int = 2, requests: int = 200, moves_requests: int = 200, cold_requests: int = 10,
                    out: str = "BENCHMARKS.md", seed: int = 1, log=print) -> list[dict]:
    """Run both offer sections over the bench weeks and write them into `out` (see write_sections)."""
    import os
    import platform
    from datetime import datetime, timezone

    began = time.perf_counter()
    weeks = []
    settings = {"commit": _commit(), "date": f"{datetime.now(timezone.utc):%Y-%m-%d}", "machine": platform.machine(),
                "time_limit": time_limit, "workers": workers, "requests": requests, "moves_requests": moves_requests,
                "cold_requests": cold_requests}
    for size in sizes:
        for profile in profiles:
            log(f"bench offers: {profile} with {size} advisors")
            week = generate(profile, size, seed)
            rng = random.Random(f"{profile}-{size}-{seed}-offers")
            one, replanned = one_call_at_a_time(week, rng, time_limit, workers, log=log)
            lat = latency(week, replanned, rng, requests, moves_requests, cold_requests, log=log)
            weeks.append({"profile": profile, "advisors": size, "appointments": len(week["appointments"]),
                          "one_call": one, "latency": lat})
            settings.update(minutes=(time.perf_counter() - began) / 60,
                            load=", ".join(f"{x:.1f}" for x in os.getloadavg()))
            write_sections(render(weeks, settings), out, {"settings": settings, "weeks": weeks})
    return weeks


def read_stored(out: str) -> tuple[str, dict]:
    """(the .json beside `out`, what it holds as a dict; {} when missing or unreadable). An old file
    holding only the planner's weeks as a list reads as {"planner": [...]}."""
    json_path = out[:-3] + ".json" if out.endswith(".md") else out + ".json"
    try:
        with open(json_path, encoding="utf-8") as fh:
            stored = json.load(fh)
    except (FileNotFoundError, json.JSONDecodeError):
        stored = {}
    if isinstance(stored, list):  # the planner's weeks, written before the offer sections existed
        stored = {"planner": stored}
    return json_path, stored if isinstance(stored, dict) else {}
