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
