"""Learning a namespace's Pod Security policy from the API server itself, for
the modes its labels and the given configuration leave unknown: dry-run
creates (`dryRun=All`, nothing is stored) of Pods made to be judged.

Pod Security puts the level and version it applied into its texts
(k8s.io/pod-security-admission v0.37.2 admission/admission.go EvaluatePod):
a denial says `violates PodSecurity "LEVEL:VERSION"` for enforce, and a Pod it
admits gets a Warning `would violate PodSecurity "LEVEL:VERSION"` for warn;
warnings are only added to requests it admits. So:

1. a Pod that every level but privileged rejects (privileged, host network):
   denied, the denial names enforce; admitted, enforce is privileged (or the
   namespace or user is exempt: the same to every pod you create) and its
   warnings name warn (none: warn is privileged too);
2. when enforce is baseline, a Pod that baseline admits and restricted
   rejects: a warning names warn as restricted; none leaves warn privileged
   or baseline, which no Pod can tell apart. Under enforce restricted every
   admitted Pod passes every level: warn cannot be seen.

Audit goes to the audit log only: it never shows in an answer.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..admission.labels import Mode
from ..admission.policy import Probed
from ..kube.client import ApiError, Cluster
from ..kube.resources import POD
from ..kube.reviews import Answer
from ..pss import Level, LevelVersion, Version
from .answers import Said, classify

PROBE_PREFIX = "podsec-probe-"
WORKERS = 4
_VIOLATES = re.compile(r'violates PodSecurity "([a-z]+):([^"]+)": ')
_WOULD_VIOLATE = re.compile(r'^would violate PodSecurity "([a-z]+):([^"]+)": ')


def probe_pod(namespace: str, *, privileged: bool) -> dict[str, Any]:
    """A Pod to dry-run: privileged with the host's network (every level but
    privileged rejects it), or plain (baseline admits it, restricted does not)."""
    container: dict[str, Any] = {"name": "probe", "image": "registry.k8s.io/pause:3.10"}
    spec: dict[str, Any] = {"containers": [container], "automountServiceAccountToken": False}
    if privileged:
        container["securityContext"] = {"privileged": True}
        spec["hostNetwork"] = True
    meta = {"generateName": PROBE_PREFIX, "namespace": namespace}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def _level_version(match: re.Match[str] | None) -> LevelVersion | None:
    if match is None:
        return None
    try:
        return LevelVersion.parse(match.group(1), match.group(2))
    except ValueError:
        return None


def enforced(answer: Answer) -> LevelVersion | None:
    """The enforce level:version a Pod Security denial names."""
    if classify(answer).said is not Said.POD_SECURITY:
        return None
    return _level_version(_VIOLATES.search(answer.message))


def warned(answer: Answer) -> LevelVersion | None:
    """The warn level:version a Pod Security warning names, if any."""
    return next((lv for lv in (_level_version(_WOULD_VIOLATE.match(w)) for w in answer.warnings) if lv), None)


# Admitted as privileged: no pod fails it, whatever the version, which no answer shows.
_PRIVILEGED = LevelVersion(Level.PRIVILEGED, Version.latest())


def read_probes(first: Answer, second: Answer | None) -> Probed:
    """What the answers to the probes tell (pure): `first` to the privileged
    Pod, `second` to the plain one (asked when enforce is baseline)."""
    said = classify(first)
    if said.said is Said.ADMITTED:
        return Probed({Mode.ENFORCE: _PRIVILEGED, Mode.WARN: warned(first) or _PRIVILEGED})
    enforce = enforced(first)
    if enforce is None:
        return Probed({}, f"the probe was {said.describe()}: {first.message}")
    if enforce.level is Level.RESTRICTED:
        return Probed({Mode.ENFORCE: enforce}, "under enforce restricted no Pod shows warn's level")
    warn = warned(second) if second is not None and second.accepted else None
    if warn is not None:
        return Probed({Mode.ENFORCE: enforce, Mode.WARN: warn})
    why = ("warn is privileged or baseline, which no Pod tells apart" if second is not None and second.accepted
           else f"the second probe was {classify(second).describe()}" if second is not None else "")
    return Probed({Mode.ENFORCE: enforce}, why)


class Prober:
    """One probe set per namespace, cached; a few namespaces at a time."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._cache: dict[str, Probed] = {}
        self._lock = threading.Lock()

    def __call__(self, namespace: str) -> Probed:
        with self._lock:
            if namespace in self._cache:
                return self._cache[namespace]
        probed = self._probe(namespace)
        with self._lock:
            return self._cache.setdefault(namespace, probed)

    def prefetch(self, namespaces: Iterable[str]) -> None:
        """Probe these namespaces ahead, `WORKERS` at a time."""
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            list(pool.map(self, namespaces))

    def _probe(self, namespace: str) -> Probed:
        try:
            access = self.cluster.access({"namespace": namespace, "verb": "create", "resource": "pods"})
            if not access.allowed:
                return Probed({}, "you may not create pods there to ask the server (dry-run probe)")
            first = self.cluster.dry_run_create(POD, namespace, probe_pod(namespace, privileged=True))
            second = None
            enforce = enforced(first)
            if enforce is not None and enforce.level is Level.BASELINE:
                second = self.cluster.dry_run_create(POD, namespace, probe_pod(namespace, privileged=False))
        except ApiError as err:
            if err.fatal:
                raise
            return Probed({}, f"the probe failed: {err}")
        return read_probes(first, second)
