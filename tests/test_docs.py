"""Docs that cannot drift: the configuration tables match the settings model, every endpoint
and CLI command is documented, the README starts with the two commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from calgate.cli import app as cli_app
from calgate.docs import BEGIN, END, settings_table

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("doc", ["README.md", "docs/configuration.md"])
def test_settings_table_is_generated_from_the_model(doc):
    text = (ROOT / doc).read_text()
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table == settings_table(), f"run: python -m calgate.docs {doc}"


def test_readme_starts_with_what_calgate_is_and_the_two_commands():
    text = (ROOT / "README.md").read_text()
    head = text[:1500]
    assert "CalDAV" in head
    first_block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make serve", "make test"]


def test_every_endpoint_is_in_the_api_docs(client):
    api_doc = (ROOT / "docs/api.md").read_text()
    spec = client.get("/api/openapi.json").json()
    missing = []
    for path, methods in spec["paths"].items():
        for method in methods:
            needle = f"{method.upper()} {path}"
            if needle not in api_doc:
                missing.append(needle)
    assert not missing, f"undocumented endpoints in docs/api.md: {missing}"


def test_every_cli_command_is_in_the_readme():
    import typer

    readme = (ROOT / "README.md").read_text()
    root = typer.main.get_command(cli_app)
    assert hasattr(root, "commands")
    missing = []
    for name, command in root.commands.items():
        subs = getattr(command, "commands", None) or {"": command}
        for sub in subs:
            words = f"calgate {name} {sub}".strip()
            if name != "version" and words not in readme:
                missing.append(words)
    assert not missing, f"CLI commands missing from the README: {missing}"


def _mapped_modules() -> set[str]:
    """The module paths docs/architecture.md's module map names (`domain/ids.py`, `jobs/`)."""
    text = (ROOT / "docs/architecture.md").read_text()
    table = text.split("## Modules", 1)[1].split("\n## ", 1)[0]
    named = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            first_cell = row.split("|")[1]
            named |= set(re.findall(r"`([\w/.]+(?:\.py|/))`", first_cell))
    return named


def test_the_module_map_names_only_modules_that_exist():
    package = ROOT / "src" / "calgate"
    missing = sorted(name for name in _mapped_modules() if not (package / name).exists())
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def test_every_module_is_in_the_module_map():
    """A module is mapped when its own path or its package's (`jscal_write/`) is named."""
    package = ROOT / "src" / "calgate"
    named = _mapped_modules()
    unmapped = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if "migrations/" in relative or path.name in ("__init__.py", "__main__.py"):
            continue
        folders = {
            relative.rsplit("/", depth)[0] + "/" for depth in range(1, relative.count("/") + 1)
        }
        if relative not in named and not folders & named:
            unmapped.append(relative)
    assert not unmapped, f"add these to docs/architecture.md's module map: {unmapped}"
