"""What check -o wide, SARIF and rollout plan say `fix` does about each violation."""

from __future__ import annotations

import pytest

from kubectl_podsec.render.fixes import fix_hint, fixable_by_setting


@pytest.mark.parametrize("check,detail,hint", [
    ("runAsNonRoot", 'pod or container "a" must set securityContext.runAsNonRoot=true',
     "kubectl podsec fix sets spec.securityContext.runAsNonRoot: true"),
    ("runAsNonRoot", "pod must not set securityContext.runAsNonRoot=false",
     "kubectl podsec fix --also runAsNonRoot (changes how the pod runs)"),
    ("capabilities_restricted", 'container "a" must set securityContext.capabilities.drop=["ALL"]; '
     'container "b" must not include "SYS_TIME" in securityContext.capabilities.add',
     'kubectl podsec fix sets securityContext.capabilities.drop: ["ALL"]; '
     "kubectl podsec fix --also capabilities (changes how the pod runs)"),
    ("hostNamespaces", "hostNetwork=true, hostPID=true",
     "kubectl podsec fix --also hostNetwork,hostPID (changes how the pod runs)"),
    ("seccompProfile_restricted", 'pod must not set securityContext.seccompProfile.type to "Unconfined"',
     "kubectl podsec fix --also seccomp (changes how the pod runs)"),
    ("allowPrivilegeEscalation", 'container "a" must set securityContext.allowPrivilegeEscalation=false',
     "kubectl podsec fix sets securityContext.allowPrivilegeEscalation: false; "
     "where it is true: --also allowPrivilegeEscalation"),
])
def test_fix_hint(check: str, detail: str, hint: str) -> None:
    assert fix_hint(check, detail) == hint


def test_only_checks_an_unset_field_fails_are_fixable_by_setting() -> None:
    assert fixable_by_setting(("privileged", "runAsNonRoot", "runAsNonRoot", "hostPorts")) == ["runAsNonRoot"]
