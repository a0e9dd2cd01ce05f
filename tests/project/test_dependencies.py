"""Every module the app and the planner import is provided by a MAIN dependency of pyproject.toml.

`make run` installs only the main dependencies (`pip install -e .`); a module that only a test extra
brings in (jsonschema was one) makes the README's first command fail with ModuleNotFoundError on a
fresh clone. This reads every import statement in caseload/, scheduler/, migrations/, config.py and
wsgi.py, maps each third-party module to the distribution that installs it, and requires that
distribution to be named in [project].dependencies — not merely pulled in by another one.
"""
from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["caseload", "scheduler", "migrations", "config.py", "wsgi.py"]
OWN = {"caseload", "scheduler", "config", "wsgi", "migrations"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _canonical(re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0])


def imported_modules() -> dict[str, list[str]]:
    """Top-level module name -> files importing it (absolute imports only; the standard library left out)."""
    found: dict[str, list[str]] = {}
    for source in SOURCES:
        path = ROOT / source
        for file in ([path] if path.is_file() else sorted(path.rglob("*.py"))):
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), filename=str(file))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in OWN:
                        found.setdefault(top, []).append(str(file.relative_to(ROOT)))
    return found


def main_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_requirement_name(r) for r in project["dependencies"]}


def test_the_scan_sees_the_imports_we_know_of():
    # A guard on the scanner itself: these are imported today, so a scan that misses them is broken.
    modules = imported_modules()
    assert {"flask", "sqlalchemy", "ortools", "jsonschema"} <= set(modules)
    assert "json" not in modules and "caseload" not in modules


def test_every_imported_module_is_a_main_dependency():
    providers = importlib.metadata.packages_distributions()
    declared = main_dependencies()
    missing = {}
    for module, files in imported_modules().items():
        distributions = {_canonical(d) for d in providers.get(module, [])}
        assert distributions, f"no installed distribution provides {module!r} (imported by {files[0]})"
        if not distributions & declared:
            missing[module] = (sorted(distributions), files[0])
    assert not missing, ("imported, but not a main dependency in pyproject.toml (a test extra is not enough; "
                         f"`make run` installs only the main ones): {missing}")


def test_test_extras_are_not_also_main_dependencies_by_accident():
    # jsonschema moved from the test extra to the main list; naming it twice would hide a later removal.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = {_requirement_name(r) for r in project["optional-dependencies"]["test"]}
    assert not extras & main_dependencies()
