"""Go ``field.Path`` and ``field.Error`` rendering, byte for byte.

Upstream builds every PSP message with k8s.io/apimachinery/pkg/util/validation/field
(errors.go, path.go at v0.24.17); users compare our text with what the API server said,
so values are rendered the way Go's fmt renders them (``%q`` strings, ``%#v`` slices).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..pss.text import go_quote  # the project's one Go %q, with Go's own IsPrint table


@dataclass(frozen=True)
class Key:
    """A map key inside a path, rendered ``[key]`` without quotes (as Go does)."""

    name: str


Element = str | int | Key


@dataclass(frozen=True)
class Path:
    """An immutable field path: ``spec.containers[0].securityContext``."""

    elements: tuple[Element, ...] = ()

    @classmethod
    def of(cls, *names: str) -> Path:
        return cls(tuple(names))

    def child(self, *names: str) -> Path:
        return Path(self.elements + names)

    def index(self, i: int) -> Path:
        return Path(self.elements + (i,))

    def key(self, name: str) -> Path:
        return Path(self.elements + (Key(name),))

    def __str__(self) -> str:
        out: list[str] = []
        for element in self.elements:
            if isinstance(element, Key):
                out.append(f"[{element.name}]")
            elif isinstance(element, int):
                out.append(f"[{element}]")
            else:
                out.append(f".{element}" if out else element)
        return "".join(out)


@dataclass(frozen=True)
class GoSlice:
    """A Go slice value as ``%#v`` prints it: ``[]int64{1, 2}`` or ``[]int64(nil)``."""

    type_name: str
    items: tuple[int | str, ...] | None  # None is a nil slice, () an empty one

    def __str__(self) -> str:
        if self.items is None:
            return f"[]{self.type_name}(nil)"
        rendered = ", ".join(go_quote(i) if isinstance(i, str) else str(i) for i in self.items)
        return f"[]{self.type_name}{{{rendered}}}"


BadValue = None | bool | int | str | GoSlice

def render_value(value: BadValue) -> str:
    """How ``field.Error.ErrorBody`` prints a bad value (nil pointers become ``"null"``)."""
    if value is None:
        return '"null"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    return str(value)


class ErrorType(Enum):
    """The three field error kinds PSP produces, with Go's ``ErrorType.String()``."""

    INVALID = "Invalid value"
    REQUIRED = "Required value"
    FORBIDDEN = "Forbidden"


@dataclass(frozen=True)
class FieldError:
    """One upstream ``*field.Error``; ``str()`` is exactly its ``Error()`` text."""

    type: ErrorType
    path: str
    value: BadValue
    detail: str

    def __str__(self) -> str:
        body = self.type.value
        if self.type is ErrorType.INVALID:
            body += f": {render_value(self.value)}"
        if self.detail:
            body += f": {self.detail}"
        return f"{self.path}: {body}"


def invalid(path: Path, value: BadValue, detail: str) -> FieldError:
    return FieldError(ErrorType.INVALID, str(path), value, detail)


def required(path: Path, detail: str = "") -> FieldError:
    return FieldError(ErrorType.REQUIRED, str(path), None, detail)


def forbidden(path: Path, detail: str) -> FieldError:
    return FieldError(ErrorType.FORBIDDEN, str(path), None, detail)


def render_list(errors: tuple[str, ...] | list[str]) -> str:
    """Go's ``%v`` of a ``field.ErrorList``: ``[e1 e2]``, single spaces, no commas."""
    return "[" + " ".join(errors) + "]"
