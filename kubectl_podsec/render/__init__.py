"""Pure renderers: report objects to text. Each writer returns strings for the
start, each result, and the end, so a report streams in bounded memory."""

from __future__ import annotations

from .sarif import SarifWriter
from .structured import JsonWriter, YamlWriter
from .table import TableWriter
from .writer import ReportWriter

WRITERS: dict[str, type[ReportWriter]] = {
    "table": TableWriter,
    "wide": TableWriter,
    "json": JsonWriter,
    "yaml": YamlWriter,
    "sarif": SarifWriter,
}

__all__ = ["JsonWriter", "ReportWriter", "SarifWriter", "TableWriter", "WRITERS", "YamlWriter"]
