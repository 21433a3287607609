"""hostPathVolumes (baseline, v1.0+; overridden in restricted by restrictedVolumes).

HostPath volumes must be forbidden.
Restricted fields: spec.volumes[*].hostPath. Allowed values: undefined/null.
"""

from __future__ import annotations

from ..check import ALLOWED, Check, CheckResult, Variant, forbidden
from ..levels import Level
from ..podspec import PodMetadata, PodSpec
from ..text import join_quote, pluralize


def host_path_volumes_1_0(meta: PodMetadata, spec: PodSpec) -> CheckResult:
    for v in spec.volumes:  # the common case first: nothing to report
        if "hostPath" in v.sources:
            break
    else:
        return ALLOWED
    bad = [v.name for v in spec.volumes if "hostPath" in v.sources]
    return forbidden("hostPath volumes", f"{pluralize('volume', 'volumes', bad)} {join_quote(bad)}")


CHECK = Check("hostPathVolumes", Level.BASELINE, (Variant(0, host_path_volumes_1_0),))
