"""The PodSecurity plugin's configuration: cluster defaults and exemptions (pure).

Read from the API server's AdmissionConfiguration (plugins[name=PodSecurity])
or a bare PodSecurityConfiguration. Decoding is strict, as upstream's is:
unknown or duplicate fields and invalid values are errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .labels import MODES, PRIVILEGED_POLICY, Policy
from .pss import Level, LevelVersion, Version

ADMISSION_API_VERSIONS = (
    "apiserver.config.k8s.io/v1",
    "apiserver.config.k8s.io/v1alpha1",
    "apiserver.k8s.io/v1alpha1",
)
PSA_API_VERSIONS = (
    "pod-security.admission.config.k8s.io/v1",
    "pod-security.admission.config.k8s.io/v1beta1",
    "pod-security.admission.config.k8s.io/v1alpha1",
)
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class ConfigError(ValueError):
    """An invalid configuration; the message reads like upstream's field errors."""


@dataclass(frozen=True)
class PodSecurityConfig:
    defaults: Policy = PRIVILEGED_POLICY
    exempt_usernames: frozenset[str] = field(default_factory=frozenset)
    exempt_namespaces: frozenset[str] = field(default_factory=frozenset)
    exempt_runtime_classes: frozenset[str] = field(default_factory=frozenset)
    source: str | None = None  # None: the built-in default (no configuration given)

    def exemption(self, namespace: str, username: str | None, runtime_class: Any) -> str | None:
        """Which exemption applies, in upstream's order; empty strings never match."""
        if namespace and namespace in self.exempt_namespaces:
            return "namespace"
        if username and username in self.exempt_usernames:
            return "user"
        if isinstance(runtime_class, str) and runtime_class in self.exempt_runtime_classes:
            return "runtimeClass"
        return None


DEFAULT_CONFIG = PodSecurityConfig()


def _strict(obj: Any, path: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if obj is None:
        return {}
    if not isinstance(obj, Mapping):
        raise ConfigError(f"{path}: expected an object")
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise ConfigError(f'{path}: unknown field "{unknown[0]}"')
    return obj


def _defaults(obj: Any) -> Policy:
    fields = tuple(k for m in MODES for k in (m, f"{m}-version"))
    d = _strict(obj, "defaults", fields)
    modes = {}
    for mode in MODES:
        level, version = d.get(mode, "privileged"), d.get(f"{mode}-version", "latest")
        try:
            parsed_level = Level.parse(level if isinstance(level, str) else "")
        except ValueError as err:
            raise ConfigError(f'defaults.{mode}: Invalid value: "{level}": {err}') from None
        try:
            parsed_version = Version.parse(version if isinstance(version, str) else "")
        except ValueError as err:
            raise ConfigError(f'defaults.{mode}-version: Invalid value: "{version}": {err}') from None
        modes[mode] = LevelVersion(parsed_level, parsed_version)
    return Policy(modes["enforce"], modes["audit"], modes["warn"])


def _names(obj: Any, path: str, pattern: re.Pattern[str] | None) -> frozenset[str]:
    if obj is None:
        return frozenset()
    if not isinstance(obj, list):
        raise ConfigError(f"{path}: expected a list")
    seen: set[str] = set()
    for i, name in enumerate(obj):
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{path}[{i}]: Invalid value: {name!r}: must be a non-empty string")
        if pattern is not None and (len(name) > 253 or not pattern.match(name)):
            raise ConfigError(f'{path}[{i}]: Invalid value: "{name}": must be a valid name')
        if name in seen:
            raise ConfigError(f'{path}[{i}]: Duplicate value: "{name}"')
        seen.add(name)
    return frozenset(seen)


def pod_security_config(doc: Any, source: str | None = None) -> PodSecurityConfig:
    """Parse a PodSecurityConfiguration object."""
    d = _strict(doc, "PodSecurityConfiguration", ("apiVersion", "kind", "defaults", "exemptions"))
    if d.get("kind") != "PodSecurityConfiguration" or d.get("apiVersion") not in PSA_API_VERSIONS:
        raise ConfigError(
            f'expected kind PodSecurityConfiguration with apiVersion one of {", ".join(PSA_API_VERSIONS)}, '
            f'got {d.get("kind")!r} {d.get("apiVersion")!r}'
        )
    ex = _strict(d.get("exemptions"), "exemptions", ("usernames", "namespaces", "runtimeClasses"))
    return PodSecurityConfig(
        defaults=_defaults(d.get("defaults")),
        exempt_usernames=_names(ex.get("usernames"), "exemptions.usernames", None),
        exempt_namespaces=_names(ex.get("namespaces"), "exemptions.namespaces", _DNS_LABEL),
        exempt_runtime_classes=_names(
            ex.get("runtimeClasses"), "exemptions.runtimeClasses", _DNS_SUBDOMAIN
        ),
        source=source,
    )


def pod_security_plugin(doc: Any) -> Mapping[str, Any] | str | None:
    """From an AdmissionConfiguration: the PodSecurity plugin's inline
    configuration, or the `path` it names, or None when the plugin is absent."""
    d = _strict(doc, "AdmissionConfiguration", ("apiVersion", "kind", "plugins"))
    if d.get("kind") != "AdmissionConfiguration" or d.get("apiVersion") not in ADMISSION_API_VERSIONS:
        raise ConfigError("expected kind AdmissionConfiguration (apiserver.config.k8s.io/v1)")
    plugins = d.get("plugins") or []
    if not isinstance(plugins, list):
        raise ConfigError("plugins: expected a list")
    for i, plugin in enumerate(plugins):
        p = _strict(plugin, f"plugins[{i}]", ("name", "path", "configuration"))
        if p.get("name") != "PodSecurity":
            continue
        if p.get("configuration") is not None:
            return p["configuration"]  # type: ignore[no-any-return]
        if isinstance(p.get("path"), str) and p["path"]:
            return str(p["path"])
        raise ConfigError(f"plugins[{i}]: PodSecurity has neither configuration nor path")
    return None
