"""The child process: honours the time limit, streams progress, and never hangs or raises on a timeout."""
from __future__ import annotations

import multiprocessing as mp
import os
import time

import pytest

from scheduler.baselines import choose_earliest, desk_plan, earliest, named_first
from scheduler.check import check_solution
from scheduler.explain import PinConflict
from scheduler.generate import generate
from scheduler.model import ProblemError
from scheduler.lns import Plan
from scheduler.memory import peak_memory_mb
from scheduler.parse import parse_problem
from scheduler.runner import GRACE_S, _fallback, best_plan_message, run_in_child
from scheduler.solver import solve, solve_in_process


def _hanging_child(solve_fn, problem_doc, options, out) -> None:
    """Stands in for a solve that reports one plan (the earliest desk's, in slots) and then never finishes."""
    problem = parse_problem(problem_doc)
    assignments, allocations, protected, _ = desk_plan(problem, choose_earliest)
    out.put(best_plan_message(Plan(problem, assignments, allocations, protected), None))
    time.sleep(600)


def _crashing_child(solve_fn, problem_doc, options, out) -> None:
    os._exit(7)  # as a native crash would: no message, no clean-up


def test_time_limit_is_honoured_on_a_medium_week():
    doc = generate("jobcentre", 30, seed=1)
    began = time.perf_counter()
    solution = solve(doc, time_limit=1, workers=1)
    assert time.perf_counter() - began < 1 + GRACE_S + 3  # + starting a Python process on a loaded machine
    assert solution["status"] in ("feasible", "unknown", "optimal")
    result = check_solution(doc, solution)
    assert result.ok and result.score == solution["score"] and solution["bound"] >= solution["score"]


def test_overrunning_child_is_stopped_and_its_best_plan_returned(problem_doc):
    began = time.perf_counter()
    solution = run_in_child(problem_doc, solve_in_process, time_limit=1, workers=1, child=_hanging_child)
    assert time.perf_counter() - began < 1 + GRACE_S + 2
    assert solution["note"] == "the solver overran its time limit and was stopped"
    assert solution["assignments"] == earliest(problem_doc)["assignments"]  # the plan the stand-in reported
    assert check_solution(problem_doc, solution).ok and solution["bound"] >= solution["score"]


def test_a_crashed_child_still_gives_a_valid_plan(problem_doc):
    solution = run_in_child(problem_doc, solve_in_process, time_limit=5, workers=1, child=_crashing_child)
    assert "exit code 7" in solution["note"] and solution["solver_error"] == solution["note"]
    assert solution["solver"] == "named-first"  # it reported no plan: the desk's is the answer
    assert solution["assignments"] == named_first(problem_doc)["assignments"]
    assert solution["status"] == "feasible" and check_solution(problem_doc, solution).ok


def test_best_so_far_hands_over_valid_plans_in_slots_and_the_runner_writes_their_document():
    doc = generate("advice", 10, seed=2)
    problem = parse_problem(doc)
    messages = []
    final = solve_in_process(problem, time_limit=3, workers=1, deterministic=True,
                             best_so_far=lambda plan, bound: messages.append(best_plan_message(plan, bound)))
    assert messages and all(kind == "best" for kind, _ in messages)
    for _, best in messages:  # each is the plan as it was when reported, bound included
        written = _fallback(problem, best, "stopped on request", time.perf_counter())
        result = check_solution(doc, written)
        assert result.ok, result.violations
        assert written["bound"] == best[3] >= written["score"] == result.score and written["solver"] == "cp-sat"
    assert messages[-1][1][3] >= final["score"] >= _fallback(problem, messages[0][1], "", 0.0)["score"]


def test_progress_reaches_the_caller_and_can_stop_the_search():
    doc = generate("jobcentre", 10, seed=3)
    events = []

    def progress(event):
        events.append(event)
        return event.get("score") is not None  # stop at the first report of a plan

    began = time.perf_counter()
    solution = solve(doc, time_limit=20, workers=1, progress=progress)
    assert time.perf_counter() - began < 10  # stopped long before the limit
    assert all({"elapsed", "score", "bound"} <= set(e) for e in events)
    scored = [e for e in events if e["score"] is not None]
    assert scored, events
    assert all(e["bound"] is not None and e["bound"] >= e["score"] for e in scored)
    assert check_solution(doc, solution).ok


def test_requested_time_limit_is_honoured_with_startup():
    doc = generate("jobcentre", 20, seed=1)
    began = time.perf_counter()
    solution = solve(doc, time_limit=2, workers=1)
    elapsed = time.perf_counter() - began
    assert elapsed < 12, elapsed  # 2 s + the grace of 3 s + starting a Python child, with room for load
    result = check_solution(doc, solution)
    assert result.ok, result.violations
    assert result.score == solution["score"] and solution["bound"] >= solution["score"]


def test_bad_input_is_refused_in_the_caller_with_the_field_named(make_problem):
    doc = make_problem()
    doc["appointments"][0]["duration_minutes"] = 50
    doc["advisors"][0]["max_caseload"] = -1
    with pytest.raises(ProblemError) as caught:
        solve(doc, time_limit=2, workers=1)
    assert "appointments[0].duration_minutes: 50 is not a multiple of slot_minutes (15)" in caught.value.errors
    assert any(e.startswith("advisors[0].max_caseload:") for e in caught.value.errors)


def _reports_a_problem_error(solve_fn, problem_doc, options, out) -> None:
    """Stands in for a child that finds the input bad (the parent's own check passed)."""
    out.put(("problem_error", ("ProblemError", ["appointments[2].windows[0]: is empty"])))


def test_a_problem_error_in_the_child_is_raised_in_the_caller(problem_doc):
    with pytest.raises(ProblemError) as caught:
        run_in_child(problem_doc, solve_in_process, time_limit=2, workers=1, child=_reports_a_problem_error)
    assert caught.value.errors == ["appointments[2].windows[0]: is empty"]
    assert not isinstance(caught.value, PinConflict)


def test_clashing_pins_raise_in_the_caller(make_problem):
    doc = make_problem()
    doc["appointments"][0]["pinned"] = {"advisor": "a1", "start": "2026-11-24T10:15"}
    with pytest.raises(PinConflict, match="p1 and p4"):
        solve(doc, time_limit=2, workers=1)


CHILD = ("import os, sys, time\n"
         "from scheduler.runner import die_with_parent\n"
         "die_with_parent(os.getppid(), prctl=sys.argv[1] == 'prctl', poll=sys.argv[1] == 'poll')  # one alone\n"
         "print('ready', flush=True)\n"
         "time.sleep(60)\n")
PARENT = ("import subprocess, sys, time\n"
          "child = subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]], stdout=subprocess.PIPE)\n"
          "assert child.stdout.readline().strip() == b'ready'\n"
          "print(child.pid, flush=True)\n"
          "time.sleep(60)\n")


@pytest.mark.parametrize("how", ["prctl", "poll"])
def test_the_solver_child_dies_with_its_parent(how):
    """A parent killed with SIGKILL cannot stop its child: the child notices by itself (PR_SET_PDEATHSIG on
    Linux, else by polling os.getppid()) and exits, so no solver is left running orphaned."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD, how], stdout=subprocess.PIPE, cwd=root,
                              env=dict(os.environ, PYTHONPATH=str(root)), start_new_session=True)
    try:
        child = int(parent.stdout.readline())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _running(child):
            time.sleep(0.05)
        assert not _running(child), f"the child ({how}) outlived its parent"
    finally:
        try:
            os.killpg(parent.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _running(pid: int) -> bool:
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_peak_memory_is_the_childs_own_not_its_parents():
    """A spawned child's ru_maxrss starts at its parent's peak (Linux keeps it across fork and exec);
    the bench's memory column must be the planner's own."""
    ballast = bytearray(400 * 1024 * 1024)  # the parent grows by 400 MB
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    assert peak_memory_mb() > 400
    with mp.get_context("spawn").Pool(1) as pool:
        child = pool.apply(peak_memory_mb)
    del ballast
    assert child < 300, child
