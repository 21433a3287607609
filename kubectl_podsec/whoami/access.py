"""`whoami`'s answers from the cluster: the identity, one access review per
permission row (asked concurrently), the namespace's Pod Security policy, and
the PodSecurityPolicies where the server still serves them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from ..admission.config import PodSecurityConfig
from ..kube.client import ApiError, Cluster
from .identity import from_certificate, from_impersonation, from_token
from ..admission.labels import MODES, pod_security_labels
from .permissions import Grant, Permission, assess, cluster_permissions, document, namespaced_permissions
from ..admission.policy import PolicyResolver
from ..kube.resources import NAMESPACES, PODSECURITYPOLICIES
from ..check.scan import fatal

WORKERS = 4
T = TypeVar("T")
NO_REVIEW = "SelfSubjectReview is not served here"


def _settled(future: Future[T]) -> T | ApiError:
    """The result, or a non-fatal API error as a value (fatal ones raise)."""
    try:
        return future.result()
    except ApiError as err:
        if fatal(err):
            raise
        return err


class Whoami:
    """Collects the whoami document for one namespace or all of them."""

    def __init__(self, cluster: Cluster, config: PodSecurityConfig) -> None:
        self.cluster = cluster
        self.config = config
        self.pool = ThreadPoolExecutor(max_workers=WORKERS)

    def _submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        return self.pool.submit(fn, *args)

    def collect(self, namespace: str | None) -> dict[str, Any]:
        """namespace None: every namespace (-A)."""
        try:
            return self._collect(namespace)
        finally:  # after a failure, nothing left queued is worth waiting for
            self.pool.shutdown(wait=False, cancel_futures=True)

    def _collect(self, namespace: str | None) -> dict[str, Any]:
        user = self._submit(self.cluster.who_am_i)
        psp = self._submit(self._psp_levels)
        if namespace is None:
            names = [n["metadata"]["name"] for n in self.cluster.list_all(NAMESPACES)]
        else:
            names = [namespace]
        sections = [self._namespace(name) for name in names]
        levels = psp.result()
        cluster_rows = cluster_permissions(sorted(levels) if levels is not None else None)
        asked = [(p, self._submit(self.cluster.access, p.attributes())) for p in cluster_rows]
        identity, source = self._identity(user)
        finished = [self._finish(s) for s in sections]
        cluster_grants = [self._grant(p, f, None, levels) for p, f in asked]
        return document(identity, source, finished, cluster_grants)

    def _namespace(self, name: str) -> dict[str, Any]:
        rows = namespaced_permissions(name)
        return {"namespace": name, "labels": self._submit(self.cluster.namespace_object, name),
                "asked": [(p, self._submit(self.cluster.access, p.attributes())) for p in rows]}

    def _finish(self, section: dict[str, Any]) -> dict[str, Any]:
        name = section["namespace"]
        pod_security = self._pod_security(name, _settled(section["labels"]))
        enforce = pod_security.get("enforce")
        grants = [self._grant(p, f, enforce, None) for p, f in section["asked"]]
        return {"namespace": name, "permissions": [g.to_dict() for g in grants],
                "podSecurity": pod_security}

    @staticmethod
    def _grant(permission: Permission, future: Future[Any], enforce: str | None,
               psp_levels: dict[str, str] | None) -> Grant:
        answer = _settled(future)
        if isinstance(answer, ApiError):
            return Grant(permission, False, False, f"could not be asked: {answer}")
        grant = assess(permission, answer.allowed, enforce, psp_levels)
        if answer.error and not answer.allowed:
            return grant._replace(why=f"the authorizer could not decide: {answer.error}")
        return grant

    def _pod_security(self, name: str, namespace: Any) -> dict[str, Any]:
        if isinstance(namespace, ApiError):
            return {"error": str(namespace)}
        labels = pod_security_labels((namespace.get("metadata") or {}).get("labels"))
        resolver = PolicyResolver(self.config, {name: labels}, labels_origin="the namespace")
        choice = resolver.choose(name)
        assert choice.policy is not None
        out: dict[str, Any] = {mode.value: str(choice.policy.for_mode(mode)) for mode in MODES}
        out["source"] = choice.source
        out["labels"] = labels
        if choice.label_errors:
            out["labelErrors"] = [str(e) for e in choice.label_errors]
        return out

    def _psp_levels(self) -> dict[str, str] | None:
        """PSP name -> the Pod Security level it is equivalent to ("unknown"
        when unreadable); {} when they cannot be listed; None where not served."""
        if not self.cluster.serves(PODSECURITYPOLICIES.api_version, PODSECURITYPOLICIES.plural):
            return None
        try:
            policies = self.cluster.list_all(PODSECURITYPOLICIES)
        except ApiError as err:
            if fatal(err):
                raise
            return {}
        from ..psp.mapping import map_policy

        levels = {}
        for policy in policies:
            name = str((policy.get("metadata") or {}).get("name") or "")
            try:
                levels[name] = map_policy(policy).level.value
            except ValueError:
                levels[name] = "unknown"
        return levels

    def _identity(self, user: Future[Any]) -> tuple[dict[str, Any], str]:
        answer = _settled(user)
        if isinstance(answer, dict):
            return answer, "SelfSubjectReview"
        why = NO_REVIEW if answer is None else f"SelfSubjectReview failed: {answer}"
        identity = self.cluster.identity
        if identity.user:
            return (from_impersonation(identity.user, identity.groups, identity.uid),
                    f"the impersonation flags ({why})")
        token, subject = self.cluster.credentials()
        guess = from_certificate(subject) if subject else None
        if guess:
            return guess, f"the client certificate ({why})"
        guess = from_token(token) if token else None
        if guess:
            return guess, f"the service account token's claims ({why})"
        return {"username": "", "uid": "", "groups": [], "extra": {}}, f"unknown ({why})"
