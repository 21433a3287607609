"""volumes, allowedHostPaths, allowedFlexVolumes and allowedCSIDrivers.

Upstream: validatePodVolumes in pkg/security/podsecuritypolicy/provider.go and util/util.go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fielderrors import FieldError, Path, invalid
from .podshape import containers, spec_of, volume_source
from .policy import PodSecurityPolicy

ALL = "*"
_VOLUMES = Path.of("spec", "volumes")


def validate(psp: PodSecurityPolicy, pod: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, volume in enumerate(spec_of(pod).get("volumes") or ()):
        errors.extend(_validate_volume(psp, pod, volume or {}, _VOLUMES.index(i)))
    return errors


def _validate_volume(psp: PodSecurityPolicy, pod: Mapping[str, Any],
                     volume: Mapping[str, Any], path: Path) -> list[FieldError]:
    source = volume_source(volume)
    if source is None:
        # Unreachable after API defaulting (a sourceless volume becomes emptyDir); Go
        # would print the whole struct with %#v here, which we only approximate.
        name = volume.get("name") or ""
        return [invalid(path, "", f'unknown volume type for volume: core.Volume{{Name:"{name}"}}')]
    key, fs_type = source
    if ALL not in psp.volumes and not _allows_type(psp, fs_type, volume):
        return [invalid(path, fs_type, f"{fs_type} volumes are not allowed to be used")]
    detail = volume[key]
    if fs_type == "hostPath":
        return _validate_host_path(psp, pod, volume, detail.get("path") or "", path)
    if fs_type == "flexVolume" and psp.allowed_flex_volumes:
        driver = detail.get("driver") or ""
        if driver not in psp.allowed_flex_volumes:  # sic: the path lacks ".flexVolume"
            return [invalid(path.child("driver"), driver, "Flexvolume driver is not allowed to be used")]
    if fs_type == "csi" and psp.allowed_csi_drivers:
        driver = detail.get("driver") or ""
        if driver not in psp.allowed_csi_drivers:
            return [invalid(path.child("csi", "driver"), driver,
                            "Inline CSI driver is not allowed to be used")]
    return []


def _allows_type(psp: PodSecurityPolicy, fs_type: str, volume: Mapping[str, Any]) -> bool:
    if fs_type in psp.volumes:
        return True
    # 1.19+: the auto-mounted kube-api-access-* volume passes wherever secrets do
    return "secret" in psp.volumes and fs_type == "projected" and \
        is_only_service_account_token(volume["projected"])


def is_only_service_account_token(projected: Mapping[str, Any]) -> bool:
    """True for the projection the ServiceAccount admission plugin injects (util.go)."""
    for source in projected.get("sources") or ():
        source = source or {}
        token, config_map, downward = (source.get(k) for k in
                                       ("serviceAccountToken", "configMap", "downwardAPI"))
        if token is None and config_map is None and downward is None:
            return False
        if token is not None and ((token.get("path") or "") != "token" or token.get("audience")):
            return False
        if config_map is not None and config_map.get("name") != "kube-root-ca.crt":
            return False
        for item in (downward or {}).get("items") or ():
            field_ref = (item or {}).get("fieldRef")
            if (item or {}).get("path") != "namespace" or field_ref is None or \
                    field_ref.get("apiVersion") != "v1" or \
                    field_ref.get("fieldPath") != "metadata.namespace":
                return False
    return True


def _validate_host_path(psp: PodSecurityPolicy, pod: Mapping[str, Any], volume: Mapping[str, Any],
                        host_path: str, path: Path) -> list[FieldError]:
    allowed, read_only = allows_host_path(psp, host_path)
    if not allowed:
        return [invalid(path.child("hostPath", "pathPrefix"), host_path, "is not allowed to be used")]
    if not read_only:
        return []
    errors = []
    for container, container_path in containers(pod):
        for j, mount in enumerate(container.get("volumeMounts") or ()):
            mount = mount or {}
            if (mount.get("name") or "") == (volume.get("name") or "") and not mount.get("readOnly"):
                errors.append(invalid(container_path.child("volumeMounts").index(j).child("readOnly"),
                                      False, "must be read-only"))
    return errors


def allows_host_path(psp: PodSecurityPolicy, host_path: str) -> tuple[bool, bool]:
    """(allowed, must be read-only): any read-write match wins over read-only ones."""
    if not psp.allowed_host_paths:
        return True, False
    allowed = False
    for entry in psp.allowed_host_paths:
        if _has_path_prefix(host_path, entry.path_prefix):
            if not entry.read_only:
                return True, False
            allowed = True
    return allowed, allowed


def _has_path_prefix(path: str, prefix: str) -> bool:
    """Segment-wise prefix: ``/foo`` matches ``/foo`` and ``/foo/bar`` but not ``/foobar``."""
    path, prefix = path.removesuffix("/"), prefix.removesuffix("/")
    if not path.startswith(prefix):
        return False
    return len(path) == len(prefix) or path[len(prefix)] == "/"
