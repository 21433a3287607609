"""ValidateVolumes for the common volume sources; the others are doubted, and so are the
mounts that name them (whether upstream accepts such a volume is not known here)."""

from __future__ import annotations

import re
from typing import NamedTuple

from . import formats
from .field import FieldError, duplicate, forbidden, go_json, go_quote, invalid, not_supported, required
from .security import path_no_backsteps
from .source import Json, Reader

# Go's VolumeSource field order: the order upstream counts "more than 1 volume type" in.
_SOURCE_ORDER = ("emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs",
                 "iscsi", "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte",
                 "downwardAPI", "fc", "flexVolume", "configMap", "azureFile", "vsphereVolume",
                 "photonPersistentDisk", "portworxVolume", "azureDisk", "storageos", "projected", "scaleIO", "csi",
                 "ephemeral", "image")
_RANK = {key: rank for rank, key in enumerate(_SOURCE_ORDER)}
_VOLUME_KEYS = frozenset(("name", *_SOURCE_ORDER))
_MODELLED = ("emptyDir", "hostPath", "secret", "persistentVolumeClaim", "configMap", "ephemeral")
_HOST_PATH_TYPES = ("", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate",
                    "Socket")
_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
_FILE_MODE = "must be a number between 0 and 0777 (octal), both inclusive"
# Quantities whose value this model reads without resource.Quantity's full grammar.
_QUANTITY = re.compile(r"^([0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")


class Volumes(NamedTuple):
    errors: list[FieldError]
    valid: frozenset[str]  # the names upstream's map holds: volumes without errors
    uncertain: frozenset[str]


def volumes(r: Reader, items: list[Json], pod_name: str | None, path: str) -> Volumes:
    errs: list[FieldError] = []
    valid: set[str] = set()
    uncertain: set[str] = set()
    created = {f"{pod_name}-{r.string(v, 'name', path)}" for v in items if pod_name and v.get("ephemeral") is not None}
    for i, vol in enumerate(items):
        at = f"{path}[{i}]"
        name = r.string(vol, "name", at)
        source_errs, modelled = _source(r, vol, at)
        own = list(source_errs)
        if pod_name and name and _first_source(vol) == "ephemeral":
            claim_name = f"{pod_name}-{name}"
            own += [invalid(f"{at}.name", name, f"PVC name {go_quote(claim_name)}: {m}")
                    for m in formats.dns1123_subdomain(claim_name)]
        own += [required(f"{at}.name")] if not name else [invalid(f"{at}.name", name, m)
                                                           for m in formats.dns1123_label(name)]
        if name in valid or name in uncertain:
            if name in uncertain:
                r.doubt(f"{at}.name: a duplicate of a volume whose validity is not modelled")
            own.append(duplicate(f"{at}.name", name))
        if not own:
            (valid if modelled else uncertain).add(name)
        errs += own
        claim = r.obj(vol, "persistentVolumeClaim", at)
        if claim is not None and r.string(claim, "claimName", at) in created:
            errs.append(invalid(f"{at}.persistentVolumeClaim.claimName", r.string(claim, "claimName", at),
                                "must not reference a PVC that gets created for an ephemeral volume"))
    return Volumes(errs, frozenset(valid), frozenset(uncertain))


def _sources(vol: Json) -> list[str]:
    """The volume's sources that are set, in upstream's order (a volume has one or two keys:
    looking up each of the thirty would cost more)."""
    return sorted((key for key, value in vol.items() if value is not None and key in _RANK), key=_RANK.__getitem__)


def _first_source(vol: Json) -> str | None:
    found = _sources(vol)
    return found[0] if found else None


def _source(r: Reader, vol: Json, at: str) -> tuple[list[FieldError], bool]:
    r.only(vol, _VOLUME_KEYS, at)
    errs: list[FieldError] = []
    count, modelled = 0, True
    for key in _sources(vol):
        source = vol[key]
        if count:
            errs.append(forbidden(f"{at}.{key}", "may not specify more than 1 volume type"))
            continue
        count += 1
        if key not in _MODELLED or not isinstance(source, dict):
            r.doubt(f"{at}.{key}: this volume source is not modelled")
            modelled = False
            continue
        errs += _CHECKS[key](r, source, f"{at}.{key}")
    return errs, modelled


def _empty_dir(r: Reader, source: Json, path: str) -> list[FieldError]:
    r.only(source, ("medium",), path)
    r.string(source, "medium", path)
    return []


def _host_path(r: Reader, source: Json, path: str) -> list[FieldError]:
    r.only(source, ("path", "type"), path)
    target = r.string(source, "path", path)
    if not target:
        return [required(f"{path}.path")]
    errs = path_no_backsteps(target, f"{path}.path")
    kind = r.opt_str(source, "type", path)
    if kind is not None and kind not in _HOST_PATH_TYPES:
        errs.append(not_supported(f"{path}.type", go_json(kind), _HOST_PATH_TYPES))
    return errs


def _secret(r: Reader, source: Json, path: str) -> list[FieldError]:
    r.only(source, ("secretName", "defaultMode", "optional"), path)
    errs = [] if r.string(source, "secretName", path) else [required(f"{path}.secretName")]
    return errs + _mode(r, source, path)


def _config_map(r: Reader, source: Json, path: str) -> list[FieldError]:
    r.only(source, ("name", "defaultMode", "optional"), path)
    errs = [] if r.string(source, "name", path) else [required(f"{path}.name")]
    return errs + _mode(r, source, path)


def _mode(r: Reader, source: Json, path: str) -> list[FieldError]:
    mode = r.integer(source, "defaultMode", path, bits=32)
    if mode is not None and not 0 <= mode <= 0o777:
        return [invalid(f"{path}.defaultMode", mode, _FILE_MODE)]
    return []


def _claim(r: Reader, source: Json, path: str) -> list[FieldError]:
    r.only(source, ("claimName", "readOnly"), path)
    return [] if r.string(source, "claimName", path) else [required(f"{path}.claimName")]


def _ephemeral(r: Reader, source: Json, path: str) -> list[FieldError]:
    r.only(source, ("volumeClaimTemplate",), path)
    template = r.obj(source, "volumeClaimTemplate", path)
    if template is None:
        return [required(f"{path}.volumeClaimTemplate")]
    at = f"{path}.volumeClaimTemplate"
    r.only(template, ("metadata", "spec"), at)
    meta = r.obj(template, "metadata", at) or {}
    r.only(meta, ("labels", "annotations"), f"{at}.metadata")
    if meta.get("labels") or meta.get("annotations"):
        r.doubt(f"{at}.metadata: labels and annotations of claim templates are not modelled")
    return claim_spec(r, r.obj(template, "spec", at) or {}, f"{at}.spec")


def claim_spec(r: Reader, spec: Json, path: str) -> list[FieldError]:
    """ValidatePersistentVolumeClaimSpec for access modes, storage and volume mode."""
    r.only(spec, ("accessModes", "resources", "storageClassName", "volumeMode"), path)
    modes = r.strs(spec, "accessModes", path)
    errs = [] if modes else [required(f"{path}.accessModes", "at least 1 access mode is required")]
    errs += [not_supported(f"{path}.accessModes", go_json(m), _ACCESS_MODES) for m in modes if m not in _ACCESS_MODES]
    if "ReadWriteOncePod" in modes and any(m in _ACCESS_MODES and m != "ReadWriteOncePod" for m in modes):
        errs.append(forbidden(f"{path}.accessModes", "may not use ReadWriteOncePod with other access modes"))
    resources = r.obj(spec, "resources", path) or {}
    r.only(resources, ("requests", "limits"), f"{path}.resources")
    storage = (r.obj(resources, "requests", f"{path}.resources") or {}).get("storage")
    if storage is None:
        errs.append(required(f"{path}.resources[storage]"))
    elif not (isinstance(storage, str) and (match := _QUANTITY.match(storage)) and int(match[1]) > 0):
        r.doubt(f"{path}.resources: this storage quantity is not modelled")
    if resources.get("limits"):
        r.doubt(f"{path}.resources.limits: not modelled")
    class_name = r.opt_str(spec, "storageClassName", path)
    if class_name and formats.dns1123_subdomain(class_name):
        r.doubt(f"{path}.storageClassName: an invalid class name's message is not modelled")
    mode = r.opt_str(spec, "volumeMode", path)
    if mode is not None and mode not in ("Block", "Filesystem"):
        errs.append(not_supported(f"{path}.volumeMode", go_json(mode), ("Block", "Filesystem")))
    return errs


_CHECKS = {"emptyDir": _empty_dir, "hostPath": _host_path, "secret": _secret, "persistentVolumeClaim": _claim,
           "configMap": _config_map, "ephemeral": _ephemeral}
