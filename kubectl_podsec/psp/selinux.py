"""The seLinux strategy (upstream selinux/mustrunas.go; RunAsAny does nothing)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, Path, invalid, required
from .policy import MUST_RUN_AS, SELinuxStrategy

_FIELDS = ("level", "role", "type", "user")  # upstream's check order


def generate(strategy: SELinuxStrategy) -> dict[str, str] | None:
    """The options MustRunAs writes at pod level when the pod sets none (JSON omits "")."""
    if strategy.rule != MUST_RUN_AS or strategy.options is None:
        return None
    options = strategy.options
    written = {"user": options.user, "role": options.role, "type": options.type,
               "level": options.level}
    return {key: value for key, value in written.items() if value}


def validate(strategy: SELinuxStrategy, path: Path,
             options: Mapping[str, Any] | None) -> list[FieldError]:
    if strategy.rule != MUST_RUN_AS or strategy.options is None:
        return []
    if options is None:
        return [required(path)]
    errors = []
    for name in _FIELDS:
        expected = getattr(strategy.options, name)
        actual = options.get(name) or ""
        same = _equal_levels(expected, actual) if name == "level" else expected == actual
        if not same:
            errors.append(invalid(path.child(name), actual, f"must be {expected}"))
    return errors


def _equal_levels(expected: str, actual: str) -> bool:
    """``s0:c1,c2`` equals ``s0:c2,c1``: categories compare as sorted lists."""
    if expected == actual:
        return True
    expected_parts = expected.split(":", 1)
    actual_parts = actual.split(":", 1)
    if len(expected_parts) != 2 or len(actual_parts) != 2:
        return False
    if expected_parts[0] != actual_parts[0]:
        return False
    return sorted(expected_parts[1].split(",")) == sorted(actual_parts[1].split(","))
