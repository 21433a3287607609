"""The shape every report writer has."""

from __future__ import annotations

from ..report import Result, Skipped, Summary


class ReportWriter:
    """Subclasses turn a report into text, piece by piece."""

    def __init__(self, *, wide: bool = False, color: bool = False) -> None:
        self.wide = wide
        self.color = color

    def begin(self) -> str:
        return ""

    def result(self, result: Result) -> str:
        raise NotImplementedError

    def end(self, skipped: list[Skipped], errors: list[str], summary: Summary) -> str:
        raise NotImplementedError
