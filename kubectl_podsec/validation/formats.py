"""String formats and their messages, from apimachinery's util/validation and
api/validate/content (names, label keys and values, ports, IDs).

Two MaxLenError texts exist upstream: util/validation says "characters" (DNS names, port
names), api/validate/content says "bytes" (label keys and values).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = _DNS1123_LABEL + "(\\." + _DNS1123_LABEL + ")*"
_LABEL_RE = re.compile(f"^{_DNS1123_LABEL}$")
_SUBDOMAIN_RE = re.compile(f"^{_DNS1123_SUBDOMAIN}$")
_LABEL_ERR = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
              "and must start and end with an alphanumeric character")
_SUBDOMAIN_ERR = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                  "'-' or '.', and must start and end with an alphanumeric character")

_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_KEY_RE = re.compile(f"^{_KEY_FMT}$")
_KEY_ERR = ("must consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character")
_VALUE_FMT = f"({_KEY_FMT})?"
_VALUE_RE = re.compile(f"^{_VALUE_FMT}$")
_VALUE_ERR = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
              "and must start and end with an alphanumeric character")

_PORT_NAME_CHARSET = re.compile("^[-a-z0-9]+$")
_HAS_LETTER = re.compile("[a-z]")
MAX_INT32 = 2**31 - 1


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len_characters(length: int) -> str:
    return f"must be no more than {length} characters"


def max_len_bytes(length: int) -> str:
    return f"must be no more than {length} bytes"


def inclusive_range(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


def _remember_valid(check: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """`check`, answering at once for a string it found valid before: names, label keys and
    values repeat across the objects of a run."""
    valid: set[str] = set()

    def remembered(value: str) -> list[str]:
        if value in valid:
            return []
        errs = check(value)
        if not errs:
            if len(valid) >= 4096:
                valid.clear()
            valid.add(value)
        return errs
    remembered.__doc__ = check.__doc__
    return remembered


def _match(regex: re.Pattern[str], value: str) -> bool:
    # Go's `$` matches only at the very end; Python's also before a final newline.
    return regex.fullmatch(value) is not None


@_remember_valid
def dns1123_label(value: str) -> list[str]:
    """util/validation.IsDNS1123Label."""
    errs = [max_len_characters(63)] if len(value) > 63 else []
    if not _match(_LABEL_RE, value):
        if _match(_SUBDOMAIN_RE, value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_LABEL_ERR, _DNS1123_LABEL, "my-name", "123-abc"))
    return errs


@_remember_valid
def dns1123_subdomain(value: str) -> list[str]:
    """util/validation.IsDNS1123Subdomain."""
    errs = [max_len_characters(253)] if len(value) > 253 else []
    if not _match(_SUBDOMAIN_RE, value):
        errs.append(regex_error(_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN, "example.com"))
    return errs


def _content_subdomain(value: str) -> list[str]:
    """content.IsDNS1123Subdomain (the label-key prefix): the same regex, "bytes" for length."""
    errs = [max_len_bytes(253)] if len(value) > 253 else []
    if not _match(_SUBDOMAIN_RE, value):
        errs.append(regex_error(_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN, "example.com"))
    return errs


@_remember_valid
def label_key(value: str) -> list[str]:
    """content.IsLabelKey (IsQualifiedName)."""
    parts = value.split("/")
    errs: list[str] = []
    if len(parts) > 2:
        return ["a valid label key " + regex_error(_KEY_ERR, _KEY_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in _content_subdomain(prefix))
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + max_len_bytes(63))
    if not _match(_KEY_RE, name):
        errs.append("name part " + regex_error(_KEY_ERR, _KEY_FMT, "MyName", "my.name", "123-abc"))
    return errs


@_remember_valid
def label_value(value: str) -> list[str]:
    """content.IsLabelValue."""
    errs = [max_len_bytes(63)] if len(value) > 63 else []
    if not _match(_VALUE_RE, value):
        errs.append(regex_error(_VALUE_ERR, _VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


@_remember_valid
def port_name(port: str) -> list[str]:
    """util/validation.IsValidPortName."""
    errs = [max_len_characters(15)] if len(port) > 15 else []
    if not _match(_PORT_NAME_CHARSET, port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _HAS_LETTER.search(port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_number(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [inclusive_range(1, 65535)]


def id_range(value: int) -> list[str]:
    """IsValidUserID / IsValidGroupID: 0 to MaxInt32."""
    return [] if 0 <= value <= MAX_INT32 else [inclusive_range(0, MAX_INT32)]
