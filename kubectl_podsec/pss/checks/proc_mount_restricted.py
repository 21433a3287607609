"""procMount_restricted (restricted, v1.35+; overrides procMount).

The default /proc masks are required by the restricted profile, even in a user
namespace. Restricted fields: spec.containers[*].securityContext.procMount,
spec.initContainers[*].securityContext.procMount (and ephemeral containers).
Allowed values: undefined/null, "Default".
"""

from __future__ import annotations

from ..check import Check, Variant
from ..levels import Level
from .proc_mount import proc_mount_1_0

CHECK = Check(
    "procMount_restricted",
    Level.RESTRICTED,
    (Variant(35, proc_mount_1_0, overrides=("procMount",)),),
)
