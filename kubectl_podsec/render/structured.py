"""The versioned CheckReport document as JSON or YAML, streamed result by result."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..check.report import Failure, Rendered, Result, Skipped, Summary
from .result_json import result_line
from .serialize import document
from .writer import ReportWriter


class JsonWriter(ReportWriter):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._first = True

    def begin(self) -> str:
        head = json.dumps(document("CheckReport", {}), indent=2)[:-2]  # drop the closing "\n}"
        return head + ',\n  "results": ['

    def result(self, result: Result) -> str:
        return self.placed(_json_line(result))

    def detached(self) -> Callable[[Result], Rendered]:
        return _json_line

    def placed(self, rendered: Rendered) -> str:
        sep = "\n    " if self._first else ",\n    "
        self._first = False
        return sep + rendered.text

    def placed_texts(self, texts: list[str]) -> str:
        if not texts:
            return ""
        sep = "\n    " if self._first else ",\n    "
        self._first = False
        return sep + ",\n    ".join(texts)

    def end(self, skipped: list[Skipped], errors: list[Failure], summary: Summary) -> str:
        tail = {"skipped": [s.to_dict() for s in skipped], "errors": [e.to_dict() for e in errors],
                "summary": summary.to_dict()}
        body = json.dumps(tail, indent=2, ensure_ascii=False)[1:]  # drop the opening "{"
        close = "\n  ]," if not self._first else "],"
        return close + body + "\n"


class YamlWriter(ReportWriter):
    """Needs `yaml_dump` (data -> YAML text), which the command provides."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._any = False
        if self.yaml_dump is None:
            raise TypeError("YamlWriter needs yaml_dump")
        self._yaml: Callable[[Any], str] = self.yaml_dump

    def begin(self) -> str:
        return self._yaml(document("CheckReport", {}))

    def result(self, result: Result) -> str:
        return self.placed(self._item(result))

    def detached(self) -> Callable[[Result], Rendered]:
        return self._item

    def _item(self, result: Result) -> Rendered:
        return Rendered(self._yaml([result.to_dict()]))

    def placed(self, rendered: Rendered) -> str:
        head = "" if self._any else "results:\n"
        self._any = True
        return head + rendered.text

    def end(self, skipped: list[Skipped], errors: list[Failure], summary: Summary) -> str:
        tail = {"skipped": [s.to_dict() for s in skipped], "errors": [e.to_dict() for e in errors],
                "summary": summary.to_dict()}
        return ("" if self._any else "results: []\n") + self._yaml(tail)


def _json_line(result: Result) -> Rendered:
    # One result a line, as json.dumps writes it (not indented): each line stays greppable.
    return Rendered(result_line(result))
