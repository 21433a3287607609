"""Field errors as apimachinery's field.Error renders them, and the aggregate message.

`FieldError.text` is `field.Error.Error()`; `invalid_message` is what `errors.NewInvalid`
puts in the Status (`Pod "p" is invalid: ...`), after `ErrorList.ToAggregate` dropped
repeated texts.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from typing import NamedTuple, Union


class ErrorType(enum.Enum):
    """field.ErrorType: the wire name (a Status cause's `reason`) and the text it prints as."""

    NOT_FOUND = ("FieldValueNotFound", "Not found")
    REQUIRED = ("FieldValueRequired", "Required value")
    DUPLICATE = ("FieldValueDuplicate", "Duplicate value")
    INVALID = ("FieldValueInvalid", "Invalid value")
    NOT_SUPPORTED = ("FieldValueNotSupported", "Unsupported value")
    FORBIDDEN = ("FieldValueForbidden", "Forbidden")
    TOO_LONG = ("FieldValueTooLong", "Too long")

    @property
    def reason(self) -> str:
        return self.value[0]

    @property
    def text(self) -> str:
        return self.value[1]


# Values are NamedTuples, not dataclasses: every check imports this engine, and a frozen
# dataclass costs several times a NamedTuple to define.
class GoJSON(NamedTuple):
    """A value Go prints with json.Marshal (structs, maps, pointers): the JSON text itself."""

    text: str


Value = Union[None, bool, int, str, GoJSON]


class FieldError(NamedTuple):
    field: str
    type: ErrorType
    value: Value
    detail: str

    @property
    def body(self) -> str:
        """field.Error.ErrorBody()."""
        if self.type in (ErrorType.REQUIRED, ErrorType.FORBIDDEN, ErrorType.TOO_LONG):
            text = self.type.text
        else:
            text = f"{self.type.text}: {render(self.value)}"
        return f"{text}: {self.detail}" if self.detail else text

    @property
    def text(self) -> str:
        return f"{self.field}: {self.body}"

    @property
    def bad_value(self) -> object:
        """The value as data (a Status cause does not carry it; reports may)."""
        return json.loads(self.value.text) if isinstance(self.value, GoJSON) else self.value


def render(value: Value) -> str:
    """How field.Error prints a bad value: simple types with %v / %q, the rest as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, GoJSON):
        return value.text
    return "null"


_QUOTE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                  "\v": "\\v", "\\": "\\\\", '"': '\\"'}


def is_plain(text: str) -> bool:
    """ASCII: strings Go's %q and json.Marshal print as modelled here (other runes depend on
    unicode.IsPrint and are not modelled)."""
    return text.isascii()


def go_quote(text: str) -> str:
    """strconv.Quote for ASCII text."""
    out = []
    for char in text:
        if char in _QUOTE_ESCAPES:
            out.append(_QUOTE_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def go_json(value: object) -> GoJSON:
    """json.Marshal: dicts in their order (sort a Go map's keys first), HTML characters and
    control characters as \\u escapes."""
    return GoJSON(_json(value))


def _json(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json_string(str(k))}:{_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json(v) for v in value) + "]"
    raise TypeError(f"no JSON form modelled for {type(value).__name__}")


def _json_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif ord(char) < 0x20 or char in "<>&":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def aggregate(errors: Iterable[FieldError]) -> str:
    """ToAggregate's text: duplicates dropped, one error bare, several as `[a, b]`."""
    seen: dict[str, None] = {}
    for error in errors:
        seen.setdefault(error.text)
    texts = list(seen)
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


def invalid_message(kind: str, name: str, errors: Iterable[FieldError]) -> str:
    """errors.NewInvalid's Status message, e.g. `Deployment.apps "web" is invalid: ...`."""
    return f"{kind} {go_quote(name)} is invalid: {aggregate(errors)}"


class Findings:
    """What a validation run collects: the errors in the server's order, and every reason
    the message might not be the server's exactly (a part not modelled, an order Go leaves
    to map iteration). Errors found are certain; completeness is what `doubts` qualifies."""

    __slots__ = ("doubts", "undecodable")

    def __init__(self) -> None:
        self.doubts: list[str] = []
        self.undecodable = False  # the server fails to decode the object: a 400, not a 422

    def doubt(self, reason: str) -> None:
        if reason not in self.doubts:
            self.doubts.append(reason)

    def wrong_type(self, reason: str) -> None:
        self.undecodable = True
        self.doubt(reason)

    def text(self, value: str, where: str) -> str:
        """A string that goes into a message: exact only when Go would print it as we do."""
        if not is_plain(value):
            self.doubt(f"{where}: characters whose quoting is not modelled")
        return value


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(path, ErrorType.REQUIRED, "", detail)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(path, ErrorType.FORBIDDEN, "", detail)


def invalid(path: str, value: Value, detail: str) -> FieldError:
    return FieldError(path, ErrorType.INVALID, value, detail)


def duplicate(path: str, value: Value) -> FieldError:
    return FieldError(path, ErrorType.DUPLICATE, value, "")


def not_found(path: str, value: Value) -> FieldError:
    return FieldError(path, ErrorType.NOT_FOUND, value, "")


def not_supported(path: str, value: Value, supported: Iterable[str]) -> FieldError:
    listed = ", ".join(go_quote(s) for s in supported)
    return FieldError(path, ErrorType.NOT_SUPPORTED, value, f"supported values: {listed}" if listed else "")


def too_long(path: str, limit: int) -> FieldError:
    unit = "byte" if limit == 1 else "bytes"
    return FieldError(path, ErrorType.TOO_LONG, "<value omitted>", f"may not be more than {limit} {unit}")
