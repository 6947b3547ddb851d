"""Generate the configuration table from the settings model: ``python -m calgate.docs``.

docs/configuration.md and the README embed this table between markers; tests/test_docs.py fails
when they drift from the model.
"""

from __future__ import annotations

import sys
from pathlib import Path

from calgate.settings import Settings

BEGIN = "<!-- settings-table:begin -->"
END = "<!-- settings-table:end -->"


def _default(name: str) -> str:
    field = Settings.model_fields[name]
    value = field.default
    if value is None:
        return "(unset)"
    if isinstance(value, Path):
        return f"`./{value}`"
    return f"`{value}`"


def settings_table() -> str:
    rows = ["| Environment variable | Default | Meaning |", "|---|---|---|"]
    prefix = Settings.model_config.get("env_prefix", "")
    for name, field in Settings.model_fields.items():
        env = f"`{prefix}{name.upper()}`"
        rows.append(f"| {env} | {_default(name)} | {field.description or ''} |")
    return "\n".join(rows)


def splice(text: str, table: str) -> str:
    """Replace the table between the markers in ``text``."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main(argv: list[str]) -> int:
    table = settings_table()
    if not argv:
        print(table)
        return 0
    for path in map(Path, argv):
        path.write_text(splice(path.read_text(), table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
