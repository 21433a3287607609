"""Which policy a namespace gets (pure): its labels (from the input's or the
cluster's Namespace objects), else the assumed `--namespace-labels`, else the
cluster defaults of the admission configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from .config import DEFAULT_CONFIG, PodSecurityConfig
from .labels import LabelError, Policy, policy_from_labels, warn_follows_enforce


class PolicyChoice(NamedTuple):
    """The policy an object's namespace gets, and where it came from."""

    policy: Policy | None  # None with --level
    source: str
    label_errors: tuple[LabelError, ...] = ()


class PolicyResolver:
    """Namespace -> policy: labels from the input's (or the cluster's) Namespace
    objects, else the assumed `--namespace-labels`, else the cluster defaults."""

    def __init__(self, config: PodSecurityConfig = DEFAULT_CONFIG,
                 namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
                 assumed_labels: Mapping[str, str] | None = None,
                 labels_origin: str | Callable[[str], str] = "Namespace object in the input",
                 server_minor: int | None = None) -> None:
        self.config = config
        self.namespace_labels = {} if namespace_labels is None else namespace_labels  # may be lazy
        self.assumed_labels = assumed_labels
        self.labels_origin = labels_origin
        self.server_minor = server_minor  # the API server's minor version, where known
        self._cache: dict[str, PolicyChoice] = {}

    def defaults_source(self) -> str:
        if self.config.source is None:
            return "built-in defaults (privileged:latest; pass --admission-config for the cluster's)"
        return f"cluster defaults from {self.config.source}"

    def choose(self, namespace: str) -> PolicyChoice:
        if namespace not in self._cache:
            self._cache[namespace] = self._choose(namespace)
        return self._cache[namespace]

    def _choose(self, namespace: str) -> PolicyChoice:
        if namespace in self.namespace_labels:
            where = self.labels_origin(namespace) if callable(self.labels_origin) else self.labels_origin
            labels, origin = self.namespace_labels[namespace], f"labels of {where}"
        elif self.assumed_labels is not None:
            labels, origin = self.assumed_labels, "--namespace-labels"
        else:
            return PolicyChoice(self.config.defaults, self.defaults_source())
        policy, errors = policy_from_labels(labels, self.config.defaults,
                                            warn_follows_enforce(self.server_minor))
        if not any(k.startswith("pod-security.kubernetes.io/") for k in labels):
            origin = f"{self.defaults_source()} (namespace has no pod-security labels)"
        return PolicyChoice(policy, origin, errors)
