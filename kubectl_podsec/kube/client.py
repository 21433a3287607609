"""The one module that asks the API server things: `Cluster`, a connection to
one server as one identity, and the questions the commands ask it.

Requests go over `transport.py` (the standard library's HTTP client, with
keep-alive connections and the TLS settings and credentials client-go would
use). Everything leaves here as plain dicts with the Kubernetes JSON keys, and
every failure leaves as one `ApiError` (exit 3) that says what failed and where.

The impersonated identity (--as, --as-group, --as-uid, --sa) is the one the
questions are about: SelfSubjectReview, SelfSubjectAccessReviews and dry runs
are sent as it. Reads (version, namespaces, lists) use your own credentials,
so asking about a service account needs no read rights for it.

Every request made here is free of side effects (reads, reviews, dry runs),
so each is retried with backoff on 429, 5xx and dropped connections,
honouring Retry-After; only a namespace patch is sent once. A refused
connection or a host name that does not resolve fails at once, as in kubectl,
and --request-timeout bounds each request with its retries.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from http.client import HTTPException
from typing import Any
from urllib.parse import urlencode

from . import auth_provider, certificates, kubeconfig, lists
from .credentials import Credentials, load as load_credentials
from .reviews import Access, Answer, answer
from ..errors import ClusterError
from .options import ConnectionOptions, Impersonation
from .resources import NAMESPACES, Resource
from .transport import (CONNECT_TIMEOUT, JSON, MAX_ATTEMPTS, RETRY_STATUS, NotConnected, Raw, Response,
                        TimedOut, Transport, backoff, describe_failure, failure_kind)
from .transport import decode as _decode

FIELD_MANAGER = "kubectl-podsec"
IMPERSONATION_REFUSED = "ImpersonationRefused"
NOT_SENT = "NotSent"  # ApiError.reason: the connection failed, the request never left
MERGE_PATCH = "application/merge-patch+json"


class ApiError(ClusterError):
    """An API request that failed; `status` 0 when no HTTP answer came."""

    def __init__(self, message: str, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status, self.reason = status, reason

    @property
    def fatal(self) -> bool:
        """Nothing more can be asked: no answer, credentials or impersonation refused."""
        return self.status in (0, 401) or self.reason == IMPERSONATION_REFUSED


def _status_message(body: Any, fallback: str) -> tuple[str, str]:
    if isinstance(body, Mapping) and body.get("kind") == "Status":
        return str(body.get("message") or fallback), str(body.get("reason") or "")
    return fallback, ""


class Cluster:
    """A connection to one API server as one identity."""

    def __init__(self, options: ConnectionOptions, environ: Mapping[str, str] | None = None) -> None:
        resolved = kubeconfig.resolve(options.kubeconfig, options.context, options.cluster,
                                      options.user, environ)
        self.namespace = resolved.namespace
        self.context = resolved.context_name
        self.identity = options.identity
        self.timeout = options.request_timeout
        self._credentials = _credentials(resolved, environ, options.request_timeout)
        self._transport = Transport(self._credentials, os.environ if environ is None else environ)
        self.server = self._credentials.server
        self._user_agent = f"kubectl-podsec/{_version()}"
        self._requests = _Counter()
        self.attempts = MAX_ATTEMPTS  # per request, retries included
        self.sleep = time.sleep  # between attempts (tests record the waits)

    @property
    def requests(self) -> int:
        """Requests sent so far, retries included (by this connection and its `limited` copies)."""
        return self._requests.value

    def limited(self, timeout: float, attempts: int) -> Cluster:
        """The same connection (and identity) with other limits, for one last
        brief question; this one keeps its own."""
        import copy  # only after Ctrl-C: not worth every command's start-up

        other = copy.copy(self)
        other.timeout, other.attempts = timeout, attempts
        return other

    # --- HTTP -----------------------------------------------------------------

    def request(self, method: str, path: str, query: list[tuple[str, Any]] | None = None,
                body: Any = None, impersonate: bool | Impersonation = False, content_type: str = JSON,
                retry: bool = True, decode: bool = True) -> Response:
        """One request, retried while safe (retry=False: sent once); any HTTP
        status is returned, and only the absence of an answer raises (ApiError,
        reason NOT_SENT when no connection was made, so nothing reached the server)."""
        attempts = self.attempts if retry else 1
        # --request-timeout bounds the request with its retries, as client-go's
        # request context does: no attempt and no wait runs past it.
        deadline = time.monotonic() + self.timeout if self.timeout else None
        for attempt in range(1, attempts + 1):
            self._requests.add()
            try:
                response = self._send(method, path, query, body, impersonate, content_type, decode,
                                      _remaining(deadline))
            except (OSError, HTTPException) as err:
                kind = failure_kind(err)
                if kind == "timeout":
                    raise self._timeout(method, path, err) from None
                wait = backoff(attempt, None)
                if kind == "retry" and attempt < attempts and _fits(deadline, wait):
                    self.sleep(wait)
                    continue
                raise ApiError(f"cannot reach {self.server} ({describe_failure(err)}); "
                               "check --context or KUBECONFIG",
                               reason=NOT_SENT if isinstance(err, NotConnected) else "") from None
            wait = backoff(attempt, response.retry_after)
            if response.status in RETRY_STATUS and attempt < attempts and _fits(deadline, wait):
                self.sleep(wait)
                continue
            return Response(response.status, response.body, response.warnings, attempt)
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, query: list[tuple[str, Any]] | None, body: Any,
              impersonate: bool | Impersonation, content_type: str = JSON, decode: bool = True,
              timeout: float | None = None) -> Raw:
        headers = [("Accept", JSON), ("User-Agent", self._user_agent)]
        if self._credentials.authorization:
            headers.append(("Authorization", self._credentials.authorization))
        identity = impersonate if isinstance(impersonate, Impersonation) else self.identity
        if impersonate and identity.user:
            headers.append(("Impersonate-User", identity.user))
            headers += [("Impersonate-Group", group) for group in identity.groups]
            if identity.uid:
                headers.append(("Impersonate-Uid", identity.uid))
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers += [("Content-Type", content_type), ("Content-Length", str(len(data)))]
        target = self._transport.prefix + path + (f"?{urlencode(query)}" if query else "")
        status, payload, reply = self._transport.send(method, target, headers, data, timeout)
        return Raw(status, _decode(payload) if decode else payload,
                   tuple(reply.get_all("Warning") or ()), reply.get("Retry-After"))

    def _timeout(self, method: str, path: str, err: Exception) -> ApiError:
        if self.timeout:
            limit = f"{self.timeout:g}s"
        elif isinstance(err, TimedOut) and err.limit:
            limit = f"{err.limit:g}s for the {err.phase}"
        else:
            limit = f"{CONNECT_TIMEOUT:g}s for the connection"
        return ApiError(f"timed out after {limit} waiting for {self.server} ({method} {path}); "
                        "raise --request-timeout or check the connection")

    def fail(self, method: str, path: str, response: Response) -> ApiError:
        """The error for a request the server refused or could not serve."""
        status, body = response.status, response.body
        message, reason = _status_message(body, f"{status}")
        if status == 401:
            return ApiError(f'unauthorized: {self.server} rejected the credentials of context '
                            f'"{self.context}" ({message}); check --context, --user or KUBECONFIG',
                            status, reason)
        if status == 403:
            # `pods "x" is forbidden: WHY` for a resource, `forbidden: WHY` for a path (/version)
            text = message.partition(" is forbidden: ")[2] or message.removeprefix("forbidden: ")
            refused = " cannot impersonate" in text  # also 1.35+'s impersonate-on:... verbs
            return ApiError(f"forbidden: {text}", status, IMPERSONATION_REFUSED if refused else reason)
        if status == 404 and reason == "NotFound":
            return ApiError(message, status, reason)
        if status == 404:
            return ApiError(f"{self.server} does not serve {method} {path} (404 Not Found)", status)
        after = f" after {response.attempts} attempts" if response.attempts > 1 else ""
        return ApiError(f"{self.server} answered {status} to {method} {path}{after}: {message}",
                        status, reason)

    def get(self, path: str, query: list[tuple[str, Any]] | None = None) -> Any:
        response = self.request("GET", path, query)
        if not 200 <= response.status < 300:
            raise self.fail("GET", path, response)
        return response.body

    def post(self, path: str, body: Any, query: list[tuple[str, Any]] | None = None,
             impersonate: bool | Impersonation = False) -> Any:
        response = self.request("POST", path, query, body, impersonate)
        if not 200 <= response.status < 300:
            raise self.fail("POST", path, response)
        return response.body

    # --- what the commands ask ----------------------------------------------------

    def version(self) -> dict[str, Any]:
        return dict(self.get("/version"))

    def namespace_object(self, name: str) -> dict[str, Any]:
        return dict(self.get(NAMESPACES.object_path(None, name)))

    def list_pages(self, resource: Resource, namespace: str | None = None,
                   selector: str | None = None, limit: int = lists.PAGE_SIZE,
                   raw: bool = False) -> Iterator[Any]:
        """The collection page by page (`lists.pages`)."""
        return lists.pages(self, resource, namespace, selector, limit, raw)

    def access(self, attributes: Mapping[str, Any], identity: Impersonation | None = None) -> Access:
        """A SelfSubjectAccessReview for these resourceAttributes, as the chosen
        identity (or as `identity`, impersonated: needs impersonate rights)."""
        review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                  "spec": {"resourceAttributes": dict(attributes)}}
        path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        return _access(self.post(path, review, impersonate=identity or True))

    def subject_access(self, user: str, groups: tuple[str, ...],
                       attributes: Mapping[str, Any]) -> Access:
        """A SubjectAccessReview: may this user with exactly these groups do it?
        Asked with your own credentials (needs create on subjectaccessreviews)."""
        review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                  "spec": {"user": user, "groups": list(groups), "resourceAttributes": dict(attributes)}}
        return _access(self.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", review))

    def who_am_i(self) -> dict[str, Any] | None:
        """The user info from a SelfSubjectReview; None where the API is not served (< 1.26)."""
        for version in ("v1", "v1beta1", "v1alpha1"):
            path = f"/apis/authentication.k8s.io/{version}/selfsubjectreviews"
            response = self.request("POST", path, body={
                "apiVersion": f"authentication.k8s.io/{version}", "kind": "SelfSubjectReview"},
                impersonate=True)
            if response.status == 404:
                continue
            if response.status == 403 and not self.serves(f"authentication.k8s.io/{version}",
                                                          "selfsubjectreviews"):
                continue  # older servers authorize a request before finding it has no such resource
            if not 200 <= response.status < 300:
                raise self.fail("POST", path, response)
            return dict((response.body.get("status") or {}).get("userInfo") or {})
        return None

    def credentials(self) -> tuple[str | None, Any]:
        """(bearer token, client certificate subject) this connection uses,
        for guessing the identity where SelfSubjectReview is not served."""
        authorization = self._credentials.authorization or ""
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else None
        pem = self._credentials.client_cert_pem
        return token or None, certificates.subject(pem) if pem else None

    def list_all(self, resource: Resource) -> list[dict[str, Any]]:
        """Every object of a small collection, all pages."""
        return [item for page in self.list_pages(resource) for item in page]

    def serves(self, group_version: str, plural: str) -> bool:
        """Whether the server serves this resource (one discovery request)."""
        response = self.request("GET", f"/apis/{group_version}")
        if response.status == 404:
            return False
        if not 200 <= response.status < 300:
            raise self.fail("GET", f"/apis/{group_version}", response)
        return any(r.get("name") == plural for r in response.body.get("resources") or [])

    def patch_namespace(self, name: str, patch: Mapping[str, Any], dry_run: bool = False,
                        impersonate: bool = True) -> Response:
        """A JSON merge patch of one namespace, as the chosen identity; any HTTP
        status is returned. A dry run (dryRun=All) is retried like any request;
        a real write is sent once, never retried here: if its first attempt was
        applied, a retry would fail its resourceVersion precondition (409), so
        the caller re-reads the namespace to learn what happened."""
        query: list[tuple[str, Any]] = [("fieldManager", FIELD_MANAGER)]
        if dry_run:
            query.append(("dryRun", "All"))
        return self.request("PATCH", NAMESPACES.object_path(None, name), query, dict(patch),
                            impersonate, content_type=MERGE_PATCH, retry=dry_run)

    def dry_run_create(self, resource: Resource, namespace: str, body: Mapping[str, Any],
                       impersonate: bool | Impersonation = True) -> Answer:
        """A server-side dry-run create (dryRun=All: admission runs, nothing is stored)."""
        path = resource.collection_path(namespace)
        # fieldValidation=Strict: an unknown field fails the create, as kubectl's default
        # --validate=strict makes it
        query = [("dryRun", "All"), ("fieldManager", FIELD_MANAGER), ("fieldValidation", "Strict")]
        response = self.request("POST", path, query, body, impersonate)
        if response.status == 401 or (response.status == 403 and " cannot impersonate" in str(response.body)):
            raise self.fail("POST", path, response)
        if isinstance(impersonate, Impersonation):
            who = f"(as {impersonate.user})"
        else:
            who = "" if impersonate or not self.identity.user else "(your own identity)"
        return answer(response.status, response.body, response.warnings, who)


def _remaining(deadline: float | None) -> float | None:
    """What is left of the request's time (a sliver at least: the attempt then times out)."""
    return None if deadline is None else max(deadline - time.monotonic(), 0.001)


def _fits(deadline: float | None, wait: float) -> bool:
    """Whether waiting `wait` seconds leaves time for another attempt."""
    return deadline is None or time.monotonic() + wait < deadline


def _access(review: Mapping[str, Any]) -> Access:
    status = review.get("status") or {}
    return Access(bool(status.get("allowed")) and not status.get("denied"),
                  str(status.get("reason") or ""), str(status.get("evaluationError") or ""))


class _Counter:
    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.value += 1


def _credentials(resolved: kubeconfig.Resolved, environ: Mapping[str, str] | None,
                 timeout: float | None) -> Credentials:
    found = load_credentials(resolved, environ, timeout)
    if found.auth_provider and not found.authorization:
        found = found._replace(authorization=auth_provider.token(resolved))
    return found


def _version() -> str:
    from .. import __version__

    return __version__
