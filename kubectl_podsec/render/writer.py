"""The shape every report writer has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..check.report import Failure, Rendered, Result, Skipped, Summary


class ReportWriter:
    """Subclasses turn a report into text, piece by piece."""

    def __init__(self, *, wide: bool = False, color: bool = False,
                 yaml_dump: Callable[[Any], str] | None = None) -> None:
        self.wide = wide
        self.color = color
        self.yaml_dump = yaml_dump

    def begin(self) -> str:
        return ""

    def result(self, result: Result) -> str:
        raise NotImplementedError

    def detached(self) -> Callable[[Result], Rendered] | None:
        """None: this writer needs the results themselves (check/run.py ReportSink)."""
        return None

    def placed(self, rendered: Rendered) -> str:
        raise NotImplementedError

    def placed_texts(self, texts: list[str]) -> str:
        return "".join([self.placed(Rendered(text)) for text in texts])

    def end(self, skipped: list[Skipped], errors: list[Failure], summary: Summary) -> str:
        raise NotImplementedError
