"""The connection to one API server: keep-alive HTTP(S) over the standard
library's client, with the TLS settings and proxy client-go would use
(`credentials.py`), and the rules for retrying a request.

`Transport.send` makes one exchange; `Cluster.request` (`client.py`) decides
whether to try again, with `backoff` and `failure_kind` from here.
"""

from __future__ import annotations

import json
import os
import random
import re
import select
import ssl
import threading
from collections.abc import Mapping
from http.client import HTTPConnection, HTTPException, HTTPSConnection, RemoteDisconnected
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ..errors import InputError
from .credentials import Credentials, proxy_for

MAX_ATTEMPTS = 5
RETRY_AFTER_CAP = 30.0
# Go's defaults when --request-timeout is not given: net.Dialer's 30 s to
# connect and client-go's 10 s TLS handshake (utilnet.SetTransportDefaults);
# reading the answer then has no limit, as in kubectl.
CONNECT_TIMEOUT = 30.0
TLS_HANDSHAKE_TIMEOUT = 10.0
# Answers that say "try again later": retried for side-effect-free requests,
# read back for writes (`rollout/write.py`).
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# Requests that may be sent again when a kept-alive connection drops under
# them, as Go's net/http replays them (Request.isReplayable); any other may
# have reached the server, and its sender must learn what became of it.
REPLAYABLE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
JSON = "application/json"
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


class Response(NamedTuple):
    status: int
    body: Any
    warnings: tuple[str, ...]
    attempts: int = 1  # how many times it was sent, retries included


class Raw(NamedTuple):
    """One exchange as it came: the body undecoded or decoded, and Retry-After."""

    status: int
    body: Any
    warnings: tuple[str, ...]
    retry_after: str | None


class NotConnected(OSError):
    """No connection could be made (refused, no such host): the request never left."""


class TimedOut(TimeoutError):
    """No answer in time: `phase` is what was waited for, `limit` how long (seconds)."""

    def __init__(self, phase: str, limit: float | None) -> None:
        super().__init__(f"timed out waiting for the {phase}")
        self.phase, self.limit = phase, limit


def decode(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return data.decode("utf-8", "replace")


def backoff(attempt: int, retry_after: str | None) -> float:
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), RETRY_AFTER_CAP)
        except ValueError:
            pass  # an HTTP date: fall back to our own backoff
    return min(0.25 * 2.0 ** (attempt - 1), 4.0) * random.uniform(0.8, 1.2)


def failure_kind(err: Exception) -> str:
    """retry (a connection that dropped), timeout, or fail (refused, no such
    host, TLS and the like). As client-go, a refused connection or a name that
    does not resolve is not retried: it fails at once, as kubectl does; only a
    connection reset or closed mid-exchange is tried again."""
    if isinstance(err, ssl.SSLError):
        return "fail"
    if isinstance(err, TimeoutError):
        return "timeout"
    if isinstance(err, NotConnected):
        return "fail"
    if isinstance(err, (ConnectionError, HTTPException)):
        return "retry"
    return "fail"


def describe_failure(err: Exception) -> str:
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


class Transport:
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
            raise InputError(f"proxy {self.proxy}", "only http:// proxies are supported")
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
            while self._idle:
                idle = self._idle.pop()
                if _still_open(idle):
                    return idle, True
                idle.close()  # closed by the server while idle: nothing was sent on it
        target_host = f"[{self.host}]" if ":" in self.host else self.host
        if self.proxy:
            proxy = urlsplit(self.proxy)
            host, port = proxy.hostname or "", proxy.port or 80
        else:
            host, port = target_host, self.port
        connection: HTTPConnection
        if self.scheme == "https":
            connection = _HTTPSConnection(host, port, timeout=timeout or CONNECT_TIMEOUT,
                                          context=self.context(),
                                          server_hostname=self.credentials.tls_server_name,
                                          handshake_timeout=timeout or TLS_HANDSHAKE_TIMEOUT)
        else:
            connection = HTTPConnection(host, port, timeout=timeout or CONNECT_TIMEOUT)
        if self.proxy:
            connection.set_tunnel(target_host, self.port)
        try:
            connection.connect()
        except ssl.SSLError:
            connection.close()
            raise
        except OSError as err:
            connection.close()
            if isinstance(err, TimedOut):
                raise
            if isinstance(err, TimeoutError):
                raise TimedOut("connection", timeout or CONNECT_TIMEOUT) from None
            raise NotConnected(err.errno, err.strerror or str(err)) from None
        return connection, False

    def _close_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def send(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes | None,
             timeout: float | None) -> tuple[int, bytes, Any]:
        """One exchange. A kept-alive connection the server has closed while
        idle is not used. One that drops under a replayable request is
        replaced once; under any other (PATCH, POST...) the request may have
        reached the server, so the failure is raised, never sent again here."""
        for _ in range(2):
            connection, reused = self._connection(timeout)
            assert connection.sock is not None
            connection.sock.settimeout(timeout)  # this request's own limit, also on a kept-alive one
            try:
                connection.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
                for name, value in headers:
                    connection.putheader(name, value)
                connection.endheaders(body)
                response = connection.getresponse()
                payload = response.read()
            except (RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                if reused and method in REPLAYABLE:  # most likely closed while idle, just now,
                    self._close_idle()  # and the other idle ones are as old
                    continue
                raise
            except TimeoutError:
                connection.close()
                raise TimedOut("answer", timeout) from None
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


def _still_open(connection: HTTPConnection) -> bool:
    """An idle kept-alive connection has nothing to read: when it is readable,
    the server has closed it (or sent what it should not have)."""
    sock = connection.sock
    if sock is None:
        return False
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


class _HTTPSConnection(HTTPSConnection):
    """HTTPS with an optional TLS server name other than the host
    (tls-server-name), and a limit of its own on the TLS handshake, as Go has:
    a server that accepts connections and never answers is given up on then."""

    def __init__(self, host: str, port: int, *, timeout: float, context: ssl.SSLContext,
                 server_hostname: str | None, handshake_timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._server_hostname = server_hostname
        self._handshake_timeout = handshake_timeout

    def connect(self) -> None:
        HTTPConnection.connect(self)  # the TCP connection (and a proxy's CONNECT)
        assert self.sock is not None
        self.sock.settimeout(self._handshake_timeout)
        name = self._server_hostname or self._tunnel_host or self.host  # type: ignore[attr-defined]
        try:
            self.sock = self._context.wrap_socket(self.sock, server_hostname=name)  # type: ignore[attr-defined]
        except TimeoutError:
            raise TimedOut("TLS handshake", self._handshake_timeout) from None


def _ssl_context(credentials: Credentials) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if credentials.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif credentials.ca_pem:
        try:
            context.load_verify_locations(cadata=credentials.ca_pem.decode("ascii", "replace"))
        except ssl.SSLError as err:
            raise InputError(credentials.cluster_entry,
                             f"certificate-authority is not a usable certificate: {err.reason}") from None
    else:
        context.load_default_certs()
    if credentials.client_cert_pem and credentials.client_key_pem:
        _load_client_certificate(context, credentials)
    return context


def _load_client_certificate(context: ssl.SSLContext, credentials: Credentials) -> None:
    """ssl only loads certificates from files: a private temporary directory, removed at once."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kubectl-podsec-") as tmp:
        cert_path, key_path = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        for path, data in ((cert_path, credentials.client_cert_pem), (key_path, credentials.client_key_pem)):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                f.write(data or b"")
        try:
            context.load_cert_chain(cert_path, key_path)
        except ssl.SSLError as err:
            raise InputError(credentials.user_entry,
                             f"client-certificate or client-key is not usable: {err.reason}") from None
