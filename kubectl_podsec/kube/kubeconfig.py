"""Which cluster, user and namespace to use, resolved exactly as kubectl does.

client-go's rules (clientcmd.ClientConfigLoadingRules and ConfigOverrides):

* `--kubeconfig FILE` alone, which must exist; else every file in `KUBECONFIG`
  (missing ones skipped, duplicates dropped); else `~/.kube/config`.
* Merged first-wins: the first file to name a cluster, user or context keeps
  it, and the first file to set `current-context` decides it.
* Relative file paths (certificate-authority, client-certificate, client-key,
  tokenFile, and an exec command containing a slash) are relative to the file
  that holds them.
* `--context` picks the context; `--cluster` and `--user` replace its cluster
  and user; the namespace is the context's (default `default`).
* With no usable kubeconfig, the in-cluster configuration when running in a pod.

This module only reads files; `credentials.py` turns the result into TLS
settings and credentials, which `client.py` uses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, NamedTuple

import yaml

from ..errors import InputError

IN_CLUSTER_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
OVERRIDE_CONTEXT = "kubectl-podsec-override"


class Resolved(NamedTuple):
    """A kubeconfig ready for the client (or the in-cluster configuration)."""

    config: dict[str, Any] | None  # merged kubeconfig; None means in-cluster
    context: str | None  # the context to activate in `config`
    context_name: str  # as the user knows it, for messages
    namespace: str
    files: tuple[str, ...]  # where it came from, for messages
    origins: Mapping[str, str] = {}  # "clusters/NAME" (and users/, contexts/) -> the file it came from

    def origin(self, section: str, name: str) -> str:
        """Where an entry came from, for messages: its file (or every file read)."""
        return self.origins.get(f"{section}/{name}") or ", ".join(self.files) or "the kubeconfig"


def kubeconfig_files(explicit: str | None, environ: Mapping[str, str]) -> tuple[str, ...]:
    if explicit:
        path = os.path.expanduser(explicit)
        if not os.path.exists(path):
            raise InputError(f"--kubeconfig {explicit}", "no such file")
        return (path,)
    if environ.get("KUBECONFIG"):
        found: dict[str, None] = {}
        for part in environ["KUBECONFIG"].split(os.pathsep):
            path = os.path.expanduser(part) if part else ""
            if path and os.path.exists(path):
                found[path] = None
        return tuple(found)
    default = os.path.join(os.path.expanduser("~"), ".kube", "config")
    return (default,) if os.path.exists(default) else ()


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as err:
        raise InputError(path, f"cannot read kubeconfig: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise InputError(path, f"invalid kubeconfig: {_yaml_problem(err)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(path, "invalid kubeconfig: not a mapping")
    return data


def _yaml_problem(err: yaml.YAMLError) -> str:
    """The parser's complaint on one line, with where it is (the file is named by the caller)."""
    mark = getattr(err, "problem_mark", None)
    problem = str(getattr(err, "problem", None) or err).replace("\n", " ")
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem


def _absolute(base: str, value: Any) -> Any:
    if isinstance(value, str) and value and not os.path.isabs(value):
        return os.path.normpath(os.path.join(base, value))  # as Go's filepath.Join
    return value


def _resolve_paths(section: str, entry: dict[str, Any], base: str) -> dict[str, Any]:
    """The entry with its file references made absolute (client-go's ResolveLocalPaths)."""
    body = dict(entry.get(section[:-1]) or {})
    if section == "clusters":
        body["certificate-authority"] = _absolute(base, body.get("certificate-authority"))
    elif section == "users":
        for key in ("client-certificate", "client-key", "tokenFile"):
            body[key] = _absolute(base, body.get(key))
        exec_ = body.get("exec")
        if isinstance(exec_, dict) and "/" in str(exec_.get("command") or ""):
            body["exec"] = {**exec_, "command": _absolute(base, exec_["command"])}
    return {**entry, section[:-1]: {k: v for k, v in body.items() if v is not None}}


def merge(files: tuple[str, ...], origins: dict[str, str] | None = None) -> dict[str, Any]:
    """The files merged first-wins, as client-go does; `origins` learns which
    file each entry came from."""
    origins = {} if origins is None else origins
    merged: dict[str, Any] = {"clusters": [], "users": [], "contexts": []}
    seen: dict[str, set[str]] = {section: set() for section in merged}
    for path in files:
        data = _load(path)
        base = os.path.dirname(os.path.abspath(path))
        for section in ("clusters", "users", "contexts"):
            entries = data.get(section) or []
            if not isinstance(entries, list):
                raise InputError(path, f"invalid kubeconfig: {section} must be a list")
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                    raise InputError(path, f"invalid kubeconfig: every entry in {section} needs a name")
                body = entry.get(section[:-1])
                if body is not None and not isinstance(body, dict):
                    raise InputError(path, f'invalid kubeconfig: {section[:-1]} of "{entry["name"]}" '
                                           f"in {section} must be a mapping, not {_kind(body)}")
                if entry["name"] not in seen[section]:
                    seen[section].add(entry["name"])
                    origins[f'{section}/{entry["name"]}'] = path
                    merged[section].append(_resolve_paths(section, entry, base))
        if data.get("current-context") and "current-context" not in merged:
            merged["current-context"] = data["current-context"]
    return merged


def _kind(value: Any) -> str:
    """A YAML value's kind, as a user would name it."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string" if isinstance(value, str) else "a list"


def _named(config: dict[str, Any], section: str, name: str) -> dict[str, Any] | None:
    return next((e for e in config[section] if e["name"] == name), None)


def _in_cluster_possible(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("KUBERNETES_SERVICE_HOST") and environ.get("KUBERNETES_SERVICE_PORT")
                and os.path.exists(os.path.join(IN_CLUSTER_DIR, "token")))


def _in_cluster_namespace(environ: Mapping[str, str]) -> str:
    if environ.get("POD_NAMESPACE"):
        return environ["POD_NAMESPACE"]
    try:
        with open(os.path.join(IN_CLUSTER_DIR, "namespace"), encoding="utf-8") as f:
            return f.read().strip() or "default"
    except OSError:
        return "default"


def resolve(kubeconfig: str | None = None, context: str | None = None, cluster: str | None = None,
            user: str | None = None, environ: Mapping[str, str] | None = None) -> Resolved:
    """The configuration kubectl would use with these flags."""
    env = os.environ if environ is None else environ
    files = kubeconfig_files(kubeconfig, env)
    origins: dict[str, str] = {}
    config = merge(files, origins)
    where = ", ".join(files) if files else "no kubeconfig file"
    name = context or config.get("current-context") or ""
    if not name and not (cluster and user):
        if not kubeconfig and _in_cluster_possible(env):
            return Resolved(None, None, "in-cluster", _in_cluster_namespace(env), ())
        if not files:
            raise InputError("", "no cluster configured: no kubeconfig found (KUBECONFIG is unset or "
                                 "names no existing file, and there is no ~/.kube/config); "
                                 "pass --kubeconfig or set KUBECONFIG")
        raise InputError(where, "no current-context; pass --context")
    chosen: dict[str, Any] | None = (_named(config, "contexts", name) if name
                                     else {"name": name, "context": {}})
    if chosen is None:
        raise InputError("--context" if context else where,
                         f'context "{name}" not found in the kubeconfig ({where})')
    body = dict(chosen.get("context") or {})
    body["cluster"] = cluster or body.get("cluster")
    body["user"] = user or body.get("user")
    if not body["cluster"] or _named(config, "clusters", body["cluster"]) is None:
        flag = "--cluster" if cluster else f'context "{name}"'
        raise InputError(flag, f'cluster "{body["cluster"] or ""}" not found in the kubeconfig ({where})')
    if body["user"] and _named(config, "users", body["user"]) is None:
        flag = "--user" if user else f'context "{name}"'
        raise InputError(flag, f'user "{body["user"]}" not found in the kubeconfig ({where})')
    config["contexts"] = [*config["contexts"], {"name": OVERRIDE_CONTEXT, "context": body}]
    return Resolved(config, OVERRIDE_CONTEXT, name or "(none)", body.get("namespace") or "default",
                    files, origins)
