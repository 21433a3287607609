"""How `kubectl podsec fix` removes a violation, for `check -o wide`, SARIF and
`rollout plan` (pure): the field it sets where a field is merely unset, or the
`--also` name that lets it change a value someone chose (which changes how the
pod behaves). The violation's own detail says which case it is: upstream words
an unset field "must set" and a chosen one "must not"."""

from __future__ import annotations

# Checks a field left unset fails, and what `fix` sets for it.
SETS = {
    "allowPrivilegeEscalation": "securityContext.allowPrivilegeEscalation: false",
    "capabilities_restricted": 'securityContext.capabilities.drop: ["ALL"]',
    "runAsNonRoot": "spec.securityContext.runAsNonRoot: true",
    "seccompProfile_restricted": "spec.securityContext.seccompProfile.type: RuntimeDefault",
}
# Checks only a chosen value fails: the --also name that changes it.
ALSO = {
    "allowPrivilegeEscalation": "allowPrivilegeEscalation",
    "appArmorProfile": "appArmor",
    "capabilities_baseline": "capabilities",
    "capabilities_restricted": "capabilities",
    "hostPathVolumes": "hostPath",
    "hostPorts": "hostPorts",
    "hostProbesAndHostLifecycle": "probeHosts",
    "privileged": "privileged",
    "procMount": "procMount",
    "procMount_restricted": "procMount",
    "restrictedVolumes": "hostPath,volumes",
    "runAsNonRoot": "runAsNonRoot",
    "runAsUser": "runAsUser",
    "seLinuxOptions": "seLinux",
    "seccompProfile_baseline": "seccomp",
    "seccompProfile_restricted": "seccomp",
    "sysctls": "sysctls",
    "windowsHostProcess": "hostProcess",
}
_HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


def fix_hint(check: str, detail: str) -> str:
    """One line: what `kubectl podsec fix` does about this violation."""
    parts = []
    if check in SETS and "must set" in detail:
        parts.append(f"kubectl podsec fix sets {SETS[check]}")
        if check == "allowPrivilegeEscalation":  # upstream words unset and true alike
            parts.append("where it is true: --also allowPrivilegeEscalation")
    if parts and "must not" not in detail:
        return "; ".join(parts)
    if check == "hostNamespaces":
        names = ",".join(n for n in _HOST_NAMESPACES if f"{n}=true" in detail) or ",".join(_HOST_NAMESPACES)
        return f"kubectl podsec fix --also {names} (changes how the pod runs)"
    if check in ALSO:
        parts.append(f"kubectl podsec fix --also {ALSO[check]} (changes how the pod runs)")
    return "; ".join(parts) or "no field change fixes this"


def fixable_by_setting(checks: tuple[str, ...]) -> list[str]:
    """The checks among these that `fix` can satisfy by setting unset fields."""
    return [c for c in dict.fromkeys(checks) if c in SETS]
