"""How a running pod differs from its owner's template in the fields PSP mutates.

The first step of a PSP → Pod Security Admission migration: a pod whose admitted spec was
changed by a policy would change again (or be rejected) once the policy is gone.  Only the
fields some PSP can write (specs/psp.md §3) are compared, so the API server's ordinary
defaulting (imagePullPolicy, terminationMessagePath, dnsPolicy, the service-account token
volume, tolerations, nodeName...) never shows up:

* pod: ``securityContext`` supplementalGroups, fsGroup, seLinuxOptions; ``runtimeClassName``;
  the seccomp pod annotation and the AppArmor container annotations;
* each init and regular container (matched by name; ephemeral containers have no
  template): ``securityContext`` runAsUser, runAsGroup, runAsNonRoot, seLinuxOptions,
  capabilities.add/drop, readOnlyRootFilesystem, allowPrivilegeEscalation, and each port's
  ``hostPort`` after the hostNetwork defaulting both sides get.

A seccomp pod annotation that merely mirrors the template's ``seccompProfile`` field is the
API server's 1.19+ field/annotation sync, not a policy, and is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import bounded_recursion
from .fielderrors import Path
from .mutations import same_value
from .podshape import annotations_of, check_pod, pod_context, spec_of
from .policy import PSP_ANNOTATION
from .preparation import prepare_pod
from .profiles import APPARMOR_CONTAINER_PREFIX, SECCOMP_POD, seccomp_from_field
from .results import Operation

_POD_FIELDS = ("supplementalGroups", "fsGroup", "seLinuxOptions")
_CONTAINER_FIELDS = ("runAsUser", "runAsGroup", "runAsNonRoot", "seLinuxOptions",
                     "readOnlyRootFilesystem", "allowPrivilegeEscalation")


@dataclass(frozen=True)
class Difference:
    path: str  # JSON-shaped, indexed as in the pod
    template: Any  # None when unset
    pod: Any


@dataclass(frozen=True)
class Drift:
    policy: str | None  # the pod's kubernetes.io/psp annotation
    differences: tuple[Difference, ...]

    @property
    def mutated(self) -> bool:
        return bool(self.differences)


@bounded_recursion
def find_drift(pod: Mapping[str, Any], template: Mapping[str, Any]) -> Drift:
    """Compare a pod with its owner's pod template (``spec.template``), both plain dicts.

    Raises ``PodDecodeError`` when either has a wrong-typed field.
    """
    check_pod(template, what="pod template")
    live = prepare_pod(pod, Operation.UPDATE).pod  # UPDATE: defaulting only
    wanted = prepare_pod(template, Operation.UPDATE).pod
    differences = (*_pod_differences(live, wanted), *_container_differences(live, wanted))
    return Drift(annotations_of(live).get(PSP_ANNOTATION), tuple(differences))


def _pod_differences(pod: Mapping[str, Any], template: Mapping[str, Any]) -> Iterator[Difference]:
    path = Path.of("spec", "securityContext")
    for field in _POD_FIELDS:
        theirs, ours = pod_context(template).get(field), pod_context(pod).get(field)
        if not same_value(theirs, ours):
            yield Difference(str(path.child(field)), theirs, ours)
    theirs, ours = spec_of(template).get("runtimeClassName"), spec_of(pod).get("runtimeClassName")
    if not same_value(theirs, ours):
        yield Difference("spec.runtimeClassName", theirs, ours)
    yield from _annotation_differences(pod, template)


def _annotation_differences(pod: Mapping[str, Any],
                            template: Mapping[str, Any]) -> Iterator[Difference]:
    theirs, ours = annotations_of(template), annotations_of(pod)
    keys = sorted(k for k in {*theirs, *ours}
                  if k == SECCOMP_POD or k.startswith(APPARMOR_CONTAINER_PREFIX))
    field = pod_context(template).get("seccompProfile")
    synced = None if field is None else seccomp_from_field(field)
    for key in keys:
        before, after = theirs.get(key) or None, ours.get(key) or None
        if same_value(before, after) or (key == SECCOMP_POD and before is None and after == synced):
            continue
        yield Difference(str(Path.of("metadata", "annotations").key(key)), before, after)


def _container_differences(pod: Mapping[str, Any],
                           template: Mapping[str, Any]) -> Iterator[Difference]:
    for kind in ("initContainers", "containers"):
        originals = {c.get("name"): c for c in spec_of(template).get(kind) or ()}
        for i, container in enumerate(spec_of(pod).get(kind) or ()):
            original = originals.get(container.get("name"))
            if original is not None:  # an injected sidecar is not a PSP mutation
                yield from _compare_container(Path.of("spec", kind).index(i), container, original)


def _compare_container(path: Path, container: Mapping[str, Any],
                       original: Mapping[str, Any]) -> Iterator[Difference]:
    ours, theirs = container.get("securityContext") or {}, original.get("securityContext") or {}
    context = path.child("securityContext")
    for field in _CONTAINER_FIELDS:
        if not same_value(theirs.get(field), ours.get(field)):
            yield Difference(str(context.child(field)), theirs.get(field), ours.get(field))
    for field in ("add", "drop"):
        before = (theirs.get("capabilities") or {}).get(field)
        after = (ours.get("capabilities") or {}).get(field)
        if not same_value(before, after):
            yield Difference(str(context.child("capabilities", field)), before, after)
    their_ports, our_ports = original.get("ports") or [], container.get("ports") or []
    for j, port in enumerate(our_ports):
        before = (their_ports[j] or {}).get("hostPort") if j < len(their_ports) else None
        after = (port or {}).get("hostPort")
        if not same_value(before or None, after or None):
            yield Difference(str(path.child("ports").index(j).child("hostPort")), before, after)
