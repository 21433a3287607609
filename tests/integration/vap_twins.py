"""Twin namespaces for comparing an exported ValidatingAdmissionPolicy with Pod Security
Admission on the real server: one bound to the policy (no Pod Security labels), one labelled
with the same level and version. Every request is a server-side dry run unless said otherwise."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from kubectl_podsec.pss import LevelVersion
from kubectl_podsec.vap.policy import Action, Export, export

from .control_plane import ApiResponse, Cluster

T = TypeVar("T")
R = TypeVar("R")
VAP_API = "/apis/admissionregistration.k8s.io/v1"
WORKERS = 8
_VAP_DENIAL = re.compile(r"^.*? is forbidden: ValidatingAdmissionPolicy '[^']*' with binding '[^']*' denied request: ")
_PSA_DENIAL = re.compile(r'^.*? is forbidden: violates PodSecurity "[^"]*": ')
_WARNING = re.compile(r'^299 - "(.*)"$')
_VAP_WARNING = re.compile(r"^Validation failed for ValidatingAdmissionPolicy '[^']*' with binding '[^']*': ")
_PSA_WARNING = re.compile(r'^would violate PodSecurity "[^"]*": ')
# A pod every policy here rejects, whichever checks it skips (see SKIPS in the test).
BAD_POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
           "spec": {"hostPID": True, "securityContext": {"runAsUser": 0},
                    "containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10",
                                    "securityContext": {"privileged": True}}]}}


_local = threading.local()


def request(cluster: Cluster, method: str, path: str, body: Any = None) -> ApiResponse:
    """Cluster.api as admin, over one kept-alive connection per thread: thousands of dry runs
    would otherwise spend most of their time in TLS handshakes."""
    for attempt in (1, 2):
        conn = getattr(_local, "conn", None)
        if conn is None or _local.server != cluster.server:
            url = urllib.parse.urlsplit(cluster.server)
            context = ssl.create_default_context(cafile=str(cluster.ca))
            conn = _local.conn = http.client.HTTPSConnection(url.hostname or "", url.port, context=context, timeout=30)
            _local.server = cluster.server
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body).encode(), headers={
                "Authorization": f"Bearer {cluster.tokens['admin']}", "Content-Type": "application/json",
                "Accept": "application/json"})
            response = conn.getresponse()
            raw = response.read()
            break
        except (http.client.HTTPException, OSError):
            conn.close()
            _local.conn = None
            if attempt == 2:
                raise
    try:
        decoded: Any = json.loads(raw)
    except ValueError:
        decoded = raw.decode(errors="replace")
    return ApiResponse(response.status, response.msg, decoded)


def concurrently(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(fn, items))


@dataclass(frozen=True)
class Decision:
    status: int
    message: str  # after "... is forbidden: <prefix>": the policy's own text
    warnings: tuple[str, ...]

    @property
    def verdict(self) -> str:
        return {201: "allowed", 200: "allowed", 403: "denied", 422: "invalid"}.get(self.status, f"error {self.status}")

    @classmethod
    def of(cls, response: ApiResponse) -> Decision:
        body = response.body if isinstance(response.body, dict) else {}
        message = str(body.get("message") or "") if response.status >= 300 else ""
        message = _PSA_DENIAL.sub("", _VAP_DENIAL.sub("", message))
        texts = (_warning_text(w) for w in response.warnings)
        return cls(response.status, message, tuple(t for t in texts if t is not None))


def _warning_text(header: str) -> str | None:
    """The text of a `299 - "..."` Warning header from the policy or PSA, without their
    prefix; None for the server's other warnings (deprecated annotations...)."""
    match = _WARNING.match(header)
    text = re.sub(r"\\(.)", r"\1", match.group(1)) if match else header
    for prefix in (_VAP_WARNING, _PSA_WARNING):
        if prefix.match(text):
            return prefix.sub("", text)
    return None


@dataclass(frozen=True)
class Twins:
    """A policy bound to `vap` and the same level:version labelled on `psa`."""

    cluster: Cluster
    level_version: LevelVersion
    skipped: frozenset[str]
    vap: str
    psa: str
    docs: tuple[dict[str, Any], ...]
    warn: str | None  # a third namespace, bound with validationActions [Warn]

    @classmethod
    def set_up(cls, cluster: Cluster, lv: LevelVersion, skipped: frozenset[str] = frozenset(),
               templates: bool = False, warn_label: bool = False, warn: bool = False) -> Twins:
        tag = f"{lv.level}-{str(lv.version).replace('.', '-')}-{secrets.token_hex(3)}"
        vap = cluster.create_namespace(f"vap-{tag}")
        labels = {"pod-security.kubernetes.io/enforce": lv.level.value,
                  "pod-security.kubernetes.io/enforce-version": str(lv.version)}
        if warn_label:
            labels.update({"pod-security.kubernetes.io/warn": lv.level.value,
                           "pod-security.kubernetes.io/warn-version": str(lv.version)})
        psa = cluster.create_namespace(f"psa-{tag}", labels)
        docs = export(Export(lv, skipped, namespace_selector={"matchLabels": {"kubernetes.io/metadata.name": vap}},
                             actions=(Action.DENY,), name=f"t-{tag}", templates=templates))
        warn_ns = cluster.create_namespace(f"warn-{tag}") if warn else None
        if warn_ns:
            docs.append({**docs[1], "metadata": {"name": f"t-{tag}-warn"},
                         "spec": {**docs[1]["spec"], "validationActions": ["Warn"], "matchResources": {
                             "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": warn_ns}}}}})
        twins = cls(cluster, lv, skipped, vap, psa, tuple(docs), warn_ns)
        twins.apply()
        return twins

    def apply(self) -> None:
        for doc in self.docs:
            plural = "validatingadmissionpolicies" if doc["kind"] == "ValidatingAdmissionPolicy" \
                else "validatingadmissionpolicybindings"
            created = self.cluster.api("POST", f"{VAP_API}/{plural}", doc)
            assert created.status == 201, created.body

    def wait_active(self, timeout: float = 60.0) -> float:
        """Seconds until the policy rejects a known-bad pod in its namespace (policies take
        effect asynchronously, when the API server's informers have seen them)."""
        start = time.monotonic()
        while True:
            decision = self.submit("pods", BAD_POD, namespace=self.vap)
            if decision.status == 403:
                return time.monotonic() - start
            assert time.monotonic() - start < timeout, f"policy not active after {timeout} s: {decision}"
            time.sleep(0.2)

    def delete(self) -> None:
        for doc in self.docs:
            plural = "validatingadmissionpolicies" if doc["kind"] == "ValidatingAdmissionPolicy" \
                else "validatingadmissionpolicybindings"
            self.cluster.api("DELETE", f"{VAP_API}/{plural}/{doc['metadata']['name']}")

    def submit(self, resource: str, obj: dict[str, Any], namespace: str, dry_run: bool = True) -> Decision:
        group = "/api/v1" if resource in ("pods", "podtemplates", "replicationcontrollers") else \
            "/apis/batch/v1" if resource in ("jobs", "cronjobs") else "/apis/apps/v1"
        query = "?dryRun=All" if dry_run else ""
        return Decision.of(request(self.cluster, "POST", f"{group}/namespaces/{namespace}/{resource}{query}", obj))

    def both(self, resource: str, obj: dict[str, Any]) -> tuple[Decision, Decision]:
        """(policy namespace, Pod Security namespace)."""
        return self.submit(resource, obj, self.vap), self.submit(resource, obj, self.psa)
