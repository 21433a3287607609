"""The shape of the pod fields PSP reads, and how to walk them.

``check_pod`` is the engine's decoder: it rejects (with ``PodDecodeError``) any field PSP
reads whose JSON type the API server would not decode.  The helpers then read those fields
without re-checking.  ``null`` and a missing key mean the same thing throughout.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .errors import PodDecodeError
from .fielderrors import Path
from ..pss.text import json_kind
from .schema import ListOf, MapOf, Obj, Scalar, Schema, check

Pod = dict[str, Any]  # a pod as decoded JSON; the engine only ever mutates its own copies

CONTAINER_KINDS = ("initContainers", "containers", "ephemeralContainers")

# Volume source keys in upstream's GetVolumeFSType order (util.go), with their FSType name
VOLUME_SOURCES = (
    ("hostPath", "hostPath"), ("emptyDir", "emptyDir"),
    ("gcePersistentDisk", "gcePersistentDisk"), ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("gitRepo", "gitRepo"), ("secret", "secret"), ("nfs", "nfs"), ("iscsi", "iscsi"),
    ("glusterfs", "glusterfs"), ("persistentVolumeClaim", "persistentVolumeClaim"),
    ("rbd", "rbd"), ("flexVolume", "flexVolume"), ("cinder", "cinder"), ("cephfs", "cephFS"),
    ("flocker", "flocker"), ("downwardAPI", "downwardAPI"), ("fc", "fc"),
    ("azureFile", "azureFile"), ("configMap", "configMap"), ("vsphereVolume", "vsphereVolume"),
    ("quobyte", "quobyte"), ("azureDisk", "azureDisk"),
    ("photonPersistentDisk", "photonPersistentDisk"), ("storageos", "storageos"),
    ("projected", "projected"), ("portworxVolume", "portworxVolume"), ("scaleIO", "scaleIO"),
    ("csi", "csi"), ("ephemeral", "ephemeral"),
)

_S, _B, _I32, _I64 = Scalar.STRING, Scalar.BOOLEAN, Scalar.INT32, Scalar.INT64
_ANY_OBJECT = Obj({})
_SE_LINUX = Obj({"user": _S, "role": _S, "type": _S, "level": _S})
_SECCOMP = Obj({"type": _S, "localhostProfile": _S})
_ID_FIELDS: dict[str, Schema] = {"runAsUser": _I64, "runAsGroup": _I64, "runAsNonRoot": _B,
              "seLinuxOptions": _SE_LINUX, "seccompProfile": _SECCOMP}
_CONTAINER = Obj({
    "name": _S,
    "ports": ListOf(Obj({"containerPort": _I32, "hostPort": _I32})),
    "volumeMounts": ListOf(Obj({"name": _S, "readOnly": _B, "mountPath": _S})),
    "securityContext": Obj({
        **_ID_FIELDS, "privileged": _B, "procMount": _S, "readOnlyRootFilesystem": _B,
        "allowPrivilegeEscalation": _B,
        "capabilities": Obj({"add": ListOf(_S), "drop": ListOf(_S)}),
    }),
})
_PROJECTION = Obj({
    "serviceAccountToken": Obj({"path": _S, "audience": _S}),
    "configMap": Obj({"name": _S}),
    "downwardAPI": Obj({"items": ListOf(Obj({
        "path": _S, "fieldRef": Obj({"apiVersion": _S, "fieldPath": _S})}))}),
})
_VOLUME = Obj({
    "name": _S,
    **{key: _ANY_OBJECT for key, _ in VOLUME_SOURCES},
    "hostPath": Obj({"path": _S}), "flexVolume": Obj({"driver": _S}), "csi": Obj({"driver": _S}),
    "projected": Obj({"sources": ListOf(_PROJECTION)}),
})
_POD = Obj({
    "kind": _S,
    "metadata": Obj({"name": _S, "generateName": _S, "namespace": _S,
                     "annotations": MapOf(_S)}),
    "spec": Obj({
        "serviceAccountName": _S, "serviceAccount": _S, "automountServiceAccountToken": _B,
        "hostNetwork": _B, "hostPID": _B, "hostIPC": _B, "runtimeClassName": _S,
        "securityContext": Obj({
            **_ID_FIELDS, "supplementalGroups": ListOf(_I64), "fsGroup": _I64,
            "sysctls": ListOf(Obj({"name": _S, "value": _S})),
        }),
        "volumes": ListOf(_VOLUME),
        **{kind: ListOf(_CONTAINER) for kind in CONTAINER_KINDS},
    }),
})


def check_pod(pod: object, *, what: str = "pod") -> Mapping[str, Any]:
    """Return ``pod`` if PSP can read it; raise ``PodDecodeError`` naming the bad field."""
    if not isinstance(pod, Mapping):
        raise PodDecodeError("", f"expected a {what} object, got {json_kind(pod)}")
    check(pod, _POD, Path(), PodDecodeError)
    if pod.get("kind") not in (None, "Pod"):
        raise PodDecodeError("kind", f"expected a Pod, got {pod.get('kind')}")
    for kind in CONTAINER_KINDS:
        for i, container in enumerate(spec_of(pod).get(kind) or ()):
            if container is None:
                raise PodDecodeError(f"spec.{kind}[{i}]", "expected a container, got null")
    return pod


def spec_of(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    return pod.get("spec") or {}


def annotations_of(pod: Mapping[str, Any]) -> Mapping[str, str]:
    return (pod.get("metadata") or {}).get("annotations") or {}


def pod_context(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    """The pod-level securityContext, or an empty one (reads only)."""
    return spec_of(pod).get("securityContext") or {}


def container_context(container: Mapping[str, Any]) -> Mapping[str, Any]:
    return container.get("securityContext") or {}


def effective(container: Mapping[str, Any], pod: Mapping[str, Any], field: str) -> Any:
    """A container value that falls back to the pod's (runAsUser, seLinuxOptions...)."""
    value = container_context(container).get(field)
    return pod_context(pod).get(field) if value is None else value


def containers(pod: Mapping[str, Any]) -> Iterator[tuple[Any, Path]]:
    """Every container with its path, in upstream's visit order: init, regular, ephemeral."""
    spec = spec_of(pod)
    for kind in CONTAINER_KINDS:
        for i, container in enumerate(spec.get(kind) or ()):
            yield container, Path.of("spec", kind).index(i)


def volume_source(volume: Mapping[str, Any]) -> tuple[str, str] | None:
    """(JSON key, FSType) of the first source set on ``volume``, as upstream picks it."""
    for key, fs_type in VOLUME_SOURCES:
        if volume.get(key) is not None:
            return key, fs_type
    return None


_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain_copy(value: Any) -> Any:
    """A deep copy made of plain dicts and lists, so the engine may write into it."""
    kind = type(value)  # the usual cases first, by exact type: an ABC check costs far more
    if kind is dict:
        return {k: plain_copy(v) for k, v in value.items()}
    if kind is list:
        return [plain_copy(v) for v in value]
    if kind in _SCALARS:
        return value
    if isinstance(value, Mapping):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    return value
