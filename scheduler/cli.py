"""`python -m scheduler solve|check|baseline|offer|check-offers|generate|convert-uhhc|bench` — one function per subcommand.

Exit codes: 0 success; 1 the checker found broken rules; 2 bad input, bad arguments or a bad path
(one line on stderr, never a traceback). Add a subcommand by writing `cmd_<name>(args) -> int`
and `_<name>_arguments(parser)` and adding a row to COMMANDS.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from scheduler.bench import run_bench
from scheduler.check import check_solution
from scheduler.generate import generate
from scheduler.model import ProblemError
from scheduler.parse import load_problem, read_json
from scheduler.uhhc import convert, read_instance


class UsageError(Exception):
    pass


def _write(doc: dict, out: str | None) -> None:
    text = json.dumps(doc, indent=2)
    if out is None:
        print(text)
        return
    try:
        Path(out).write_text(text + "\n", encoding="utf-8")
    except OSError as err:
        raise UsageError(f"{out}: cannot write ({err.strerror})") from None


def cmd_solve(args) -> int:
    from scheduler.solver import solve

    doc = read_json(args.problem, "problem")
    load_problem(args.problem)  # validate first: errors name the field
    solution = solve(doc, time_limit=args.time_limit, workers=args.workers, deterministic=args.deterministic)
    _write(solution, args.out)
    figures = solution.get("figures", {})
    print(json.dumps({"status": solution["status"], "score": solution["score"], "bound": solution.get("bound"),
                      **figures}), file=sys.stderr if args.out is None else sys.stdout)
    return 0


def cmd_check(args) -> int:
    problem = load_problem(args.problem)
    solution = read_json(args.solution, "solution")
    result = check_solution(problem, solution)
    print(json.dumps({"valid": result.ok, "score": result.score, **result.figures}))
    if not result.ok:
        for line in result.violations:
            print(line, file=sys.stderr)
        return 1
    return 0


def cmd_baseline(args) -> int:
    from scheduler.baselines import BASELINES

    solution = BASELINES[args.name](load_problem(args.problem))
    _write(solution, args.out)
    return 0


VARIED_FLAGS = ("part_time", "split_shifts", "max_windows", "min_minutes", "max_minutes", "slot", "new_clients",
                "policing", "protected", "skills", "specialisation", "caseload_slack", "clients_per_advisor")


def cmd_generate(args) -> int:
    varied = {k: getattr(args, k) for k in VARIED_FLAGS if getattr(args, k) is not None}
    if varied and args.profile != "varied":
        raise UsageError(f"--{sorted(varied)[0].replace('_', '-')}: only the varied profile takes it")
    try:
        doc = generate(args.profile, args.advisors, args.seed, args.load, **varied)
    except ValueError as err:
        raise UsageError(str(err)) from None
    _write(doc, args.out)
    if args.profile == "varied":  # the drawn shape, so a reader of the run sees what was generated
        print(json.dumps({"generator": doc["generator"]}), file=sys.stderr)
    return 0


def cmd_convert_uhhc(args) -> int:
    try:
        doc = convert(read_instance(args.instance), travel=args.travel)
    except ValueError as err:
        raise UsageError(str(err)) from None
    _write(doc, args.out)
    return 0


def cmd_bench(args) -> int:
    from scheduler.bench_offers import run_offer_bench  # loads OR-Tools (see test_imports)

    if args.only in (None, "planner"):
        command = "python -m scheduler " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["bench"] else "python -m scheduler bench"
        run_bench(time_limit=args.time_limit, workers=args.workers, sizes=args.sizes, weeks=args.weeks,
                  outside=not args.no_outside, out=args.out, mip_max_appointments=args.mip_max_appointments,
                  replan=args.replan, command=command)
    if args.only in (None, "offers"):
        run_offer_bench(sizes=args.sizes, profiles=args.profiles, time_limit=args.offer_plan_time_limit,
                        workers=args.workers, requests=args.requests, moves_requests=args.moves_requests,
                        cold_requests=args.cold_requests, out=args.out, seed=args.seed)
    return 0


def cmd_offer(args) -> int:
    from scheduler.booking import offers

    _write(offers(read_json(args.request, "offer request")), args.out)
    return 0


def cmd_check_offers(args) -> int:
    from scheduler.booking import check_offers

    request = read_json(args.request, "offer request")
    document = read_json(args.offers, "offers")
    faults = check_offers(request, document)
    count = len(document.get("offers") or []) if isinstance(document, dict) else 0
    print(json.dumps({"valid": not faults, "offers": count}))
    for line in faults:
        print(line, file=sys.stderr)
    return 1 if faults else 0


def _solve_arguments(s) -> None:
    s.add_argument("problem")
    s.add_argument("--out")
    s.add_argument("--time-limit", type=float, default=60.0)
    s.add_argument("--workers", type=int, default=2)
    s.add_argument("--deterministic", action="store_true", help="one worker, deterministic time limit")


def _check_arguments(c) -> None:
    c.add_argument("problem")
    c.add_argument("solution")


def _baseline_arguments(b) -> None:
    b.add_argument("name", choices=["earliest", "named-first"])
    b.add_argument("problem")
    b.add_argument("--out")


def _offer_arguments(o) -> None:
    o.add_argument("request", help="a caseload-offer-request/1 document")
    o.add_argument("--out")


def _check_offers_arguments(c) -> None:
    c.add_argument("request", help="the caseload-offer-request/1 document")
    c.add_argument("offers", help="its caseload-offers/1 answer")


def _generate_arguments(g) -> None:
    g.add_argument("profile", choices=["jobcentre", "advice", "clinic", "varied"],
                   help="varied: a week whose shape is drawn per seed (scheduler/generate_varied.py)")
    g.add_argument("--advisors", type=int, required=True)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--load", type=float, help="appointment minutes / bookable minutes (default 0.8; varied: drawn, 0.6-1.3)")
    g.add_argument("--out")
    v = g.add_argument_group("varied only (each is drawn per seed when not given)")
    v.add_argument("--part-time", type=float, help="share of part-time advisors, 0-0.4")
    v.add_argument("--split-shifts", type=float, help="share of advisors on split days, 0-0.3")
    v.add_argument("--max-windows", type=int, help="windows per appointment, 1 … this (1-4)")
    v.add_argument("--min-minutes", type=int, help="shortest appointment, 10-90")
    v.add_argument("--max-minutes", type=int, help="longest appointment, 10-90")
    v.add_argument("--slot", type=int, help="grid minutes: 5, 10, 15 or 30")
    v.add_argument("--new-clients", type=float, help="share of clients with no named advisor, 0-0.3")
    v.add_argument("--policing", type=float, help="share of policing appointments, 0-0.3")
    v.add_argument("--protected", type=float, help="protected-time target as a share of hours, 0-0.2")
    v.add_argument("--skills", type=int, help="skills in the office, 1-12")
    v.add_argument("--specialisation", type=float, help="0: everyone has every skill … 1: one skill each")
    v.add_argument("--caseload-slack", type=float, help="max_caseload above caseload, as a share, 0-0.15")
    v.add_argument("--clients-per-advisor", type=int, help="clients in the document per advisor, 20-150")


def _convert_uhhc_arguments(c) -> None:
    c.add_argument("instance", help="a UHHC instance, .json or .json.gz (benchdata/uhhc/ has eight)")
    c.add_argument("--travel", choices=["none", "buffer"], default="none",
                   help="none: travel ignored; buffer: each visit lengthened by its patient's median travel time")
    c.add_argument("--out")


def _bench_arguments(r) -> None:
    r.add_argument("--time-limit", type=float, default=60.0, help="seconds per planner run (and MIP peer)")
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 60, 120], help="advisors per varied week")
    r.add_argument("--weeks", type=int, default=20, help="varied weeks (seeds 1 … this) at each size")
    r.add_argument("--no-outside", action="store_true", help="leave out the outside family (benchdata/uhhc)")
    r.add_argument("--mip-max-appointments", type=int, default=400,
                   help="run the MIP peer (HiGHS) only on weeks with at most this many appointments (0: never)")
    r.add_argument("--replan", action="store_true", help="also re-plan each week after an absence")
    r.add_argument("--profiles", nargs="+", default=["jobcentre", "advice", "clinic"],
                   help="the offer sections' weeks (fixed profiles)")
    r.add_argument("--seed", type=int, default=1, help="the offer sections' seed")
    r.add_argument("--out", default="BENCHMARKS.md")
    r.add_argument("--only", choices=["planner", "offers"],
                   help="regenerate only these sections, keeping the others in the file as they are")
    r.add_argument("--offer-plan-time-limit", type=float, default=20.0,
                   help="seconds for each plan and re-plan of the offer sections")
    r.add_argument("--requests", type=int, default=200, help="random requests per week for offer latency")
    r.add_argument("--moves-requests", type=int, default=200, help="of those, how many are also asked with max_moves 3")
    r.add_argument("--cold-requests", type=int, default=10, help="of those, how many are also timed cold")


# The subcommands: name -> (help, add its arguments, run it). Add a subcommand by adding a row.
COMMANDS = {
    "solve": ("solve a problem document", _solve_arguments, cmd_solve),
    "check": ("check a solution against its problem", _check_arguments, cmd_check),
    "baseline": ("what a booking desk would do", _baseline_arguments, cmd_baseline),
    "offer": ("ranked offers for one new appointment in a plan", _offer_arguments, cmd_offer),
    "check-offers": ("apply and check every offer of an answer", _check_offers_arguments, cmd_check_offers),
    "generate": ("a realistic generated week", _generate_arguments, cmd_generate),
    "convert-uhhc": ("a UHHC home-care instance as a problem document", _convert_uhhc_arguments, cmd_convert_uhhc),
    "bench": ("regenerate BENCHMARKS.md", _bench_arguments, cmd_bench),
}


class _Parser(argparse.ArgumentParser):
    """Argument mistakes end with one line and exit 2, like every other bad input."""

    def error(self, message):
        self.exit(2, f"error: {message} (see: {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m scheduler", description="Caseload's planning engine.")
    sub = p.add_subparsers(dest="command", required=True)
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        add_arguments(command)
        command.set_defaults(func=run)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (ProblemError, UsageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly, as the shell would
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
