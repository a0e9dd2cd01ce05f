"""The import structure: no cycles anywhere, the planner free of the web app, services free of blueprints, and no
function-level imports of our own modules except the few listed with their reason.

Built on grimp (the import graph behind import-linter). grimp reads every import statement, those
inside functions included, so a cycle cannot hide behind a function-level import.
"""
from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import grimp
import pytest

from caseload.jobs import huey
from caseload.services.planning import runs

BLUEPRINTS = ("caseload.admin", "caseload.api", "caseload.auth", "caseload.me", "caseload.rota",
              "caseload.site", "caseload.health")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("scheduler", "caseload", include_external_packages=True, cache_dir=None)


def _cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    ours = sorted(m for m in graph.modules if m.split(".")[0] in ("scheduler", "caseload"))
    for root in ours:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child.split(".")[0] not in ("scheduler", "caseload"):
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
    return found


def test_no_import_cycles(graph):
    assert _cycles(graph) == []


@pytest.mark.parametrize("forbidden", ["caseload", "flask", "sqlalchemy", "werkzeug"])
def test_the_planner_imports_nothing_of_the_web_app(graph, forbidden):
    chain = graph.find_shortest_chain(importer="scheduler", imported=forbidden, as_packages=True)
    assert chain is None, " -> ".join(chain)


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_services_import_no_blueprint(graph, blueprint):
    chain = graph.find_shortest_chain(importer="caseload.services", imported=blueprint, as_packages=True)
    assert chain is None, " -> ".join(chain)


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for a, b in (("caseload.a", "caseload.b"), ("caseload.b", "caseload.c"), ("caseload.c", "caseload.a"),
                 ("caseload.c", "caseload.d")):
        graph.add_import(importer=a, imported=b)
    assert _cycles(graph) == [["caseload.a", "caseload.b", "caseload.c"]]


def _task_modules() -> set[str]:
    """Modules of caseload that register a huey task or start-up hook (decorators `@huey.task`, `@huey.on_startup`, …)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    found = set()
    for path in (root / "caseload").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and isinstance(d.func.value, ast.Name)
                    and d.func.value.id == "huey" for d in node.decorator_list):
                found.add(".".join(path.relative_to(root).with_suffix("").parts))
    return found


def test_the_consumer_imports_every_module_that_registers_a_task(graph):
    """huey finds a task by its module path and name (`caseload.services.planning.runs.run_plan_job`): the consumer
    (`huey_consumer caseload.worker.huey`) knows only the tasks of the modules caseload.worker imports, so a task
    module it misses (or a module moved without updating it) leaves every message for that task unrunnable."""
    modules = _task_modules()
    assert "caseload.services.planning.runs" in modules  # the finder sees run_plan_job's module
    assert modules <= graph.find_modules_directly_imported_by("caseload.worker")


def test_a_queued_plan_job_resolves_to_run_plan_job():
    """A message the web app enqueues names the task the consumer's registry returns (the name round-trips)."""
    message = huey._registry.create_message(runs.run_plan_job.s(1))
    assert message.name == "caseload.services.planning.runs.run_plan_job"
    assert huey._registry.string_to_task(message.name) is runs.run_plan_job.task_class


ROOT = pathlib.Path(__file__).resolve().parents[2]
APP_FACTORY = ("Flask's application factory: blueprints, the CLI and the queue are wired when create_app makes an app, "
               "so importing any caseload module (Alembic's env, the models, the worker before its app) builds no app")
DEFERS_ORTOOLS = ("defers OR-Tools (about 3 s to import): the importing module must not load it, so `python -m scheduler "
                  "check|generate` and `import scheduler` stay fast; test_deferred_imports_keep_ortools_out checks it")
# (importing file, imported module) -> why the import sits inside a function. Nothing else may.
FUNCTION_LEVEL_IMPORTS = {
    **{("caseload/__init__.py", module): APP_FACTORY for module in (
        "caseload", "caseload.extensions", "caseload.admin", "caseload.api", "caseload.auth", "caseload.desk",
        "caseload.health", "caseload.me", "caseload.rota", "caseload.site", "caseload.jobs")},
    ("scheduler/__init__.py", "scheduler.solver"): DEFERS_ORTOOLS,
    ("scheduler/__init__.py", "scheduler.booking"): DEFERS_ORTOOLS,
    ("scheduler/booking/desk.py", "scheduler.booking.moves"): DEFERS_ORTOOLS,
    ("scheduler/cli.py", "scheduler.solver"): DEFERS_ORTOOLS,
    ("scheduler/cli.py", "scheduler.baselines"): DEFERS_ORTOOLS,
    ("scheduler/cli.py", "scheduler.bench_offers"): DEFERS_ORTOOLS,
    ("scheduler/cli.py", "scheduler.booking"): DEFERS_ORTOOLS,
    ("scheduler/bench.py", "scheduler.solver"): DEFERS_ORTOOLS,
    ("scheduler/bench.py", "scheduler.mip"): DEFERS_ORTOOLS,
    ("scheduler/bench.py", "scheduler.bound"): DEFERS_ORTOOLS,
    ("scheduler/bench.py", "scheduler.bound_time"): DEFERS_ORTOOLS,
    ("scheduler/bench.py", "scheduler.baselines"): DEFERS_ORTOOLS,
    ("scheduler/bench.py", "scheduler.bench_offers"): DEFERS_ORTOOLS,
}


def function_level_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of a project module (caseload, scheduler, or relative) inside a function."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                modules = ["." * node.level + (node.module or "")]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            found += [(node.lineno, m) for m in modules if m.split(".")[0] in ("caseload", "scheduler") or m.startswith(".")]
    return sorted(set(found))


def test_the_function_level_import_finder_finds_them():
    source = ("import scheduler.model\n"
              "def f():\n    from scheduler.solver import solve\n    import json\n"
              "    def g():\n        from . import sibling\n        import caseload.models, os\n")
    assert function_level_imports(source) == [(3, "scheduler.solver"), (6, "."), (7, "caseload.models")]


def test_no_function_level_imports_of_our_modules_but_the_listed_ones():
    """A function-level import hides a dependency (and used to dodge import cycles): imports go at the top of the
    module. The few that must not are listed in FUNCTION_LEVEL_IMPORTS with their reason."""
    unlisted, seen = [], set()
    for package in ("caseload", "scheduler"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for line, module in function_level_imports(path.read_text()):
                seen.add((name, module))
                if (name, module) not in FUNCTION_LEVEL_IMPORTS:
                    unlisted.append(f"{name}:{line} imports {module} inside a function")
    assert unlisted == []
    assert set(FUNCTION_LEVEL_IMPORTS) <= seen, "listed but gone (remove them from the list)"


@pytest.mark.parametrize("module", sorted({name.removesuffix("/__init__.py").removesuffix(".py").replace("/", ".")
                                          for (name, _), why in FUNCTION_LEVEL_IMPORTS.items() if why == DEFERS_ORTOOLS}))
def test_deferred_imports_keep_ortools_out(module):
    """The reason given for deferring holds: importing the module loads no OR-Tools (and the deferred one does)."""
    deferred = [m for (name, m), why in FUNCTION_LEVEL_IMPORTS.items()
                if why == DEFERS_ORTOOLS and name.removesuffix("/__init__.py").removesuffix(".py").replace("/", ".") == module]
    code = (f"import sys, {module}; before = 'ortools' in sys.modules; import importlib; "
            f"[importlib.import_module(m) for m in {deferred!r}]; print(before, 'ortools' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"], out


def test_the_web_app_and_its_cli_start_without_ortools():
    """`flask --help`, the worker and every page that does not solve start without OR-Tools's ~1-3 s import: the
    booking desk's offers need none (scheduler.booking.desk defers the moves' CP-SAT; scheduler.variables names
    cp_model only for type checkers)."""
    code = "import sys, caseload; caseload.create_app(); print('ortools' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split()[-1] == "False", out
