"""resource.Quantity's UnmarshalJSON (apimachinery v0.37.2 api/resource/quantity.go), for
the decoding errors it returns: the raw JSON text, quotes off and spaces trimmed, goes to
ParseQuantity, whose errors carry no field.

Only the outcomes read exactly from parseQuantityString and suffixHandler.interpret are
given; a number that would take ParseQuantity's slow path (inf.Dec) is left unknown.
"""

from __future__ import annotations

import re
from enum import Enum

FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
SUFFIX_WRONG = "unable to parse quantity's suffix"

_DIGITS = frozenset("0123456789")
_SUFFIX_RUNES = frozenset("eEinumkKMGTP")
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = frozenset({"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"})
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


class Parsed(Enum):
    OK = "ok"
    UNKNOWN = "unknown"


def parse(text: str) -> str | Parsed:
    """ParseQuantity(text): the error's text, Parsed.OK, or Parsed.UNKNOWN."""
    if text == "":
        return FORMAT_WRONG
    if text == "0":
        return Parsed.OK
    split = _split(text)
    if isinstance(split, str):
        return split
    number, num, denom, suffix = split
    exponent = _exponent(suffix)
    if exponent is None:
        return Parsed.UNKNOWN if _big_exponent(suffix) else SUFFIX_WRONG
    binary = suffix in _BINARY
    fast = len(num) + len(denom) <= 15 and not (binary and denom) and (binary or exponent - len(denom) >= -9)
    # The slow path reads the number with inf.Dec SetString, which takes plain decimals.
    return Parsed.OK if fast or _PLAIN_NUMBER.fullmatch(number) else Parsed.UNKNOWN


def _run(text: str, pos: int, runes: frozenset[str]) -> int:
    while pos < len(text) and text[pos] in runes:
        pos += 1
    return pos


def _split(text: str) -> tuple[str, str, str, str] | str:
    """parseQuantityString: (number, numerator, denominator, suffix), or the error's text."""
    pos = 1 if text[0] in "+-" else 0
    start = pos = _run(text, pos, frozenset("0"))
    if pos >= len(text):
        return text, "0", "", ""
    pos = _run(text, pos, _DIGITS)
    num, denom = text[start:pos] or "0", ""
    if pos < len(text) and text[pos] == ".":
        end = _run(text, pos + 1, _DIGITS)
        denom, pos = text[pos + 1:end], end
    suffix_start = pos
    pos = _run(text, pos, _SUFFIX_RUNES)
    if pos < len(text) and text[pos] in "+-":
        pos += 1
    pos = _run(text, pos, _DIGITS)
    if pos < len(text):
        return FORMAT_WRONG  # a rune that is no exponent digit after the suffix
    return text[:suffix_start], num, denom, text[suffix_start:]


def _exponent(suffix: str) -> int | None:
    """suffixHandler.interpret's decimal exponent (binary suffixes: 0), or None when it fails
    or the exponent is too long to follow here."""
    if suffix in _DECIMAL:
        return _DECIMAL[suffix]
    if suffix in _BINARY:
        return 0
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:].lstrip("+-") if suffix[1:2] in ("+", "-") else suffix[1:]
        if digits and set(digits) <= _DIGITS and len(suffix) - len(digits) <= 2 and len(digits) <= 2:
            return -int(digits) if suffix[1] == "-" else int(digits)
    return None


def _big_exponent(suffix: str) -> bool:
    """An exponent strconv.ParseInt reads but too long to follow here."""
    if len(suffix) < 2 or suffix[0] not in "eE":
        return False
    body = suffix[2:] if suffix[1] in "+-" else suffix[1:]
    return bool(body) and set(body) <= _DIGITS
