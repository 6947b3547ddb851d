"""The client half knows the server only by its HTTP API: calgate.client imports nothing of
calgate but the version and its own modules (no settings, database or services), so it can
never reach into a local data folder by accident."""

from __future__ import annotations

import ast
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "src" / "calgate" / "client"


def test_the_client_imports_only_itself_and_the_version():
    found = []
    for path in sorted(CLIENT.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("calgate"):
                module = node.module or ""
                if module == "calgate":
                    found += [
                        f"{path.name}: calgate.{a.name}"
                        for a in node.names
                        if a.name != "__version__"
                    ]
                elif not module.startswith("calgate.client"):
                    found.append(f"{path.name}: {module}")
            elif isinstance(node, ast.Import):
                found += [
                    f"{path.name}: {a.name}" for a in node.names if a.name.startswith("calgate")
                ]
    assert found == []
