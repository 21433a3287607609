"""Pure renderers: report objects to text. Each writer returns strings for the
start, each result, and the end, so a report streams in bounded memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the check report's writers; whoami's and the others' renderers need none of it
    from .writer import ReportWriter

FORMATS = ("table", "wide", "json", "yaml", "sarif")


def writer_for(output: str) -> type[ReportWriter]:
    """The check report's writer for `-o output`; only its module is imported, so a
    run pays for one format."""
    if output in ("table", "wide"):
        from .table import TableWriter

        return TableWriter
    if output in ("json", "yaml"):
        from .structured import JsonWriter, YamlWriter

        return JsonWriter if output == "json" else YamlWriter
    if output == "sarif":
        from .sarif import SarifWriter

        return SarifWriter
    raise ValueError(f"no writer for {output!r}")


__all__ = ["FORMATS", "writer_for"]
