"""`python -m scheduler`: exit 0 on success, 1 when the checker finds broken rules, 2 on bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scheduler", *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def assert_one_line_error(done: subprocess.CompletedProcess, words: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0], done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def week(tmp_path):
    path = tmp_path / "week.json"
    done = run("generate", "advice", "--advisors", 4, "--seed", 5, "--out", path)
    assert done.returncode == 0, done.stderr
    return path


def test_generate_to_stdout_matches_the_file(week):
    done = run("generate", "advice", "--advisors", 4, "--seed", 5)
    assert done.returncode == 0
    assert json.loads(done.stdout) == json.loads(week.read_text())


@pytest.mark.parametrize("name", ["earliest", "named-first"])
def test_baseline_then_check_passes(tmp_path, week, name):
    out = tmp_path / f"{name}.json"
    assert run("baseline", name, week, "--out", out).returncode == 0
    solution = json.loads(out.read_text())
    done = run("check", week, out)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["valid"] is True and report["score"] == solution["score"]
    assert set(report) >= {"fill", "continuity", "separation", "protected", "gap"}


def test_check_exits_1_listing_the_broken_rule(tmp_path, week):
    out = tmp_path / "plan.json"
    run("baseline", "earliest", week, "--out", out)
    solution = json.loads(out.read_text())
    first, second = solution["assignments"][:2]
    second.update(advisor=first["advisor"], start=first["start"])  # double-book one advisor
    del solution["score"]
    out.write_text(json.dumps(solution))
    done = run("check", week, out)
    assert done.returncode == 1
    assert json.loads(done.stdout)["valid"] is False
    assert "rule 3:" in done.stderr and first["appointment"] in done.stderr


def test_bad_paths_and_bad_input_exit_2_with_one_line(tmp_path, week):
    assert_one_line_error(run("check", tmp_path / "nope.json", week), "no such problem file")
    assert_one_line_error(run("check", week, tmp_path / "nope.json"), "no such solution file")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert_one_line_error(run("baseline", "earliest", broken), "not valid JSON")
    bad = json.loads(week.read_text())
    bad["appointments"][0]["duration_minutes"] = 45
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert_one_line_error(run("baseline", "named-first", tmp_path / "bad.json"),
                          "appointments[0].duration_minutes: 45 is not a multiple of slot_minutes (30)")
    assert_one_line_error(run("baseline", "earliest", week, "--out", tmp_path / "no" / "dir.json"), "cannot write")
    (tmp_path / "list.json").write_text("[]")
    assert_one_line_error(run("check", week, tmp_path / "list.json"), "solution")


def test_bad_arguments_exit_2_with_one_line():
    assert_one_line_error(run("generate", "hospital", "--advisors", 3), "invalid choice")
    assert_one_line_error(run("generate", "clinic", "--advisors", 0), "at least 1")
    assert_one_line_error(run("generate", "clinic"), "--advisors")
    assert_one_line_error(run("baseline", "cheapest", "x.json"), "invalid choice")
    assert_one_line_error(run(), "command")


def test_generate_solve_check_through_the_command_line(tmp_path, week):
    out = tmp_path / "plan.json"
    done = run("solve", week, "--out", out, "--time-limit", 2, "--workers", 1)
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.strip().splitlines()  # one JSON line of figures
    summary = json.loads(line)
    solution = json.loads(out.read_text())
    assert summary["score"] == solution["score"] and summary["status"] == solution["status"]
    checked = run("check", week, out)
    assert checked.returncode == 0, checked.stderr
    (line,) = checked.stdout.strip().splitlines()
    report = json.loads(line)
    assert report["valid"] is True and report["score"] == solution["score"]
    assert solution["bound"] >= solution["score"]


def test_solve_refuses_a_bad_problem_with_the_field_named(tmp_path, week):
    bad = json.loads(week.read_text())
    bad["clients"][0]["complexity"] = 4
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    assert_one_line_error(run("solve", path, "--out", tmp_path / "plan.json", "--time-limit", 1),
                          "clients[0].complexity: 4 must be 1, 2 or 3")
    assert not (tmp_path / "plan.json").exists()
    assert_one_line_error(run("solve", tmp_path / "missing.json"), "no such problem file")
    (tmp_path / "broken.json").write_text("{\"format\": ")
    assert_one_line_error(run("solve", tmp_path / "broken.json"), "not valid JSON")
