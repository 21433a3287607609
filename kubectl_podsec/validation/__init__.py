"""Offline validation of pod-bearing objects as the v1.37 API server validates them on create.

    from kubectl_podsec.validation import validate
    result = validate(deployment_dict)
    result.valid      # False: the server rejects it; True: no rule fails; None: cannot tell
    result.message    # the server's message, byte for byte, when it is known exactly
    result.errors     # the field errors, in the server's order

Decoding comes first (decode.py: a value of the wrong JSON type, or a key no Go field has,
fails the create with the decoder's message before any rule is checked).
Errors found are certain (each rule is read from pkg/apis/{core,apps,batch}/validation). The
message is given only when every part of the object is modelled: anything else (a field whose
rules are not modelled, an order Go leaves to map iteration) is listed in `doubts`.
Pure: standard library only.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from . import batch, plain, plain_workloads, statefulset, workloads
from .decode import decode
from .field import ErrorType, FieldError, Findings, GoJSON, invalid_message
from .source import Reader

__all__ = ["ErrorType", "FieldError", "GoJSON", "KINDS", "SERVER_MINOR", "Validation", "validate", "validate_exactly"]

SERVER_MINOR = 37  # the API server release whose rules these are (v1.37.2)


class Validation(NamedTuple):
    valid: bool | None
    message: str | None
    errors: tuple[FieldError, ...]
    doubts: tuple[str, ...]

    @property
    def exact(self) -> bool:
        return not self.doubts

    def to_dict(self) -> dict[str, Any]:
        """The report's `validation`: the verdict, the server's message, each field error."""
        out: dict[str, Any] = {
            "valid": self.valid, "message": self.message,
            "errors": [{"field": e.field, "type": e.type.reason, "value": e.bad_value, "detail": e.detail}
                       for e in self.errors]}
        if self.doubts:
            out["notModelled"] = list(self.doubts)
        return out


class Kind(NamedTuple):
    qualified: str  # the GroupKind as errors.NewInvalid prints it
    check: Callable[[Reader, Mapping[str, Any]], list[FieldError]]


KINDS: Mapping[tuple[str, str], Kind] = {
    ("v1", "Pod"): Kind("Pod", workloads.pod),
    ("v1", "PodTemplate"): Kind("PodTemplate", workloads.pod_template),
    ("v1", "ReplicationController"): Kind("ReplicationController", workloads.replication_controller),
    ("apps/v1", "ReplicaSet"): Kind("ReplicaSet.apps", workloads.replica_set),
    ("apps/v1", "Deployment"): Kind("Deployment.apps", workloads.deployment),
    ("apps/v1", "StatefulSet"): Kind("StatefulSet.apps", statefulset.stateful_set),
    ("apps/v1", "DaemonSet"): Kind("DaemonSet.apps", workloads.daemon_set),
    ("batch/v1", "Job"): Kind("Job.batch", batch.job),
    ("batch/v1", "CronJob"): Kind("CronJob.batch", batch.cron_job),
}


_VALID = Validation(True, None, (), ())
# The kinds whose every rule has a fast answer for "nothing to report" (the pod templates of
# the others have theirs inside the exact rules).
_PLAINLY: Mapping[str, Callable[[dict[str, Any]], bool]] = {
    "Pod": plain.pod_plainly, "Deployment.apps": plain_workloads.deployment_plainly}


def validate(obj: Mapping[str, Any]) -> Validation:
    """Validate one object (the Kubernetes JSON as a dict) as a create would."""
    return _validate(obj, fast=True)


def validate_exactly(obj: Mapping[str, Any]) -> Validation:
    """validate() with every rule run one by one, never plain.py's answer that there is
    nothing to report: the same result, slower (the reference its tests compare with)."""
    return _validate(obj, fast=False)


def _validate(obj: Mapping[str, Any], fast: bool) -> Validation:
    api_version, kind_name = str(obj.get("apiVersion")), str(obj.get("kind"))
    kind = KINDS.get((api_version, kind_name))
    if kind is None:
        return Validation(None, None, (), (f"{obj.get('apiVersion')}/{obj.get('kind')}: kind not modelled",))
    decoded = decode(dict(obj), api_version, kind_name)
    if decoded.fails or decoded.doubt is not None:
        # A 400 before admission and validation, whose text is known or doubted.
        return Validation(False if decoded.fails else None, decoded.error, (),
                          (decoded.doubt,) if decoded.doubt is not None else ())
    plainly = _PLAINLY.get(kind.qualified) if fast and type(obj) is dict else None
    if plainly is not None and plainly(obj):  # type: ignore[arg-type]
        return _VALID
    findings = Findings()
    working = _working_copy(obj, kind.qualified == "Pod")
    generated = _generate_name(working)
    if kind.qualified == "Pod":
        _default_pod(working)
    errors = tuple(kind.check(Reader(findings, fast), working))
    if errors and generated:
        findings.doubt("metadata.generateName: the message names the name the server generates")
    doubts = tuple(findings.doubts)
    if findings.undecodable:
        # Decoding fails first, with its own message: say nothing about validation.
        return Validation(None, None, (), doubts)
    if not errors:
        return Validation(None if doubts else True, None, errors, doubts)
    meta = working.get("metadata")
    name = str(meta.get("name", "")) if isinstance(meta, dict) else ""
    message = None if doubts else invalid_message(kind.qualified, name, errors)
    return Validation(False, message, errors, doubts)


def _working_copy(obj: Mapping[str, Any], is_pod: bool) -> dict[str, Any]:
    """What defaulting may change: the metadata, and a Pod's spec when it has host ports to
    default or AppArmor annotations to copy into fields; the rest is only read."""
    working = dict(obj)
    meta = obj.get("metadata")
    working["metadata"] = dict(meta) if isinstance(meta, Mapping) else meta
    if is_pod and isinstance(obj.get("spec"), Mapping):
        annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
        apparmor = isinstance(annotations, Mapping) and any(
            str(k).startswith("container.apparmor.security.beta.kubernetes.io/") for k in annotations)
        if apparmor or obj["spec"].get("hostNetwork") is True:
            working["spec"] = copy.deepcopy(obj["spec"])
    return working


def _generate_name(obj: dict[str, Any]) -> bool:
    """names.SimpleNameGenerator: the prefix (cut to 58) and 5 random characters, all of
    them lowercase alphanumerics, so one stand-in name is as valid as the real one."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or meta.get("name") or not isinstance(meta.get("generateName"), str):
        return False
    if not meta["generateName"]:
        return False
    meta["name"] = meta["generateName"][:58] + "bcdfg"
    return True


def _default_pod(pod: dict[str, Any]) -> None:
    """SetDefaults_Pod parts that validation sees: host ports follow container ports on the
    host network."""
    spec = pod.get("spec")
    if not isinstance(spec, dict) or spec.get("hostNetwork") is not True:
        return
    for key in ("containers", "initContainers"):
        for ctr in spec.get(key) or []:
            for port in (ctr.get("ports") or []) if isinstance(ctr, dict) else []:
                if isinstance(port, dict) and not port.get("hostPort"):
                    port["hostPort"] = port.get("containerPort", 0)
