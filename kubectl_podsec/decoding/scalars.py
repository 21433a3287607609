"""YAML scalars resolved as kubectl resolves them: go-yaml v2's rules.

kubectl (and the API server) read YAML with sigs.k8s.io/yaml v1.6.0, which
decodes with go.yaml.in/yaml/v2 v2.4.4 into Go values and writes them as JSON
(yaml.go `yamlToJSONTarget`). A plain scalar is resolved by resolve.go
`resolve` (lines 86-197), whose rules differ from YAML 1.1 and 1.2 both:

* a table of exact words (resolve.go:37-48): `y Y yes Yes YES true True TRUE on
  On ON` are true, `n N no No NO false False FALSE off Off OFF` false, `"" ~
  null Null NULL` null, `.nan .inf -.inf +.inf` (three spellings each) floats,
  `<<` the merge key; only looked up when the first byte is one of `+-0-9
  yYnNtTfFoO~.` (resolve.go:21-30, 115-121), so `<<` as a value is a string;
* first byte `.`: Go's strconv.ParseFloat of the text (resolve.go:132-137),
  which allows `_` between digits;
* first byte a digit or sign: with `_` removed, Go's strconv.ParseInt(s, 0,
  64) (so `0777` is octal, `0o17`, `0x1F`, `0b101`), then ParseUint (a value
  above int64), then a float when the text matches `yamlStyleFloat` (`1e3`,
  `08`, `1.`), then `0b`/`-0b` with base 2 (resolve.go:139-191); a float out
  of range stays a string (`1e400`); sexagesimal `1:20` is a string
  (resolve.go:124-126); timestamps stay strings (decode.go:474-480), so only
  an explicit !!timestamp needs them told apart;
* anything else is a string.

An explicit tag resolves the text by the same rules and fails when the result
is of another kind (resolve.go:91-110, "cannot decode !!str `x` as a !!int"),
except that an int is accepted as a `!!float`; `!!str` and `!!binary`
(standard base64, decode.go:419-425) accept anything, and a tag go-yaml does
not resolve (`!foo`, `!!set`, `!`) leaves the text a string (resolve.go:87).

The JSON kubectl sends is that of the Go value read back by the unstructured
decoder (int64 when the number is an integer in range, else float64) and
written again: `json_number` gives the number that text stands for.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import math
import re
from decimal import Decimal
from typing import Any

PREFIX = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (PREFIX + t for t in ("str", "int", "float", "bool", "null"))
MERGE, BINARY, TIMESTAMP = (PREFIX + t for t in ("merge", "binary", "timestamp"))
RESOLVABLE = frozenset({"", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP})  # resolve.go resolvableTag

_WORDS: dict[str, tuple[str, Any]] = {}
for _tag, _value, _words in (
        (BOOL, True, "y Y yes Yes YES true True TRUE on On ON"),
        (BOOL, False, "n N no No NO false False FALSE off Off OFF"),
        (NULL, None, "~ null Null NULL"),
        (FLOAT, math.nan, ".nan .NaN .NAN"),
        (FLOAT, math.inf, ".inf .Inf .INF +.inf +.Inf +.INF"),
        (FLOAT, -math.inf, "-.inf -.Inf -.INF"),
        (MERGE, "<<", "<<")):
    _WORDS.update((word, (_tag, _value)) for word in _words.split())
_WORDS[""] = (NULL, None)

# resolve.go resolveTable: the hint given by a scalar's first byte.
HINTS = dict.fromkeys("+-", "S") | dict.fromkeys("0123456789", "D") \
    | dict.fromkeys("yYnNtTfFoO~", "M") | {".": "."}
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.(?=[0-9_]*[0-9])[0-9_]*([eE][-+]?[0-9][0-9_]*)?")
_BAD_UNDERSCORE = re.compile(r"(?:^|[^0-9])_|_(?:[^0-9]|$)")
_DIGITS = {2: re.compile(r"[01]+"), 8: re.compile(r"[0-7]+"), 10: re.compile(r"[0-9]+"),
           16: re.compile(r"[0-9a-fA-F]+")}
_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:([Tt])| +)([0-9][0-9]?):([0-9][0-9]?)"
                        r":([0-9][0-9]?)(?:[.,][0-9]+)?(Z|[-+][0-9][0-9]:[0-9][0-9])?)?")
INT64 = 1 << 63
_EXACT = float(1 << 53)  # below, a float's shortest digits are its integer


class Uint64(int):
    """An integer go-yaml reads as a uint64 (above int64): a JSON number, not a map key."""


class ResolveError(ValueError):
    """An explicitly tagged scalar whose text is of another kind."""


def short_tag(tag: str) -> str:
    return "!!" + tag[len(PREFIX):] if tag.startswith(PREFIX) else tag


def plain_tag(text: str) -> str:
    """The tag go-yaml resolves an untagged plain scalar to (a timestamp: !!str, as it is kept)."""
    hint = HINTS.get(text[:1]) if text else "M"
    if hint is None:
        return STR
    word = _WORDS.get(text)
    if word is not None:
        return word[0]
    if hint == "M":
        return STR
    return _number(text, hint, "")[0]


def resolve(tag: str, text: str) -> Any:
    """go-yaml's value for a scalar's text under `tag` ("" when plain and untagged)."""
    if tag not in RESOLVABLE:
        return decode_binary(text) if tag == BINARY else text
    if tag == TIMESTAMP and go_timestamp(text):  # kept as its text (decode.go:474-480)
        return text
    if tag == STR:
        return text
    hint = HINTS.get(text[:1]) if text else "M"
    rtag: str = STR
    value: Any = text
    if hint is not None:
        rtag, value = _WORDS.get(text) or ((STR, text) if hint == "M" else _number(text, hint, tag))
    if tag in ("", rtag):
        return value
    if tag == FLOAT and rtag == INT and type(value) is int:
        return float(value)
    raise ResolveError(f"cannot decode {short_tag(rtag)} `{text}` as a {short_tag(tag)}")


def _number(text: str, hint: str, tag: str) -> tuple[str, Any]:
    if hint == ".":
        value = go_parse_float(text)
        return (FLOAT, value) if value is not None else (STR, text)
    plain = text.replace("_", "")
    for signed in (True, False):
        number = go_parse_int(plain, 0, signed)
        if number is not None:
            return INT, number if -INT64 <= number < INT64 else Uint64(number)
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        value = float(plain)
        if math.isfinite(value):  # Go's ParseFloat fails out of range
            return FLOAT, value
    if plain.startswith("0b"):
        for signed in (True, False):
            number = go_parse_int(plain[2:], 2, signed)
            if number is not None:
                return INT, number if -INT64 <= number < INT64 else Uint64(number)
    elif plain.startswith("-0b"):
        number = go_parse_int("-" + plain[3:], 2, True)
        if number is not None:
            return INT, number
    return STR, text


def go_timestamp(text: str) -> bool:
    """resolve.go parseTimestamp: time.Parse with one of its four layouts (resolve.go:226-233):
    "2006-1-2T15:4:5.999999999Z07:00" (or a lower-case t), "2006-1-2 15:4:5.999999999",
    "2006-1-2"; time.Parse checks each field's range (time/format.go)."""
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return False
    year, month, day, t, hour, minute, second, zone = match.groups()
    if not 1 <= int(month) <= 12 or not 1 <= int(day) <= _days_in(int(month), int(year)):
        return False
    if hour is None:
        return True
    if (t is not None) != (zone is not None):  # a zone with T or t only, and always with them
        return False
    if int(hour) > 23 or int(minute) > 59 or int(second) > 59:
        return False
    return zone in (None, "Z") or (int(zone[1:3]) <= 24 and int(zone[4:6]) <= 60)


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def go_parse_int(text: str, base: int, signed: bool) -> int | None:
    """strconv.ParseInt (signed) or ParseUint with 64 bits; None where Go fails."""
    if not text:
        return None
    negative = False
    if signed and text[0] in "+-":
        negative, text = text[0] == "-", text[1:]
        if not text:
            return None
    if base == 0:
        base = 10
        if text[0] == "0":
            prefix = text[1:2].lower()
            if len(text) >= 3 and prefix in ("b", "o", "x"):
                base, text = {"b": 2, "o": 8, "x": 16}[prefix], text[2:]
            else:
                base, text = 8, text[1:]
                if not text:
                    return 0
    if not _DIGITS[base].fullmatch(text):
        return None
    if len(text) > 64 and len(text.lstrip("0")) > 64:  # out of range in any base (and too long for int())
        return None
    value = -int(text, base) if negative else int(text, base)
    if signed:
        return value if -INT64 <= value < INT64 else None
    return value if value < 1 << 64 else None


def go_parse_float(text: str) -> float | None:
    """strconv.ParseFloat(text, 64) for a text that starts with `.`."""
    if not _DOT_FLOAT.fullmatch(text) or ("_" in text and _BAD_UNDERSCORE.search(text)):
        return None
    value = float(text.replace("_", ""))
    return value if math.isfinite(value) else None


def decode_binary(text: str) -> str:
    """A !!binary scalar as go-yaml reads it: standard base64 (line breaks ignored), the bytes
    as a string, each byte that is not UTF-8 written as U+FFFD by Go's JSON encoder."""
    try:
        data = base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise ResolveError("!!binary value contains invalid base64 data") from None
    return data.decode("utf-8", "podsec-go-replace")


def _go_replace(err: UnicodeError) -> tuple[str, int]:
    """Go replaces an invalid sequence byte by byte (utf8.DecodeRune gives width 1)."""
    assert isinstance(err, UnicodeDecodeError)
    return "\ufffd", err.start + 1


codecs.register_error("podsec-go-replace", _go_replace)


def json_number(value: Any) -> Any:
    """The number kubectl sends for a decoded one (float or Uint64); other values as they are.

    Go writes a float64 without exponent below 1e21, in its shortest digits padded with zeros
    (9223372036854775808.0 is sent as 9223372036854776000), so an integral one reads back as
    an int64, or beyond as a float64 written again the same way; a uint64 reads back as a
    float64 (the unstructured decoder: int64 when it fits, else float64)."""
    kind = type(value)
    if kind is Uint64:
        value, kind = float(value), float
    if kind is float and value.is_integer() and abs(value) < 1e21:
        return int(value) if abs(value) < _EXACT else int(Decimal(repr(value)))
    return value
