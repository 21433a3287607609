"""Probe rules (validateProbe and the per-kind checks) after SetDefaults_Probe and
SetDefaults_HTTPGetAction."""

from __future__ import annotations

from . import formats
from .field import FieldError, GoJSON, forbidden, go_json, invalid, not_supported, required
from .source import Json, Reader

_PROBE_KEYS = ("exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds", "timeoutSeconds", "periodSeconds",
               "successThreshold", "failureThreshold", "terminationGracePeriodSeconds")
_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_HOOKS = ("exec", "httpGet", "tcpSocket", "sleep")
# SetDefaults_Probe fills these when they are 0.
_DEFAULTS = (("initialDelaySeconds", 0), ("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
             ("failureThreshold", 3))
NEGATIVE = "must be greater than or equal to 0"


def probe(r: Reader, spec: Json, path: str, kind: str) -> list[FieldError]:
    """validateLivenessProbe / validateReadinessProbe / validateStartupProbe."""
    r.only(spec, _PROBE_KEYS, path)
    errs = _handler(r, spec, path, _HANDLERS, grace=None)
    values: dict[str, int] = {}
    for key, default in _DEFAULTS:
        value = r.integer(spec, key, path, bits=32) or default
        values[key] = value
        if value < 0:
            errs.append(invalid(f"{path}.{key}", value, NEGATIVE))
    grace = r.integer(spec, "terminationGracePeriodSeconds", path)
    if grace is not None and grace <= 0:
        errs.append(invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than 0"))
    if kind in ("livenessProbe", "startupProbe") and values["successThreshold"] != 1:
        errs.append(invalid(f"{path}.successThreshold", values["successThreshold"], "must be 1"))
    if kind == "readinessProbe" and grace is not None:
        errs.append(invalid(f"{path}.terminationGracePeriodSeconds", GoJSON(str(grace)),
                            "must not be set for readinessProbes"))
    return errs


def lifecycle(r: Reader, spec: Json, path: str, grace: int) -> list[FieldError]:
    """validateLifecycle (`grace`: the pod's terminationGracePeriodSeconds after defaulting)."""
    r.only(spec, ("postStart", "preStop"), path)
    errs: list[FieldError] = []
    for key in ("postStart", "preStop"):
        hook = r.obj(spec, key, path)
        if hook is not None:
            r.only(hook, _HOOKS, f"{path}.{key}")
            errs += _handler(r, hook, f"{path}.{key}", _HOOKS, grace)
    return errs


def _handler(r: Reader, spec: Json, path: str, kinds: tuple[str, ...], grace: int | None) -> list[FieldError]:
    errs: list[FieldError] = []
    count = 0
    for key in kinds:
        action = r.obj(spec, key, path)
        if action is None:
            continue
        if count:
            errs.append(forbidden(f"{path}.{key}", "may not specify more than 1 handler type"))
            continue
        count += 1
        if key == "sleep":
            errs += _sleep(r, action, f"{path}.sleep", grace)
        else:
            errs += _ACTIONS[key](r, action, f"{path}.{key}")
    if not count:
        errs.append(required(path, "must specify a handler type"))
    return errs


def _exec(r: Reader, action: Json, path: str) -> list[FieldError]:
    r.only(action, ("command",), path)
    return [] if r.strs(action, "command", path) else [required(f"{path}.command")]


def _http_get(r: Reader, action: Json, path: str) -> list[FieldError]:
    r.only(action, ("path", "port", "host", "scheme", "httpHeaders"), path)
    r.string(action, "path", path)
    r.string(action, "host", path)
    errs = port_num_or_name(r, action.get("port"), f"{path}.port")
    scheme = r.string(action, "scheme", path) or "HTTP"
    if scheme not in ("HTTP", "HTTPS"):
        errs.append(not_supported(f"{path}.scheme", go_json(scheme), ("HTTP", "HTTPS")))
    for header in r.objs(action, "httpHeaders", path):
        name = r.string(header, "name", path)
        if not name or not all(c.isascii() and (c.isalnum() or c == "-") for c in name):
            r.doubt(f"{path}.httpHeaders: an invalid header name's message is not modelled")
    return errs


def _tcp_socket(r: Reader, action: Json, path: str) -> list[FieldError]:
    r.only(action, ("port", "host"), path)
    r.string(action, "host", path)
    return port_num_or_name(r, action.get("port"), f"{path}.port")


def _grpc(r: Reader, action: Json, path: str) -> list[FieldError]:
    r.only(action, ("port", "service"), path)
    r.opt_str(action, "service", path)
    port = r.integer(action, "port", path, bits=32) or 0
    return [invalid(f"{path}.port", port, m) for m in formats.port_number(port)]


def _sleep(r: Reader, action: Json, path: str, grace: int | None) -> list[FieldError]:
    r.only(action, ("seconds",), path)
    seconds = r.integer(action, "seconds", path) or 0
    if grace is not None and not 0 <= seconds <= grace:
        return [invalid(path, seconds, f"must be non-negative and less than terminationGracePeriodSeconds ({grace})")]
    return []


_ACTIONS = {"exec": _exec, "httpGet": _http_get, "tcpSocket": _tcp_socket, "grpc": _grpc}


def port_num_or_name(r: Reader, port: object, path: str) -> list[FieldError]:
    """ValidatePortNumOrName on an IntOrString (absent is the integer 0)."""
    if port is None:
        port = 0
    if isinstance(port, bool) or not isinstance(port, (int, str)) or (isinstance(port, int) and abs(port) >= 2**31):
        r.findings.wrong_type(f"{path}: not an int-or-string")
        return []
    if isinstance(port, int):
        return [invalid(path, port, m) for m in formats.port_number(port)]
    r.findings.text(port, path)
    return [invalid(path, port, m) for m in formats.port_name(port)]
