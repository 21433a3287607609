"""A typed, read-only view of the pod fields the checks look at.

The view is built once per pod from plain dicts (the Kubernetes JSON keys), so
the checks never guess at types. A field of the wrong JSON type is an error,
as it is for the API server's decoder; `None` (JSON null) is the same as an
absent field, and `false`, `0`, `""` and `{}` are present values.

Two readers build it: fast_view.py for pods of the plain decoded types (nearly
all), checked_view.py for the rest, which names the bad field by its path.
"""

from __future__ import annotations

from typing import Any

from .checked_view import checked_pod_metadata, checked_pod_spec
from .fast_view import Unusual, fast_pod_metadata, fast_pod_spec
from .view import (
    Capabilities, Container, ContainerSecurityContext, InvalidPodSpec, PodMetadata, PodSecurityContext,
    PodSpec, SELinuxOptions, Volume,
)

__all__ = [
    "Capabilities", "Container", "ContainerSecurityContext", "InvalidPodSpec", "PodMetadata",
    "PodSecurityContext", "PodSpec", "SELinuxOptions", "Volume", "pod_metadata", "pod_spec",
]


def pod_spec(value: Any, path: str = "spec") -> PodSpec:
    """The typed view of a pod spec dict; InvalidPodSpec names the bad field."""
    try:
        return fast_pod_spec(value)
    except Unusual:
        return checked_pod_spec(value, path)


def pod_metadata(value: Any, path: str = "metadata") -> PodMetadata:
    try:
        return fast_pod_metadata(value)
    except Unusual:
        return checked_pod_metadata(value, path)
