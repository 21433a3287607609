"""What the API server does to a pod before PSP sees it (specs/psp.md §1.1).

Only the steps that change what PSP reads are modelled:

* decoding: the deprecated ``serviceAccount`` fills an empty ``serviceAccountName``;
* v1 defaulting: with ``hostNetwork: true`` every ``hostPort`` of 0 becomes the
  ``containerPort`` (then checked against ``hostPorts``); a volume without a source
  becomes ``emptyDir``;
* on CREATE, the ServiceAccount admission plugin (1.22+): ``serviceAccountName``
  defaults to ``default``, and unless automounting is off the projected
  ``kube-api-access-*`` token volume is added and mounted read-only in every init and
  regular container that has nothing mounted at the token path.  Mirror pods are skipped.

Upstream: pkg/apis/core/v1/defaults.go, conversion.go and
plugin/pkg/admission/serviceaccount/admission.go (v1.24).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import bounded_recursion
from .fielderrors import Path
from .mutations import Mutation, MutationLog, child
from .podshape import Pod, check_pod, plain_copy, volume_source
from .results import Operation

TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
TOKEN_VOLUME_PREFIX = "kube-api-access-"
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
_SPEC = Path.of("spec")


@dataclass(frozen=True)
class Preparation:
    pod: Pod  # a fresh dict owned by this value
    changes: tuple[Mutation, ...]


@bounded_recursion
def prepare_pod(pod: Mapping[str, Any], operation: Operation = Operation.CREATE, *,
                automount: bool | None = None,
                token_volume: str = TOKEN_VOLUME_PREFIX + "xxxxx") -> Preparation:
    """The pod as PSP sees it.  ``automount`` is the service account's own setting
    (None: unknown, treated as upstream's default, true); ``token_volume`` stands in for
    the random name the plugin generates."""
    prepared: Pod = plain_copy(check_pod(pod))
    log = MutationLog()
    spec = child(prepared, "spec")
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        log.set(spec, "serviceAccountName", spec["serviceAccount"], _SPEC.child("serviceAccountName"))
    _default_host_ports(spec, log)
    _default_volumes(spec, log)
    annotations = (prepared.get("metadata") or {}).get("annotations") or {}
    if operation is Operation.CREATE and MIRROR_POD_ANNOTATION not in annotations:
        if not spec.get("serviceAccountName"):
            log.set(spec, "serviceAccountName", "default", _SPEC.child("serviceAccountName"))
        pod_automount = spec.get("automountServiceAccountToken")
        if (automount if pod_automount is None else pod_automount) is not False:
            _mount_token(spec, token_volume, log)
    return Preparation(prepared, log.entries)


def _default_host_ports(spec: dict[str, Any], log: MutationLog) -> None:
    if not spec.get("hostNetwork"):
        return
    for kind in ("containers", "initContainers"):  # not ephemeral containers
        for i, container in enumerate(spec.get(kind) or ()):
            for j, port in enumerate(container.get("ports") or ()):
                if isinstance(port, dict) and not port.get("hostPort") and port.get("containerPort"):
                    path = _SPEC.child(kind).index(i).child("ports").index(j).child("hostPort")
                    log.set(port, "hostPort", port["containerPort"], path)


def _default_volumes(spec: dict[str, Any], log: MutationLog) -> None:
    for i, volume in enumerate(spec.get("volumes") or ()):
        if volume is None:
            volume = spec["volumes"][i] = {}
        if volume_source(volume) is None:
            log.set(volume, "emptyDir", {}, _SPEC.child("volumes").index(i).child("emptyDir"))


def _mount_token(spec: dict[str, Any], generated: str, log: MutationLog) -> None:
    existing = next((v.get("name") for v in spec.get("volumes") or ()
                     if (v.get("name") or "").startswith(TOKEN_VOLUME_PREFIX)), None)
    name = existing or generated
    mount = {"name": name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH}
    needed = False
    for kind in ("initContainers", "containers"):
        for i, container in enumerate(spec.get(kind) or ()):
            mounts = container.get("volumeMounts") or ()
            if not any((m or {}).get("mountPath") == TOKEN_MOUNT_PATH for m in mounts):
                log.append(container, "volumeMounts", mount, _SPEC.child(kind).index(i))
                needed = True
    if needed and existing is None:
        log.append(spec, "volumes", {"name": name, "projected": token_projection()}, _SPEC)


def token_projection() -> dict[str, Any]:
    """The projected volume source the ServiceAccount plugin injects (TokenVolumeSource)."""
    return {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ],
    }
