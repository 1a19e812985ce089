"""The apps are layers: engine and core at the bottom, importing nothing above them; no two apps import each
other, directly or round a longer circle. Read from the source (every import, also those inside functions),
so a lazy import cannot hide a circle."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import kineret_pa

PACKAGE = Path(kineret_pa.__file__).parent
APPS = ("core", "engine", "accounts", "policies", "api", "pa_requests", "fhir")


def _module_name(path: Path) -> str:
    parts = ("kineret_pa",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved to absolute names."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            # `from kineret_pa import engine` imports a module by its name: count the names as well.
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "kineret_pa" and len(parts) > 1 and parts[1] in APPS else None


def _imports_by_app() -> dict[str, dict[str, set[str]]]:
    """{app: {imported module: {importing file}}} for every file of every app."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted(PACKAGE.rglob("*.py")):
        app = _app(_module_name(path))
        if app is not None:
            for imported in _imports(path):
                graph[app][imported].add(str(path.relative_to(PACKAGE.parent)))
    return graph


def _app_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {app: set() for app in APPS}
    for app, imported in _imports_by_app().items():
        edges[app] |= {_app(module) for module in imported if _app(module) not in (None, app)}
    return edges


def _circle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports between apps, or None (depth-first search, grey/black marking)."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(app: str) -> list[str] | None:
        state[app], _ = "open", path.append(app)
        for other in sorted(edges[app]):
            if state.get(other) == "open":
                return path[path.index(other) :] + [other]
            if other not in state and (circle := visit(other)):
                return circle
        state[app], _ = "done", path.pop()
        return None

    return next((circle for app in APPS if app not in state and (circle := visit(app))), None)


def test_the_import_graph_has_every_app_and_their_real_dependencies():
    """The reader below sees real imports: this fails if it stops finding them (a test that finds no edge
    would pass whatever the code does)."""
    edges = _app_edges()
    assert {"engine", "core"} <= edges["policies"]
    assert {"accounts", "policies"} <= edges["api"]
    assert {"accounts", "policies", "core", "engine"} <= edges["pa_requests"]


def test_no_two_apps_import_each_other_even_round_a_longer_circle():
    assert _circle(_app_edges()) is None


def test_the_circle_finder_finds_a_circle_of_three():
    edges = {app: set() for app in APPS} | {"accounts": {"policies"}, "policies": {"api"}, "api": {"accounts"}}
    assert _circle(edges) == ["accounts", "policies", "api", "accounts"]


def test_the_engine_imports_nothing_of_the_project_outside_itself_and_no_django():
    imported = _imports_by_app()["engine"]
    outside = {
        module: files
        for module, files in imported.items()
        if module.split(".")[0] == "django" or (module.startswith("kineret_pa.") and _app(module) != "engine")
    }
    assert outside == {}


def test_the_engine_imports_only_the_standard_library():
    imported = _imports_by_app()["engine"]
    foreign = {
        module: files
        for module, files in imported.items()
        if module.split(".")[0] not in sys.stdlib_module_names and _app(module) != "engine"
    }
    assert foreign == {}


def test_core_imports_nothing_from_the_other_apps():
    imported = _imports_by_app()["core"]
    above = {
        module: files
        for module, files in imported.items()
        if module.startswith("kineret_pa") and _app(module) != "core"
    }
    assert above == {}


def test_token_authentication_knows_nothing_of_policy_data():
    imported = _imports_by_app()["accounts"]
    assert {module: files for module, files in imported.items() if _app(module) == "policies"} == {}
