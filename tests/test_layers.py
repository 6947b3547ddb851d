"""The shape of the package, checked over its import graph (issue 15).

Every ``import`` and ``from ... import`` in ``src/calgate`` counts, those inside functions and
under ``TYPE_CHECKING`` too: a type-only import from a higher layer is still a dependency in the
wrong direction (a lower layer states what it needs as a Protocol instead).

- no import cycle between modules;
- no import from a higher layer into a lower one (``LAYERS``, lowest first);
- routes reach the index, the database, the upstream client and the embedded store only
  through services;
- no private name (``_x``) imported from another module;
- no module over ``MAX_LINES`` lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "calgate"
MAX_LINES = 500

# lowest first; a module may import from its own layer or any below it
LAYERS: list[set[str]] = [
    {"calgate", "errors"},
    {"domain"},
    {"settings", "crypto", "schemas"},
    {"db", "upstream", "outbound"},
    {"index", "embedded", "mail"},
    {"runtime"},
    {"services"},
    {"jobs"},
    {"lifecycle"},
    {"api", "ui", "cli", "client", "docs", "__main__"},
]
ROUTES_MAY_NOT_IMPORT = ("calgate.index", "calgate.db", "calgate.upstream", "calgate.embedded")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str | None]]:
    """(module imported, name taken from it or None) for every calgate import in ``path``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
            found += [(name, None) for name in names if name.startswith("calgate")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("calgate"):
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.append((submodule, None) if submodule in MODULES else (target, alias.name))
    return found


IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}
GRAPH = {
    name: {target for target, _ in found if target in MODULES} for name, found in IMPORTS.items()
}


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else module
    for rank, names in enumerate(LAYERS):
        if top in names:
            return rank
    raise AssertionError(f"{module} is in no layer of tests/test_layers.py; add its package")


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(GRAPH):
        if root in index:
            continue
        work = [(root, iter(sorted(GRAPH[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(GRAPH[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        _layer(name)


def test_no_import_cycle() -> None:
    cycles = _cycles()
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)


def test_no_import_from_a_higher_layer() -> None:
    upward = [
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if _layer(target) > _layer(name)
    ]
    assert not upward, "\n".join(sorted(upward))


def test_routes_call_services_only() -> None:
    """The API's routes and the UI's pages reach the data only through services."""
    reaching = [
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        if name.startswith(("calgate.api.routes", "calgate.ui"))
        for target in targets
        if target.startswith(ROUTES_MAY_NOT_IMPORT)
    ]
    assert not reaching, "\n".join(sorted(reaching))


def test_no_private_name_imported_across_modules() -> None:
    private = [
        f"{name} imports {attr} from {target}"
        for name, found in IMPORTS.items()
        for target, attr in found
        if attr and attr.startswith("_") and not attr.startswith("__")
    ]
    assert not private, "\n".join(sorted(private))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_size(name: str) -> None:
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by concept"


def test_the_checks_can_fail() -> None:
    """The graph is read correctly: a known edge is seen and a made-up cycle is found."""
    assert "calgate.errors" in GRAPH["calgate.api.problems"]
    GRAPH["calgate.errors"].add("calgate.api.problems")
    try:
        assert any("calgate.errors" in component for component in _cycles())
    finally:
        GRAPH["calgate.errors"].discard("calgate.api.problems")
