"""The layering rules of DEVELOPERS.md, checked on the source so that the structure stays.

Models import no service and no blueprint; services import no blueprint; no module in app/ or
clustering/ is over 400 lines; no import circles among the app's modules (imports inside
functions count too: they are circles put off, not removed).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400
BLUEPRINTS = (
    "app.accountability",
    "app.api",
    "app.auth",
    "app.commands",
    "app.console",
    "app.embed",
    "app.errors",
    "app.integrations",
    "app.ministry",
    "app.ops",
    "app.pages",
    "app.process",
    "app.sockets",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted((ROOT / "app").rglob("*.py"))}


MODULES = app_modules()


def imports_of(name: str, known: dict[str, Path] | None = None) -> set[str]:
    """The modules of ``known`` (default: the app's) that ``name`` imports, anywhere in its body."""
    known = MODULES if known is None else known
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from package import name` imports the submodule when there is one.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target:
                found.add(target)
    found.discard(name)
    return found


def within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("name", [n for n in MODULES if within(n, "app.models")])
def test_models_import_no_service_and_no_blueprint(name):
    wrong = sorted(i for i in imports_of(name) if within(i, "app.services", *BLUEPRINTS))
    assert wrong == [], f"{name} imports {wrong}"


@pytest.mark.parametrize("name", [n for n in MODULES if within(n, "app.services")])
def test_services_import_no_blueprint(name):
    wrong = sorted(i for i in imports_of(name) if within(i, *BLUEPRINTS))
    assert wrong == [], f"{name} imports {wrong}"


def test_only_the_opinion_package_imports_clustering():
    clustering = {"clustering": ROOT / "clustering" / "__init__.py"}
    importers = sorted(name for name in MODULES if imports_of(name, clustering))
    assert importers and all(within(name, "app.services.opinion") for name in importers), importers


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "app").rglob("*.py"), *(ROOT / "clustering").rglob("*.py")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


def test_no_import_circles():
    # A module importing its own package (a blueprint's views importing `bp`) is no circle:
    # Python imports every package before the modules in it anyway.
    graph = {name: {i for i in imports_of(name) if not name.startswith(i + ".")} for name in MODULES}
    circles = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    assert circles == []
