"""One document's text to a value: JSON with the C decoder, YAML with the C loader.

YAML is read as kubectl reads it (go-yaml v2's rules: decoding/loader.py).
JSON: the C decoder recurses and stops at Python's recursion limit, far short
of kubectl's 10000 levels; a document that goes deeper is decoded again on a
thread with a large stack and room for DECODE_DEPTH levels; deeper still is
refused. YAML: libyaml refuses more than YAML_DEPTH levels by itself (its
`max_nest_level`). PyYAML's pure-Python parser has no such limit but takes
time quadratic in the depth (35 s for 10000 nested flow sequences), so it only
reads again, after libyaml, the rare document that needs it (decoding/loader.py):
deeper YAML is refused with libyaml's limit named. So no input can
exhaust the stack or take long to decode.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .shape import DECODE_DEPTH, ShapeError, too_deep

_DEEP_STACK = 256 << 20  # bytes: virtual, touched only as deep as a document goes
_FRAMES_PER_LEVEL = 2  # the JSON decoder's recursion per level, with room

T = TypeVar("T")
YAML_DEPTH = 1000  # libyaml's default max_nest_level (yaml_set_max_nest_level)


class DecodeError(ValueError):
    """Malformed text: the format, the problem, and the 1-based line in the text."""

    def __init__(self, syntax: str, problem: str, line: int | None = None) -> None:
        super().__init__(f"malformed {syntax}{f' at line {line}' if line else ''}: {problem}")
        self.syntax = syntax
        self.problem = problem
        self.line = line

    def moved(self, first_line: int) -> DecodeError:
        """The same error, for text that starts at `first_line` of its file."""
        return DecodeError(self.syntax, self.problem,
                           None if self.line is None else first_line + self.line - 1)


def no_constant(name: str) -> Any:
    """parse_constant for JSON decoders: NaN and the infinities are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


_JSON = json.JSONDecoder(parse_constant=no_constant)


def json_value(text: str, pos: int = 0) -> tuple[Any, int]:
    """The JSON value at `pos` and where it ends; DecodeError (with a line) when malformed."""
    try:
        try:
            return _JSON.raw_decode(text, pos)
        except RecursionError:
            return deep(lambda: _JSON.raw_decode(text, pos))
    except ShapeError:
        raise
    except json.JSONDecodeError as err:
        raise DecodeError("JSON", f"{err.msg} (column {err.colno})", err.lineno) from None
    except ValueError as err:  # a constant such as NaN, or an integer too long to read
        raise DecodeError("JSON", str(err)) from None


def yaml_value(text: str) -> Any:
    """The one YAML document in `text`; DecodeError (with a line) when malformed."""
    import yaml  # here: documents in the common block style never need it (decoding/blockyaml.py)

    from .loader import load

    try:
        try:
            return load(text)
        except RecursionError:  # PyYAML's Python parser, for the rare document it reads, recurses
            return deep(lambda: load(text))
    except ShapeError:
        raise
    except yaml.MarkedYAMLError as err:
        if "maximum nesting depth" in str(err.problem):
            raise ShapeError(f"nested more than {YAML_DEPTH} levels deep (libyaml's limit for YAML; "
                             f"as JSON, {DECODE_DEPTH} levels are read, as kubectl reads them)") from None
        mark = err.problem_mark or err.context_mark
        raise DecodeError("YAML", str(err.problem or err.context), mark.line + 1 if mark else None) \
            from None
    except yaml.YAMLError as err:
        raise DecodeError("YAML", str(err)) from None
    except (ValueError, OverflowError) as err:  # e.g. an integer too long to convert
        raise DecodeError("YAML", str(err)) from None


def deep(call: Callable[[], T]) -> T:
    """`call()` with room for DECODE_DEPTH levels of recursion; ShapeError beyond."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except RecursionError:
            outcome.append((False, ShapeError(too_deep())))
        except BaseException as err:  # handed to the caller's thread  # noqa: BLE001
            outcome.append((False, err))

    limit, stack = sys.getrecursionlimit(), threading.stack_size()
    try:
        threading.stack_size(_DEEP_STACK)
        sys.setrecursionlimit(limit + _FRAMES_PER_LEVEL * DECODE_DEPTH)
        worker = threading.Thread(target=run, name="deep-decode", daemon=True)
        worker.start()
        worker.join()
    except (RuntimeError, MemoryError, ValueError):
        raise ShapeError(f"nested too deeply to decode here (kubectl allows {DECODE_DEPTH} levels)") \
            from None
    finally:
        threading.stack_size(stack)
        sys.setrecursionlimit(limit)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]
