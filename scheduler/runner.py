"""Run a solve in a child process that is killed if it overruns.

CP-SAT can overrun max_time_in_seconds (presolve, a long LP), and a native crash would take the
caller with it. The child dies with its caller (die_with_parent), so a killed worker leaves no solver
behind. The child streams progress and its best plan so far (in slot indices, see
best_plan_message) through a queue; the parent returns the child's answer, or, if the child dies or
overruns the limit by more than GRACE_S, the document of the best plan it reported (or of the
named-first booking-desk plan), never hanging and never raising for a timeout.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import time

from scheduler.baselines import desk_plan
from scheduler.bound import trivial_bound
from scheduler.budget import Budget
from scheduler.check import check_solution
from scheduler.document import PLANNER, plan_document
from scheduler.explain import PinConflict
from scheduler.model import Problem, ProblemError
from scheduler.memory import peak_memory_mb
from scheduler.parse import parse_problem

GRACE_S = 3.0
# As scheduler.solver.STRICT_ENV (set by tests/conftest.py): an invalid reported plan raises.
STRICT_ENV = "SCHEDULER_STRICT"
HEARTBEAT_S = 1.0


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
ORPHAN_POLL_S = 0.5


def die_with_parent(parent_pid: int, prctl: bool | None = None, poll: bool = True) -> None:
    """Make this (child) process end when `parent_pid` does, even if the parent is killed with SIGKILL.

    Linux: prctl(PR_SET_PDEATHSIG, SIGKILL) has the kernel kill us when the parent goes. Everywhere (and as
    a second guard): a daemon thread polls os.getppid() and exits once we have been re-parented. The check
    right after prctl covers a parent that died before it was set. `prctl=False` or `poll=False` leave one
    of the two out (the tests check each alone)."""
    import ctypes
    import signal
    import sys
    import threading

    if prctl if prctl is not None else sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the poll below still works
            pass

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(ORPHAN_POLL_S)
        os._exit(70)  # the caller is gone: nobody can use our answer

    if os.getppid() != parent_pid:
        os._exit(70)
    if poll:
        threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _child(solve_fn, problem_doc, options: dict, out) -> None:
    """The child process: solve with `solve_fn` (scheduler.solver.solve_in_process), streaming progress,
    the best plan so far and the answer (or the error) to the parent through `out`."""
    options = dict(options)
    parent_pid = options.pop("parent_pid", None)
    if parent_pid is not None:
        die_with_parent(parent_pid)

    def report(event: dict):
        out.put(("progress", event))
        return False

    called_at = options.pop("called_at", None)
    if called_at is not None and not options.get("deterministic"):
        # Starting Python and reading the week took a second or two of the caller's limit: aim to
        # finish by the caller's deadline, not this process's own, so the answer is not cut off.
        options["time_limit"] = max(0.5, options["time_limit"] - (time.monotonic() - called_at))
    try:
        doc = solve_fn(problem_doc, progress=report, best_so_far=lambda plan, bound: out.put(best_plan_message(plan, bound)),
                       **options)
        doc["peak_memory_mb"] = peak_memory_mb()
        out.put(("done", doc))
    except ProblemError as err:
        out.put(("problem_error", (type(err).__name__, err.errors)))
    except BaseException as err:  # noqa: BLE001 - everything is reported to the parent
        out.put(("crash", f"{type(err).__name__}: {err}"))


def best_plan_message(plan, bound: int | None) -> tuple:
    """The queue message of a best plan so far: ("best", (assignments, allocations, protected, bound)),
    copied now (the search goes on changing `plan`; the queue pickles later, in its own thread)."""
    return "best", (dict(plan.assignments), dict(plan.allocations), list(plan.protected), bound)


def _fallback(problem: Problem, best: tuple | None, why: str, began: float, error: bool = False) -> dict:
    """The answer when the child gives none: the document of the last plan it reported (see
    best_plan_message) or else of the named-first desk plan, written here, once. A reported plan that
    breaks a rule is never the answer (solve_in_process checks only its final plan): the desk plan is,
    or in strict mode (STRICT_ENV) an AssertionError."""
    if best is not None:
        assignments, allocations, protected, bound = best
        reasons, name = None, PLANNER
    else:
        assignments, allocations, protected, reasons = desk_plan(problem)
        bound, name = None, "named-first"
    doc = plan_document(problem, assignments, allocations, protected, status="feasible", reasons=reasons,
                        bound=trivial_bound(problem) if bound is None else bound,  # the contract promises a bound
                        seconds=time.perf_counter() - began, solver=name, note=why)
    checked = check_solution(problem, doc) if best is not None else None
    if checked is not None and not checked.ok:
        if os.environ.get(STRICT_ENV) == "1":
            raise AssertionError(f"the search reported an invalid plan: {checked.violations[:3]}")
        return _fallback(problem, None, f"{why}; its last plan broke a rule, so this is the desk plan", began, error)
    if error:  # the solver itself failed: callers treat the run as failed (the plan is still valid)
        doc["solver_error"] = why
    return doc


def run_in_child(problem: dict, solve_fn, time_limit: float = 60.0, workers: int = 2, deterministic: bool = False,
                 progress=None, hint: dict | None = None, child=_child) -> dict:
    """Solve the problem document with `solve_fn` in a spawned child process; see the module docstring.

    solve_fn: scheduler.solver.solve_in_process (passed in, so this module imports no solver).
    `child` is the function the child runs, child(solve_fn, problem, options, out) (module level, so
    it can be pickled); tests pass a stand-in that hangs or crashes."""
    began = time.perf_counter()  # the limit counts from the call: reading a big week takes a second
    # The same moment for the child: the monotonic clock is the machine's (CLOCK_MONOTONIC), shared by its
    # processes, and does not jump when the wall clock is set (or travelled in a test: tests/clock.py).
    called_at = time.monotonic()
    parsed = parse_problem(problem)  # bad input fails here, in the caller, with the field named
    doc_in = problem
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    options = {"time_limit": time_limit, "workers": workers, "deterministic": deterministic, "hint": hint,
               "called_at": called_at, "parent_pid": os.getpid()}
    # spawn, not fork: the caller may have threads (a web server, a task queue), and a forked
    # child of a threaded process can deadlock.
    child = ctx.Process(target=child, args=(solve_fn, doc_in, options, out), daemon=True)
    child.start()
    deadline = Budget.for_limit(time_limit, deterministic, began).deadline + GRACE_S
    best = None
    latest = {"elapsed": 0.0, "score": None, "bound": None}
    last_call = time.perf_counter()
    try:
        while True:
            try:
                kind, payload = out.get(timeout=0.2)
            except queue.Empty:
                now = time.perf_counter()
                if progress is not None and now - last_call >= HEARTBEAT_S:
                    # A heartbeat between improvements: the clock moves and a stop request is honoured.
                    last_call = now
                    latest = dict(latest, elapsed=round(now - began, 1),
                                  time_left=round(max(0.0, time_limit - (now - began)), 1))
                    if progress(latest):
                        return _fallback(parsed, best, "stopped on request", began)
                if now > deadline:
                    return _fallback(parsed, best, "the solver overran its time limit and was stopped", began)
                if not child.is_alive():
                    try:  # the last message may still be in flight
                        kind, payload = out.get(timeout=1.0)
                    except queue.Empty:
                        return _fallback(parsed, best, f"the solver process ended unexpectedly "
                                                       f"(exit code {child.exitcode})", began, error=True)
                else:
                    continue
            if kind == "progress":
                latest = payload
                last_call = time.perf_counter()
                if progress is not None and progress(payload):
                    return _fallback(parsed, best, "stopped on request", began)
            elif kind == "best":
                best = payload
            elif kind == "done":
                return payload
            elif kind == "problem_error":
                name, errors = payload
                raise (PinConflict if name == "PinConflict" else ProblemError)(errors)
            elif kind == "crash":
                return _fallback(parsed, best, f"the solver failed: {payload}", began, error=True)
    finally:
        if child.is_alive():
            child.kill()
        child.join(timeout=5)
        out.close()
