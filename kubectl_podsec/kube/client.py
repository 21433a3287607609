"""The one module that talks to the API server.

Requests go over the standard library's HTTP client, with keep-alive
connections (one per concurrent request) and the TLS settings and credentials
client-go would use (`credentials.py`). The official `kubernetes` client is
imported only for kubeconfig users with an `auth-provider` (OIDC and the
like), whose tokens only it knows how to refresh; importing it costs more than
most commands take.

Everything leaves here as plain dicts with the Kubernetes JSON keys, and every
failure leaves as one `ApiError` (exit 3) that says what failed and where.

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
import os
import random
import re
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection, HTTPException, HTTPSConnection, RemoteDisconnected
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit

from . import kubeconfig
from .credentials import Credentials, load as load_credentials, proxy_for
from .reviews import Access, Answer, answer
from ..errors import ClusterError, UsageError
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
        self._credentials = _credentials(resolved, environ)
        self._transport = _Transport(self._credentials, os.environ if environ is None else environ)
        self.server = self._credentials.server
        self._user_agent = f"kubectl-podsec/{_version()}"
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
        attempts = self.attempts if retry else 1
        for attempt in range(1, attempts + 1):
            with self._lock:
                self.requests += 1
            try:
                response = self._send(method, path, query, body, impersonate, content_type, decode)
            except (OSError, HTTPException) as err:
                kind = _failure_kind(err)
                if kind == "timeout":
                    raise self._timeout(method, path) from None
                if kind == "retry" and attempt < attempts:
                    self.sleep(_backoff(attempt, None))
                    continue
                raise ApiError(f"cannot reach {self.server} ({_reason(err)}); "
                               "check --context or KUBECONFIG",
                               reason=NOT_SENT if isinstance(err, _NotConnected) else "") from None
            if response.status in _RETRY_STATUS and attempt < attempts:
                self.sleep(_backoff(attempt, response.retry_after))
                continue
            return Response(response.status, response.body, response.warnings)
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, query: list[tuple[str, Any]] | None, body: Any,
              impersonate: bool | Impersonation, content_type: str = JSON, decode: bool = True) -> _Raw:
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
        status, payload, reply = self._transport.send(method, target, headers, data, self.timeout)
        return _Raw(status, _decode(payload) if decode else payload,
                    tuple(reply.get_all("Warning") or ()), reply.get("Retry-After"))

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
        apiVersion and kind, which list items do not carry, and loses its
        managedFields, which nothing here reads (half of a list's bytes, cut
        before decoding). raw=True: each page as the list's undecoded JSON bytes
        instead (for decoding elsewhere).
        The next page is asked for as soon as this one's continue token is read
        from the head of the answer, so the server prepares it meanwhile."""
        path = resource.collection_path(namespace)

        def fetch(token: str | None) -> Response:
            query: list[tuple[str, Any]] = [("limit", limit)]
            if selector:
                query.append(("labelSelector", selector))
            if token:
                query.append(("continue", token))
            response = self.request("GET", path, query, decode=False)
            if 200 <= response.status < 300:
                response = response._replace(body=_without_managed_fields(response.body))
            return response

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
        return token or None, _certificate_subject(pem) if pem else None

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
        query = [("dryRun", "All"), ("fieldManager", FIELD_MANAGER)]
        response = self.request("POST", path, query, body, impersonate)
        if response.status == 401 or (response.status == 403 and " cannot impersonate" in str(response.body)):
            raise self.fail("POST", path, response)
        if isinstance(impersonate, Impersonation):
            who = f"(as {impersonate.user})"
        else:
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


_MANAGED_FIELDS = b',"managedFields":['
_METADATA_END = b']},"'
_ITEM_START = b'{"metadata":{'


def _without_managed_fields(data: Any) -> Any:
    """A list page's JSON without the items' metadata.managedFields, cut as
    bytes. The API server writes ObjectMeta's fields in declaration order, so
    managedFields comes last in metadata, and its array closes with the `]}`
    that also closes metadata, before the item's next key (`,"`). That sequence
    cannot occur earlier: managedFields holds no other array, `]` appears in it
    only within field-path strings, and inside strings quotes are escaped. An
    item whose metadata is its last key is left whole (the search would run into
    the next item), and so is anything that is not the API server's JSON."""
    if not isinstance(data, bytes) or not data.startswith(b'{"kind":'):
        return data
    find, parts, position, search = data.find, [], 0, 0
    while (start := find(_MANAGED_FIELDS, search)) >= 0:
        end = find(_METADATA_END, start)
        if end < 0:
            break
        if find(_ITEM_START, start, end) >= 0:  # this item has no spec: left whole
            search = start + 1
            continue
        parts.append(data[position:start])
        position = search = end + 1  # keep the "}" that closes metadata
    if not parts:
        return data
    parts.append(data[position:])
    return b"".join(parts)


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
    if isinstance(err, ssl.SSLError):
        return "fail"
    if isinstance(err, TimeoutError):
        return "timeout"
    if isinstance(err, (_NotConnected, ConnectionError, HTTPException)):
        return "retry"
    return "fail"


def _reason(err: Exception) -> str:
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"TLS: certificate verify failed: {err.verify_message}"
    if isinstance(err, ssl.SSLError):
        return f"TLS: {(err.reason or str(err)).lower().replace('_', ' ')}"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror.lower()
    if isinstance(err, RemoteDisconnected):
        return "the server closed the connection"
    text = str(err)
    match = _ERRNO.search(text)
    if match:
        return match.group(1).strip().lower()
    return f"{type(err).__name__}: {text[:200]}"


# --- the connection ---------------------------------------------------------------

class _NotConnected(OSError):
    """No connection could be made: the request never left."""


class _Transport:
    """Keep-alive connections to one API server, one per concurrent request."""

    def __init__(self, credentials: Credentials, environ: Mapping[str, str]) -> None:
        url = urlsplit(credentials.server)
        self.scheme = url.scheme
        self.host = url.hostname or ""
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.prefix = url.path.rstrip("/")
        self.credentials = credentials
        self.proxy = proxy_for(self.scheme, self.host, credentials.proxy_url, environ)
        if self.proxy and not self.proxy.startswith("http://"):
            raise ClusterError(f"proxy {self.proxy}: only http:// proxies are supported")
        self._context: ssl.SSLContext | None = None
        self._idle: list[HTTPConnection] = []
        self._lock = threading.Lock()

    def context(self) -> ssl.SSLContext:
        with self._lock:
            if self._context is None:
                self._context = _ssl_context(self.credentials)
            return self._context

    def _connection(self, timeout: float | None) -> tuple[HTTPConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        limit = timeout or CONNECT_TIMEOUT
        target_host = f"[{self.host}]" if ":" in self.host else self.host
        if self.proxy:
            proxy = urlsplit(self.proxy)
            host, port = proxy.hostname or "", proxy.port or 80
        else:
            host, port = target_host, self.port
        connection: HTTPConnection
        if self.scheme == "https":
            connection = _HTTPSConnection(host, port, timeout=limit, context=self.context(),
                                          server_hostname=self.credentials.tls_server_name)
        else:
            connection = HTTPConnection(host, port, timeout=limit)
        if self.proxy:
            connection.set_tunnel(target_host, self.port)
        try:
            connection.connect()
        except ssl.SSLError:
            connection.close()
            raise
        except OSError as err:
            connection.close()
            if isinstance(err, TimeoutError):
                raise
            raise _NotConnected(err.errno, err.strerror or str(err)) from None
        assert connection.sock is not None
        connection.sock.settimeout(timeout)  # None: no limit on reading the answer
        return connection, False

    def _close_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def send(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes | None,
             timeout: float | None) -> tuple[int, bytes, Any]:
        """One exchange; a kept-alive connection the server has closed
        meanwhile is replaced once (nothing reached the server on it)."""
        for _ in range(2):
            connection, reused = self._connection(timeout)
            try:
                connection.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
                for name, value in headers:
                    connection.putheader(name, value)
                connection.endheaders(body)
                response = connection.getresponse()
                payload = response.read()
            except (RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                if reused:  # closed by the server while idle: this request never reached it,
                    self._close_idle()  # and the other idle ones are as old
                    continue
                raise
            except BaseException:
                connection.close()
                raise
            if response.will_close:
                connection.close()
            else:
                with self._lock:
                    self._idle.append(connection)
            return response.status, payload, response.headers
        raise RemoteDisconnected("the server closed the connection")


class _HTTPSConnection(HTTPSConnection):
    """HTTPS with an optional TLS server name other than the host (tls-server-name)."""

    def __init__(self, host: str, port: int, *, timeout: float, context: ssl.SSLContext,
                 server_hostname: str | None) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._server_hostname = server_hostname

    def connect(self) -> None:
        if not self._server_hostname:
            super().connect()
            return
        HTTPConnection.connect(self)
        assert self.sock is not None
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self._server_hostname)  # type: ignore[attr-defined]


def _ssl_context(credentials: Credentials) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if credentials.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif credentials.ca_pem:
        try:
            context.load_verify_locations(cadata=credentials.ca_pem.decode("ascii", "replace"))
        except ssl.SSLError as err:
            raise ClusterError(f"invalid certificate-authority for {credentials.server}: {err.reason}") from None
    else:
        context.load_default_certs()
    if credentials.client_cert_pem and credentials.client_key_pem:
        _load_client_certificate(context, credentials.client_cert_pem, credentials.client_key_pem)
    return context


def _load_client_certificate(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    """ssl only loads certificates from files: a private temporary directory, removed at once."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kubectl-podsec-") as tmp:
        cert_path, key_path = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        for path, data in ((cert_path, cert), (key_path, key)):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                f.write(data)
        try:
            context.load_cert_chain(cert_path, key_path)
        except ssl.SSLError as err:
            raise ClusterError(f"invalid client certificate or key: {err.reason}") from None


def _certificate_subject(pem: bytes) -> Any:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pem") as f:
        f.write(pem)
        f.flush()
        try:  # the standard library's own PEM decoder
            return ssl._ssl._test_decode_cert(f.name).get("subject")  # type: ignore[attr-defined]
        except (OSError, ValueError, AttributeError, ssl.SSLError):
            return None


def _credentials(resolved: kubeconfig.Resolved, environ: Mapping[str, str] | None) -> Credentials:
    found = load_credentials(resolved, environ)
    if found.auth_provider and not found.authorization:
        found = found._replace(authorization=_auth_provider_token(resolved))
    return found


def _auth_provider_token(resolved: kubeconfig.Resolved) -> str | None:
    """A kubeconfig auth-provider's token (OIDC, refreshed if need be), through the official client."""
    from kubernetes.client import Configuration
    from kubernetes.config import ConfigException
    from kubernetes.config.kube_config import KubeConfigLoader

    configuration = Configuration()
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
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
    token = configuration.api_key.get("BearerToken")
    return str(token) if token else None


class _Collector(logging.Handler):
    """Keeps the errors the official loader logs instead of raising."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _version() -> str:
    from .. import __version__

    return __version__
