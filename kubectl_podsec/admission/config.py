"""The PodSecurity plugin's configuration: cluster defaults and exemptions (pure).

Read from the API server's AdmissionConfiguration (plugins[name=PodSecurity])
or a bare PodSecurityConfiguration. Decoding is strict, as upstream's is:
unknown or duplicate fields and invalid values are errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from .labels import MODES, PRIVILEGED_POLICY, Policy
from ..pss import Level, LevelVersion, Version
from ..pss.text import go_quote

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
_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
_DNS_LABEL = re.compile(_LABEL_FMT)
_DNS_SUBDOMAIN = re.compile(_SUBDOMAIN_FMT)


class ConfigError(ValueError):
    """An invalid configuration; the message reads like upstream's field errors."""


class PodSecurityConfig(NamedTuple):
    defaults: Policy = PRIVILEGED_POLICY
    exempt_usernames: frozenset[str] = frozenset()
    exempt_namespaces: frozenset[str] = frozenset()
    exempt_runtime_classes: frozenset[str] = frozenset()
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


def _invalid(path: str, value: Any, detail: str) -> str:
    return f"{path}: Invalid value: {go_quote(str(value))}: {detail}"


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    shown = "".join(f"{' or ' if i else ''}'{e}', " for i, e in enumerate(examples))
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def _dns_label_errors(value: str) -> list[str]:
    """apimachinery's IsDNS1123Label, message for message."""
    errs = ["must be no more than 63 characters"] if len(value) > 63 else []
    if not _DNS_LABEL.fullmatch(value):
        errs.append("must not contain dots" if _DNS_SUBDOMAIN.fullmatch(value) else _regex_error(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
            "'-', and must start and end with an alphanumeric character",
            _LABEL_FMT, "my-name", "123-abc"))
    return errs


def _dns_subdomain_errors(value: str) -> list[str]:
    errs = ["must be no more than 253 characters"] if len(value) > 253 else []
    if not _DNS_SUBDOMAIN.fullmatch(value):
        errs.append(_regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character",
            _SUBDOMAIN_FMT, "example.com"))
    return errs


def _username_errors(value: str) -> list[str]:
    return [] if value else ["username must not be empty"]


def _defaults(obj: Any, errors: list[str]) -> Policy:
    fields = tuple(k for m in MODES for k in (m, f"{m}-version"))
    d = _strict(obj, "defaults", fields)
    values = {}
    for key in fields:  # defaulting fills missing and empty values
        value = d.get(key)
        values[key] = value if isinstance(value, str) and value else (
            "latest" if key.endswith("-version") else "privileged")
    modes = {}
    for mode in ("enforce", "warn", "audit"):  # upstream's validation order
        level, version = values[mode], values[f"{mode}-version"]
        try:
            parsed_level = Level.parse(level)
        except ValueError as err:
            errors.append(_invalid(f"defaults.{mode}", level, str(err)))
            parsed_level = Level.PRIVILEGED
        try:
            parsed_version = Version.parse(version)
        except ValueError as err:
            errors.append(_invalid(f"defaults.{mode}-version", version, str(err)))
            parsed_version = Version.latest()
        modes[mode] = LevelVersion(parsed_level, parsed_version)
    return Policy(modes["enforce"], modes["audit"], modes["warn"])


def _names(obj: Any, path: str, validate: Callable[[str], list[str]],
           errors: list[str]) -> frozenset[str]:
    if obj is None:
        return frozenset()
    if not isinstance(obj, list):
        raise ConfigError(f"{path}: expected a list")
    seen: set[str] = set()
    for i, name in enumerate(obj):
        if not isinstance(name, str):
            raise ConfigError(f"{path}[{i}]: expected a string")
        problems = validate(name)
        if problems:
            errors.append(_invalid(f"{path}[{i}]", name, ", ".join(problems)))
        elif name in seen:
            errors.append(f"{path}[{i}]: Duplicate value: {go_quote(name)}")
        else:
            seen.add(name)
    return frozenset(seen)


def _type_meta(d: Mapping[str, Any], kind: str, versions: tuple[str, ...]) -> None:
    # The decoder's own words when the type is missing or unknown.
    if not d.get("kind"):
        raise ConfigError(f"Object 'Kind' is missing in '{json.dumps(d, separators=(',', ':'))}'")
    if not d.get("apiVersion"):
        raise ConfigError(f"Object 'apiVersion' is missing in '{json.dumps(d, separators=(',', ':'))}'")
    if d.get("kind") != kind or d.get("apiVersion") not in versions:
        raise ConfigError(f"expected kind {kind} with apiVersion one of {', '.join(versions)}, "
                          f"got {d.get('kind')} {d.get('apiVersion')}")


def pod_security_config(doc: Any, source: str | None = None) -> PodSecurityConfig:
    """Parse and validate a PodSecurityConfiguration object."""
    d = _strict(doc, "PodSecurityConfiguration", ("apiVersion", "kind", "defaults", "exemptions"))
    _type_meta(d, "PodSecurityConfiguration", PSA_API_VERSIONS)
    ex = _strict(d.get("exemptions"), "exemptions", ("usernames", "namespaces", "runtimeClasses"))
    errors: list[str] = []
    defaults = _defaults(d.get("defaults"), errors)
    namespaces = _names(ex.get("namespaces"), "exemptions.namespaces", _dns_label_errors, errors)
    classes = _names(ex.get("runtimeClasses"), "exemptions.runtimeClasses", _dns_subdomain_errors, errors)
    usernames = _names(ex.get("usernames"), "exemptions.usernames", _username_errors, errors)
    if errors:
        raise ConfigError(errors[0] if len(errors) == 1 else "[" + ", ".join(dict.fromkeys(errors)) + "]")
    return PodSecurityConfig(defaults, usernames, namespaces, classes, source)


def pod_security_plugin(doc: Any) -> Mapping[str, Any] | str | None:
    """From an AdmissionConfiguration: the PodSecurity plugin's inline
    configuration, or the `path` it names, or None when the plugin is absent."""
    d = _strict(doc, "AdmissionConfiguration", ("apiVersion", "kind", "plugins"))
    _type_meta(d, "AdmissionConfiguration", ADMISSION_API_VERSIONS)
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
