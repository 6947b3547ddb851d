"""Progress of an import or export on stderr: a bar (rich) when stderr is a terminal, else a
plain line every few seconds with no control characters (for logs and CI); nothing with
``--quiet``. stdout is left to the data and ``--json``."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

PLAIN_EVERY = 3.0  # seconds between two plain lines


class Reporter:
    """``update(done, total)`` as often as wanted; ``note`` for a line beside the progress.
    ``unit`` is ``"bytes"`` (shown as sizes) or a word such as ``"events"``."""

    def __init__(self, label: str, unit: str, *, quiet: bool = False, stream: TextIO | None = None):
        self.label = label
        self.unit = unit
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tty = not quiet and self.stream.isatty()
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._last_line = 0.0
        self._last: tuple[int, int | None] | None = None

    def __enter__(self) -> Reporter:
        if self.tty:
            count = DownloadColumn() if self.unit == "bytes" else MofNCompleteColumn()
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                count,
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=None)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif kind is None and self._last is not None and not self.quiet:
            self._line(*self._last)

    def update(self, done: int, total: int | None = None, extra: str = "") -> None:
        self._last = (done, total)
        if self.quiet:
            return
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, total=total)
            return
        now = time.monotonic()
        if now - self._last_line >= PLAIN_EVERY:
            self._line(done, total)

    def note(self, text: str) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.stream, flush=True)

    def _line(self, done: int, total: int | None) -> None:
        self._last_line = time.monotonic()
        shown = _size(done) if self.unit == "bytes" else f"{done}"
        if total is not None:
            shown += f"/{_size(total) if self.unit == 'bytes' else total}"
        unit = "" if self.unit == "bytes" else f" {self.unit}"
        print(f"{self.label}: {shown}{unit}", file=self.stream, flush=True)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"
