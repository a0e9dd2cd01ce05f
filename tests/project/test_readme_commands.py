"""The README's command-line example runs as written on a database that `make run` has just made.

`make run` migrates and seeds the demo office (Makefile); the example then plans the demo week with
`--week this`, exports the plan and checks it with the scheduler's checker. Each line of the README's
block is run by bash, unchanged except that `.venv/bin/` means this test run's environment.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def readme_block(after: str) -> list[str]:
    """The command lines of the first ```sh block after the sentence starting `after`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(after)
    block = re.search(r"```sh\n(.*?)```", text[start:], re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def makefile_run_steps() -> list[str]:
    """The commands `make run` runs before serving (migrate, seed), as the Makefile says them."""
    recipe = re.search(r"^run:.*?\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)
    return [line.strip().replace("$(BIN)/", ".venv/bin/") for line in recipe.splitlines()
            if line.strip().startswith("$(BIN)/flask") and " run " not in line]


def _bash(line: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", line.replace(".venv/bin/", f"{BIN}/")], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def fresh_env(tmp_path):
    env = {**os.environ, "FLASK_APP": "caseload", "PYTHONPATH": str(ROOT),
           "CASELOAD_DATABASE_URL": f"sqlite:///{tmp_path / 'caseload.db'}",
           "CASELOAD_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}"}
    env.pop("CASELOAD_TEST_DATABASE_URL", None)
    steps = makefile_run_steps()
    assert any("db upgrade" in s for s in steps) and any("seed-demo" in s for s in steps), steps
    for step in steps:
        done = _bash(step, tmp_path, env)
        assert done.returncode == 0, f"{step}\n{done.stdout}{done.stderr}"
    return env


def test_the_readme_command_line_example_runs_as_written(fresh_env, tmp_path):
    lines = readme_block("The same flow from the command line")
    assert len(lines) == 4 and all("--week this" in line for line in lines[:3]), lines
    outputs = []
    for line in lines:
        done = _bash(line, tmp_path, fresh_env)
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
        outputs.append(done.stdout)
    problem = json.loads((tmp_path / "problem.json").read_text())
    solution = json.loads((tmp_path / "solution.json").read_text())
    assert len(problem["appointments"]) > 100  # the demo week, not an empty one
    assert len(solution["assignments"]) > len(problem["appointments"]) // 2
    assert "placed" in outputs[1] and "continuity" in outputs[1]



def test_make_run_serves_on_port_and_host_from_the_environment():
    # `make -n` prints the recipe without running it; CI's .ci/fresh-clone-run serves on a free PORT for real.
    env = {**os.environ, "PORT": "8123", "HOST": "0.0.0.0"}
    dry = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert "--host '0.0.0.0' --port '8123'" in dry.stdout and "http://0.0.0.0:8123" in dry.stdout
    default = subprocess.run(["make", "-n", "run"], cwd=ROOT, env={k: v for k, v in os.environ.items()
                                                                   if k not in ("PORT", "HOST")},
                             capture_output=True, text=True, timeout=60)
    assert "--host '127.0.0.1' --port '5000'" in default.stdout
