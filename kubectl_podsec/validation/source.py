"""Typed reads from the object's JSON, with doubts for what the model does not cover.

A wrong JSON type is a decoding error on the server (a 400, not a validation error), and a
key the model does not know may carry rules of its own: both make the message uncertain,
never the errors found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .field import Findings

Json = Mapping[str, Any]

# The JSON type Go decodes each modelled key into (null always decodes, to the zero value).
_BOOLS = ("stdin", "stdinOnce", "tty", "enableServiceLinks", "hostNetwork", "hostPID", "hostIPC", "hostUsers",
          "shareProcessNamespace", "automountServiceAccountToken", "privileged", "runAsNonRoot",
          "readOnlyRootFilesystem", "allowPrivilegeEscalation", "readOnly", "optional", "hostProcess", "suspend",
          "paused", "manualSelector")
_STRINGS = ("name", "image", "workingDir", "imagePullPolicy", "terminationMessagePolicy", "terminationMessagePath",
            "restartPolicy", "dnsPolicy", "serviceAccountName", "serviceAccount", "nodeName", "hostname",
            "subdomain", "schedulerName", "procMount", "type", "localhostProfile", "mountPath", "subPath",
            "subPathExpr", "protocol", "hostIP", "secretName", "claimName", "medium", "path", "key", "operator",
            "value", "effect", "schedule", "concurrencyPolicy", "podManagementPolicy", "serviceName",
            "completionMode", "fieldPath", "apiVersion", "kind", "generateName", "namespace", "targetContainerName",
            "host", "scheme", "service", "storageClassName", "volumeMode", "uid", "resourceVersion", "user", "role",
            "level", "gmsaCredentialSpecName", "gmsaCredentialSpec", "runAsUserName", "fsGroupChangePolicy",
            "supplementalGroupsPolicy", "seLinuxChangePolicy")
_STRING_LISTS = ("command", "args", "add", "drop", "accessModes", "values")
_INTS = ("containerPort", "hostPort", "runAsUser", "runAsGroup", "fsGroup", "replicas", "minReadySeconds",
         "revisionHistoryLimit", "progressDeadlineSeconds", "terminationGracePeriodSeconds",
         "activeDeadlineSeconds", "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
         "failureThreshold", "defaultMode", "parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished",
         "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit", "tolerationSeconds",
         "seconds")
_OBJECTS = ("securityContext", "capabilities", "seccompProfile", "appArmorProfile", "seLinuxOptions",
            "windowsOptions", "resources", "metadata", "spec", "template", "selector", "os", "lifecycle",
            "livenessProbe", "readinessProbe", "startupProbe", "exec", "httpGet", "tcpSocket", "grpc", "labels",
            "annotations", "nodeSelector", "limits", "requests", "strategy", "jobTemplate", "volumeClaimTemplate",
            "emptyDir", "hostPath", "secret", "configMap", "persistentVolumeClaim", "ephemeral", "valueFrom",
            "fieldRef", "configMapKeyRef", "secretKeyRef", "postStart", "preStop", "sleep", "matchLabels")
_LISTS = ("containers", "initContainers", "ephemeralContainers", "volumes", "ports", "env", "volumeMounts",
          "imagePullSecrets", "tolerations", "sysctls", "supplementalGroups", "matchExpressions",
          "volumeClaimTemplates", "httpHeaders")


_STRING_MAPS = ("labels", "annotations", "nodeSelector", "matchLabels")
_QUANTITY_MAPS = ("limits", "requests")

# Each modelled key's JSON type, the first of the lists above that names it (one lookup per
# key: every object validated walks all its keys through `_decodes`).
_BOOL, _STRING, _STRING_LIST, _INT, _OBJECT, _LIST = range(6)
_TYPES: dict[str, int] = {}
for _kind, _keys in ((_BOOL, _BOOLS), (_STRING, _STRINGS), (_STRING_LIST, _STRING_LISTS), (_INT, _INTS),
                     (_OBJECT, _OBJECTS), (_LIST, _LISTS)):
    for _key in _keys:
        _TYPES.setdefault(_key, _kind)
_SCALARS = (str, int, float, bool, type(None))


def _is_map(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)  # decoded JSON: a dict, checked first


def undecodable(value: Any, path: str = "") -> str | None:
    """The first place where Go's decoder would fail on a modelled key, walking the whole
    object (user-named maps such as labels are checked as maps, not walked)."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, _SCALARS) and (found := undecodable(item, f"{path}[{i}]")) is not None:
                return found
        return None
    if not _is_map(value):
        return None
    for key, item in value.items():
        if item is None or (type(item) is str and _TYPES.get(key, _STRING) == _STRING):
            continue  # the common case: a string where one decodes, nothing below it
        if isinstance(item, _SCALARS) and _decodes(key, item):
            continue  # nothing below a scalar, and its type is right
        where = f"{path}.{key}" if path else str(key)
        if not _decodes(key, item):
            return f"{where}: not the type Go decodes"
        if key in _LISTS and key != "supplementalGroups" and isinstance(item, list) \
                and not all(isinstance(v, Mapping) for v in item):
            return f"{where}: not a list of objects"
        if key in _STRING_MAPS or (key == "selector" and isinstance(item, Mapping)
                                   and not set(item) <= {"matchLabels", "matchExpressions"}):
            if not all(isinstance(v, str) for v in item.values()) if isinstance(item, Mapping) else False:
                return f"{where}: not a map of strings"
            continue
        if key in _QUANTITY_MAPS:
            if isinstance(item, Mapping) and not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                                     for v in item.values()):
                return f"{where}: not a map of quantities"
            continue
        if (found := undecodable(item, where)) is not None:
            return found
    return None


def _decodes(key: str, value: Any) -> bool:
    """Whether Go's decoder accepts `value` for `key` (True for keys not listed)."""
    if value is None:
        return True
    kind = _TYPES.get(key)
    if kind is None:
        return True
    if kind == _STRING:
        return isinstance(value, str)
    if kind == _OBJECT:
        return _is_map(value)
    if kind == _BOOL:
        return isinstance(value, bool)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    if kind == _LIST:
        return isinstance(value, list)
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


_KNOWN: dict[tuple[str, ...], frozenset[str]] = {}


def _known(keys: Iterable[str]) -> frozenset[str]:
    """The set of known keys, kept for the (constant) tuples callers pass."""
    if not isinstance(keys, tuple):
        return frozenset(keys)
    found = _KNOWN.get(keys)
    if found is None:
        found = _KNOWN[keys] = frozenset(keys)
    return found


class Reader:
    def __init__(self, findings: Findings) -> None:
        self.findings = findings

    def doubt(self, reason: str) -> None:
        self.findings.doubt(reason)

    def only(self, data: Json, known: Iterable[str], where: str) -> None:
        """Doubt every key outside `known`: its validation is not modelled."""
        allowed = known if isinstance(known, frozenset) else _known(known)
        for key, value in data.items():
            if key not in allowed:
                self.doubt(f"{where}.{key}: not modelled")
            elif not _decodes(key, value):
                self.findings.wrong_type(f"{where}.{key}: not the type Go decodes")

    def obj(self, data: Json, key: str, where: str) -> Json | None:
        value = data.get(key)
        if value is None or isinstance(value, Mapping):
            return value
        self.findings.wrong_type(f"{where}.{key}: not an object")
        return None

    def objs(self, data: Json, key: str, where: str) -> list[Json]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            return value
        self.findings.wrong_type(f"{where}.{key}: not a list of objects")
        return []

    def strs(self, data: Json, key: str, where: str) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [self.findings.text(v, f"{where}.{key}") for v in value]
        self.findings.wrong_type(f"{where}.{key}: not a list of strings")
        return []

    def string(self, data: Json, key: str, where: str) -> str:
        """The string, "" when absent (Go's zero value)."""
        value = data.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return self.findings.text(value, f"{where}.{key}")
        self.findings.wrong_type(f"{where}.{key}: not a string")
        return ""

    def opt_str(self, data: Json, key: str, where: str) -> str | None:
        """A *string: None when absent or null."""
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return self.findings.text(value, f"{where}.{key}")
        self.findings.wrong_type(f"{where}.{key}: not a string")
        return None

    def integer(self, data: Json, key: str, where: str, bits: int = 64) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        limit = 2 ** (bits - 1)
        if isinstance(value, int) and not isinstance(value, bool) and -limit <= value < limit:
            return value
        self.findings.wrong_type(f"{where}.{key}: not an int{bits}")
        return None

    def flag(self, data: Json, key: str, where: str) -> bool | None:
        value = data.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.findings.wrong_type(f"{where}.{key}: not a boolean")
        return None

    def str_map(self, data: Json, key: str, where: str) -> dict[str, str]:
        value = data.get(key)
        if value is None:
            return {}
        if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
            for k, v in value.items():
                self.findings.text(k, f"{where}.{key}")
                self.findings.text(v, f"{where}.{key}")
            return dict(value)
        self.findings.wrong_type(f"{where}.{key}: not a map of strings")
        return {}
