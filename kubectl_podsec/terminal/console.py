"""The command's environment: streams, terminal detection, colour, progress."""

from __future__ import annotations

import os
import sys
import time
from typing import IO


class Console:
    """Built once per run, before the command line is parsed: `--no-color` and
    `--debug` (accepted before or after the command) are set on it as read."""

    def __init__(self, stdout: IO[str] | None = None, stderr: IO[str] | None = None,
                 no_color: bool = False, debug: bool = False) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.no_color = no_color
        self.debug = debug

    @property
    def color(self) -> bool:
        """Colour only on a terminal, never with NO_COLOR, TERM=dumb or --no-color."""
        if self.no_color or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
            return False
        return _isatty(self.stdout)

    @property
    def interactive(self) -> bool:
        return _isatty(self.stderr)

    def out(self, text: str) -> None:
        if text:
            self.stdout.write(text)

    def err(self, text: str) -> None:
        self.stderr.write(text.rstrip("\n") + "\n")

    def progress(self, label: str) -> Progress:
        return Progress(self.stderr if self.interactive else None, label)


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A one-line counter on stderr, shown only on a terminal and only for work
    that takes over a second."""

    DELAY = 1.0
    INTERVAL = 0.2

    def __init__(self, stream: IO[str] | None, label: str) -> None:
        self.stream, self.label = stream, label
        self.count = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._shown = False

    def tick(self, n: int = 1) -> None:
        self.count += n
        if self.stream is None:
            return
        now = time.monotonic()
        if now - self._start >= self.DELAY and now - self._last >= self.INTERVAL:
            self._last, self._shown = now, True
            self.stream.write(f"\r{self.label}: {self.count} ({now - self._start:.0f}s)")
            self.stream.flush()

    def done(self) -> None:
        if self.stream is not None and self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
