"""The one module that talks to the API server, through the official client.

Everything leaves here as plain dicts with the Kubernetes JSON keys (raw JSON,
never client model objects), and every failure leaves as one `ApiError`
(exit 3) that says what failed and where. `kubernetes` is imported only when a
`Cluster` is made, so offline commands never load it.

The impersonated identity (--as, --as-group, --as-uid, --sa) is the one the
questions are about: SelfSubjectReview, SelfSubjectAccessReviews and dry runs
are sent as it. Reads (version, namespaces, lists) use your own credentials,
so asking about a service account needs no read rights for it.

Every request made here is free of side effects (reads, reviews, dry runs),
so each is retried with backoff on 429, 5xx and dropped connections,
honouring Retry-After.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

from . import kubeconfig
from .dry_run import Access, Answer, answer
from .errors import ClusterError, UsageError
from .resources import NAMESPACES, Resource

PAGE_SIZE = 500  # kubectl's chunk size
MAX_ATTEMPTS = 5
RETRY_AFTER_CAP = 30.0
CONNECT_TIMEOUT = 30.0  # Go's default dial timeout, when --request-timeout is not given
FIELD_MANAGER = "kubectl-podsec"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")
_SA_USER = "system:serviceaccount:"


IMPERSONATION_REFUSED = "ImpersonationRefused"
NOT_SENT = "NotSent"  # ApiError.reason: the connection failed, the request never left
JSON = "application/json"
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


class Impersonation(NamedTuple):
    user: str | None = None
    groups: tuple[str, ...] = ()
    uid: str | None = None

    @property
    def service_account(self) -> tuple[str, str] | None:
        """(namespace, name) when impersonating a service account."""
        if self.user and self.user.startswith(_SA_USER):
            namespace, _, name = self.user[len(_SA_USER):].partition(":")
            if namespace and name:
                return namespace, name
        return None

    def describe(self) -> str:
        return self.user or ""


def impersonation(as_user: str | None, as_groups: tuple[str, ...], as_uid: str | None,
                  sa: str | None) -> Impersonation:
    """The identity from `--as`, `--as-group`, `--as-uid` and `--sa NS/NAME`.

    `--sa` is `--as system:serviceaccount:NS:NAME`. The API server itself adds
    the groups system:serviceaccounts and system:serviceaccounts:NS when it
    impersonates a service account, and only when no group is asked for, so
    none are sent here (`expected_groups` says what the server will use)."""
    if sa is not None:
        if as_user:
            raise UsageError("--sa and --as cannot be used together")
        namespace, sep, name = sa.partition("/")
        if not sep or not namespace or not name or "/" in name:
            raise UsageError(f'--sa: "{sa}" must be NAMESPACE/NAME')
        as_user = f"{_SA_USER}{namespace}:{name}"
    if (as_groups or as_uid) and not as_user:
        raise UsageError("--as-group and --as-uid need --as or --sa")
    return Impersonation(as_user or None, tuple(as_groups), as_uid or None)


def expected_groups(identity: Impersonation) -> tuple[str, ...]:
    """The groups the API server gives an impersonated identity (upstream's rule)."""
    if identity.groups:
        return identity.groups
    sa = identity.service_account
    return ("system:serviceaccounts", f"system:serviceaccounts:{sa[0]}") if sa else ()


class ConnectionOptions(NamedTuple):
    kubeconfig: str | None = None
    context: str | None = None
    cluster: str | None = None
    user: str | None = None
    identity: Impersonation = Impersonation()
    request_timeout: float | None = None  # seconds; None: kubectl's default (no limit)


def parse_timeout(text: str | None) -> float | None:
    """kubectl's --request-timeout: a number of seconds or a duration (1s, 2m, 1h, 500ms); 0 = none."""
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", text)
    if not match:
        raise UsageError(f'--request-timeout: invalid value "{text}": use a duration such as 5s, 1m or 0')
    seconds = float(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]
    return seconds or None


class Response(NamedTuple):
    status: int
    body: Any
    warnings: tuple[str, ...]


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
        self._api = _api_client(resolved, options.identity)
        self.server = str(self._api.configuration.host)
        self.requests = 0
        self.attempts = MAX_ATTEMPTS  # per request, retries included
        self.sleep = time.sleep  # between attempts (tests record the waits)
        self._lock = threading.Lock()

    # --- HTTP -----------------------------------------------------------------

    def request(self, method: str, path: str, query: list[tuple[str, Any]] | None = None,
                body: Any = None, impersonate: bool | Impersonation = False, content_type: str = JSON,
                retry: bool = True, decode: bool = True) -> Response:
        """One request, retried while safe (retry=False: sent once); any HTTP
        status is returned, and only the absence of an answer raises (ApiError,
        reason NOT_SENT when no connection was made, so nothing reached the server)."""
        from urllib3.exceptions import HTTPError, NewConnectionError

        from kubernetes.client.exceptions import ApiException

        attempts = self.attempts if retry else 1
        for attempt in range(1, attempts + 1):
            with self._lock:
                self.requests += 1
            try:
                response = self._send(method, path, query, body, impersonate, content_type, decode)
            except (HTTPError, ApiException, OSError) as err:
                kind = _failure_kind(err)
                if kind == "timeout":
                    raise self._timeout(method, path) from None
                if kind == "retry" and attempt < attempts:
                    self.sleep(_backoff(attempt, None))
                    continue
                raise ApiError(f"cannot reach {self.server} ({_reason(err)}); "
                               "check --context or KUBECONFIG",
                               reason=NOT_SENT if isinstance(err, NewConnectionError) else "") from None
            if response.status in _RETRY_STATUS and attempt < attempts:
                self.sleep(_backoff(attempt, response.retry_after))
                continue
            return Response(response.status, response.body, response.warnings)
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, query: list[tuple[str, Any]] | None, body: Any,
              impersonate: bool | Impersonation, content_type: str = JSON, decode: bool = True) -> _Raw:
        api = self._api
        headers = {"Accept": "application/json", "Content-Type": content_type}
        _, url, headers, body, _ = api.param_serialize(
            method=method, resource_path=path, query_params=query or [], header_params=headers,
            body=body, auth_settings=["BearerToken"])
        timeout = self.timeout or (CONNECT_TIMEOUT, None)
        raw = api.call_api(method, url, headers, body, _request_timeout=timeout,
                           impersonate=impersonate)
        data = raw.read()
        retry_after = raw.headers.get("Retry-After")
        return _Raw(raw.status, _decode(data) if decode else data, tuple(raw.headers.getlist("Warning")),
                    retry_after)

    def _timeout(self, method: str, path: str) -> ApiError:
        limit = f"{self.timeout:g}s" if self.timeout else f"{CONNECT_TIMEOUT:g}s to connect"
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
            text = message.partition(" is forbidden: ")[2] or message
            refused = " cannot impersonate" in text  # also 1.35+'s impersonate-on:... verbs
            return ApiError(f"forbidden: {text}", status, IMPERSONATION_REFUSED if refused else reason)
        if status == 404 and reason == "NotFound":
            return ApiError(message, status, reason)
        if status == 404:
            return ApiError(f"{self.server} does not serve {method} {path} (404 Not Found)", status)
        after = f" after {self.attempts} attempts" if status in _RETRY_STATUS else ""
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
                   selector: str | None = None, limit: int = PAGE_SIZE,
                   raw: bool = False) -> Iterator[Any]:
        """The collection page by page (limit/continue); each item gets its
        apiVersion and kind, which list items do not carry. raw=True: each page
        as the list's undecoded JSON bytes instead (for decoding elsewhere).
        The next page is asked for as soon as this one's continue token is read
        from the head of the answer, so the server prepares it meanwhile."""
        path = resource.collection_path(namespace)

        def fetch(token: str | None) -> Response:
            query: list[tuple[str, Any]] = [("limit", limit)]
            if selector:
                query.append(("labelSelector", selector))
            if token:
                query.append(("continue", token))
            return self.request("GET", path, query, decode=False)

        with ThreadPoolExecutor(max_workers=1) as ahead:
            token: str | None = None
            pending = ahead.submit(fetch, token)
            while True:
                response = pending.result()
                head = _peek_metadata(response.body) if 200 <= response.status < 300 else None
                peeked = _continue_token({"metadata": head}) if head is not None else None
                if peeked:
                    pending = ahead.submit(fetch, peeked)
                if raw and head is not None:
                    yield response.body
                    token = peeked
                else:
                    response = response._replace(body=_decode(response.body))
                    if response.status == 410 and token:
                        # The continue token expired: carry on from where the server says,
                        # as client-go's pager does (the rest of the list may then be newer).
                        token = _continue_token(response.body)
                        if token:
                            pending = ahead.submit(fetch, token)
                            continue
                    if not 200 <= response.status < 300:
                        raise self.fail("GET", path, response)
                    page = response.body
                    items = page.get("items") or []
                    for item in items:
                        item["apiVersion"], item["kind"] = resource.api_version, resource.kind
                    yield json.dumps(page).encode() if raw else items
                    token = _continue_token(page)
                if not token:
                    return
                if token != peeked:  # the head did not show it: ask now
                    pending = ahead.submit(fetch, token)

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
            if not 200 <= response.status < 300:
                raise self.fail("POST", path, response)
            return dict((response.body.get("status") or {}).get("userInfo") or {})
        return None

    def credentials(self) -> tuple[str | None, Any]:
        """(bearer token, client certificate subject) this connection uses,
        for guessing the identity where SelfSubjectReview is not served."""
        import ssl

        configuration = self._api.configuration
        token = configuration.api_key.get("BearerToken") or None
        subject = None
        if configuration.cert_file:
            try:  # the standard library's own PEM decoder
                subject = ssl._ssl._test_decode_cert(configuration.cert_file).get("subject")  # type: ignore[attr-defined]
            except (OSError, ValueError, AttributeError, ssl.SSLError):
                subject = None
        return token, subject

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
                       impersonate: bool = True) -> Answer:
        """A server-side dry-run create (dryRun=All: admission runs, nothing is stored)."""
        path = resource.collection_path(namespace)
        query = [("dryRun", "All"), ("fieldManager", FIELD_MANAGER)]
        response = self.request("POST", path, query, body, impersonate)
        if response.status == 401 or (response.status == 403 and " cannot impersonate" in str(response.body)):
            raise self.fail("POST", path, response)
        who = "" if impersonate or not self.identity.user else "(your own identity)"
        return answer(response.status, response.body, response.warnings, who)


def _access(review: Mapping[str, Any]) -> Access:
    status = review.get("status") or {}
    return Access(bool(status.get("allowed")) and not status.get("denied"),
                  str(status.get("reason") or ""), str(status.get("evaluationError") or ""))


class _Raw(NamedTuple):
    status: int
    body: Any
    warnings: tuple[str, ...]
    retry_after: str | None


def _decode(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return data.decode("utf-8", "replace")


_HEAD = 4096
_METADATA = b'"metadata":'


def _peek_metadata(data: Any) -> dict[str, Any] | None:
    """A list's metadata (its continue token) from the head of its raw JSON
    (the API server writes kind, apiVersion, metadata, then items), without
    decoding the page; None when the head does not show it."""
    if not isinstance(data, bytes) or not data.startswith(b'{"kind":'):
        return None
    start = data.find(_METADATA, 0, _HEAD)
    if start < 0:
        return None
    try:
        meta, _ = json.JSONDecoder().raw_decode(data[:_HEAD].decode("utf-8", "replace"),
                                                start + len(_METADATA))
    except ValueError:
        return None
    return meta if isinstance(meta, dict) else None


def _continue_token(body: Any) -> str | None:
    meta = body.get("metadata") if isinstance(body, Mapping) else None
    return (meta or {}).get("continue") or None


def _backoff(attempt: int, retry_after: str | None) -> float:
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), RETRY_AFTER_CAP)
        except ValueError:
            pass  # an HTTP date: fall back to our own backoff
    return min(0.25 * 2.0 ** (attempt - 1), 4.0) * random.uniform(0.8, 1.2)


def _failure_kind(err: Exception) -> str:
    """retry (no connection, or it dropped), timeout, or fail (TLS and the like)."""
    from urllib3.exceptions import NewConnectionError, ProtocolError, TimeoutError as Urllib3Timeout

    if isinstance(err, (NewConnectionError, ProtocolError, ConnectionError)):
        return "retry"
    if isinstance(err, (Urllib3Timeout, TimeoutError)):
        return "timeout"
    return "fail"


def _reason(err: Exception) -> str:
    text = str(getattr(err, "reason", "") or err)
    if "SSLError" in text or "CERTIFICATE" in text.upper():
        detail = text.split("\n")[-1].strip()
        return f"TLS: {detail[:200]}"
    match = _ERRNO.search(text)
    if match:
        return match.group(1).strip().lower()
    return f"{type(err).__name__}: {text[:200]}"


# --- the client ------------------------------------------------------------------

_CLIENT_CLASS: Any = None


def _impersonating_client_class() -> Any:
    """ApiClient sending the impersonation headers on every call, as repeated
    header lines (one Impersonate-Group line per group, as the server expects)."""
    global _CLIENT_CLASS
    if _CLIENT_CLASS is None:
        from urllib3._collections import HTTPHeaderDict

        from kubernetes.client import ApiClient

        class ImpersonatingApiClient(ApiClient):
            identity = Impersonation()

            def call_api(self, method: str, url: str, header_params: Any = None, *args: Any,
                         impersonate: bool | Impersonation = True, **kwargs: Any) -> Any:
                headers = HTTPHeaderDict(header_params or {})
                identity = impersonate if isinstance(impersonate, Impersonation) else self.identity
                if impersonate and identity.user:
                    headers["Impersonate-User"] = identity.user
                    for group in identity.groups:
                        headers.add("Impersonate-Group", group)
                    if identity.uid:
                        headers["Impersonate-Uid"] = identity.uid
                return super().call_api(method, url, headers, *args, **kwargs)

        _CLIENT_CLASS = ImpersonatingApiClient
    return _CLIENT_CLASS


class _Collector(logging.Handler):
    """Keeps the errors the kubeconfig loader logs instead of raising (exec plugins)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _api_client(resolved: kubeconfig.Resolved, identity: Impersonation) -> Any:
    from kubernetes.client import Configuration
    from kubernetes.config import ConfigException
    from kubernetes.config.incluster_config import load_incluster_config
    from kubernetes.config.kube_config import KubeConfigLoader

    configuration = Configuration()
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        if resolved.config is None:
            load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        else:
            loader = KubeConfigLoader(  # type: ignore[no-untyped-call]
                resolved.config, active_context=resolved.context, config_base_path="")
            loader.load_and_set(configuration)  # type: ignore[no-untyped-call]
    except ConfigException as err:
        raise ClusterError(f'invalid configuration for context "{resolved.context_name}": {err}') from None
    finally:
        root.removeHandler(collector)
    if collector.messages:
        raise ClusterError(f'cannot get credentials for context "{resolved.context_name}": '
                           f"{collector.messages[0]}")
    configuration.retries = False  # retries are ours, and only where safe
    client = _impersonating_client_class()(configuration)
    client.identity = identity
    client.user_agent = f"kubectl-podsec/{_version()}"
    return client


def _version() -> str:
    from . import __version__

    return __version__
