"""restrictedVolumes (restricted, v1.0+; overrides hostPathVolumes).

The restricted policy only permits these inline volume sources: configMap, csi,
downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret.
Restricted fields: spec.volumes[*].{hostPath, gcePersistentDisk, awsElasticBlockStore,
gitRepo, nfs, iscsi, glusterfs, rbd, flexVolume, cinder, cephfs, flocker, fc,
azureFile, vsphereVolume, quobyte, azureDisk, portworxVolume, photonPersistentDisk,
scaleIO, storageos}. Allowed values: undefined/null.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import join_quote, pluralize

ALLOWED_SOURCES = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
    "persistentVolumeClaim", "projected", "secret",
})
# A bad volume is named after the first of these it has, in upstream's order.
RESTRICTED_SOURCES = (
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi",
    "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile",
    "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume",
    "scaleIO", "storageos",
)


def _type_name(sources: frozenset[str]) -> str:
    return next((s for s in RESTRICTED_SOURCES if s in sources), "unknown")


def restricted_volumes_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    for v in spec.volumes:  # the common case first: nothing to report
        if v.sources.isdisjoint(ALLOWED_SOURCES):
            break
    else:
        return ALLOWED
    bad = [v for v in spec.volumes if v.sources.isdisjoint(ALLOWED_SOURCES)]
    types = sorted({_type_name(v.sources) for v in bad})
    return forbidden(
        "restricted volume types",
        f"{pluralize('volume', 'volumes', bad)} {join_quote(v.name for v in bad)} "
        f"{pluralize('uses', 'use', bad)} "
        f"{pluralize('restricted volume type', 'restricted volume types', types)} "
        f"{join_quote(types)}",
    )


CHECK = Check(
    "restrictedVolumes",
    Level.RESTRICTED,
    (Variant(0, restricted_volumes_1_0, overrides=("hostPathVolumes",)),),
)
