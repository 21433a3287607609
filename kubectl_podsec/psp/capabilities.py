"""Capabilities: defaultAddCapabilities, requiredDropCapabilities, allowedCapabilities.

Upstream: pkg/security/podsecuritypolicy/capabilities/capabilities.go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, GoSlice, Path, invalid
from .policy import PodSecurityPolicy

ALLOW_ALL = "*"


def generate(psp: PodSecurityPolicy, current: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The container's new ``capabilities``, or None when upstream keeps the current object.

    When a default add or a required drop is missing, upstream writes a fresh object whose
    lists are de-duplicated and sorted (the user's entries too) and omits an empty list.
    """
    add = set((current or {}).get("add") or ())
    drop = set((current or {}).get("drop") or ())
    combined_add = (set(psp.default_add_capabilities) - drop) | add
    combined_drop = set(psp.required_drop_capabilities) | drop
    if len(combined_add) == len(add) and len(combined_drop) == len(drop):
        return None
    written: dict[str, Any] = {}
    if combined_add:
        written["add"] = sorted(combined_add)
    if combined_drop:
        written["drop"] = sorted(combined_drop)
    return written


def validate(psp: PodSecurityPolicy, path: Path,
             capabilities: Mapping[str, Any] | None) -> list[FieldError]:
    if capabilities is None:
        if not psp.default_add_capabilities and not psp.required_drop_capabilities:
            return []
        return [invalid(path, None, "required capabilities are not set on the securityContext")]
    if ALLOW_ALL in psp.allowed_capabilities:
        return []  # upstream skips the required-drop check too
    errors = []
    may_add = set(psp.default_add_capabilities) | set(psp.allowed_capabilities)
    for capability in capabilities.get("add") or ():
        if capability not in may_add:
            errors.append(invalid(path.child("add"), capability, "capability may not be added"))
    drops = capabilities.get("drop")
    shown = GoSlice("core.Capability", None if drops is None else tuple(drops))
    for required_drop in psp.required_drop_capabilities:
        if required_drop not in (drops or ()):
            errors.append(invalid(path.child("drop"), shown,
                                  f"{required_drop} is required to be dropped but was not found"))
    return errors
