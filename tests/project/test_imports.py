"""The import structure: no cycles anywhere, the planner free of the web app, services free of blueprints.

Built on grimp (the import graph behind import-linter). grimp reads every import statement, those
inside functions included, so a cycle cannot hide behind a function-level import.
"""
from __future__ import annotations

import ast
import pathlib

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
