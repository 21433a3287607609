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
import ssl
import threading
from collections.abc import Mapping
from http.client import HTTPConnection, HTTPException, HTTPSConnection, RemoteDisconnected
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ..errors import ClusterError
from .credentials import Credentials, proxy_for

MAX_ATTEMPTS = 5
RETRY_AFTER_CAP = 30.0
CONNECT_TIMEOUT = 30.0  # Go's default dial timeout, when --request-timeout is not given
# Answers that say "try again later": retried for side-effect-free requests,
# read back for writes (`rollout/write.py`).
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
JSON = "application/json"
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


class Response(NamedTuple):
    status: int
    body: Any
    warnings: tuple[str, ...]


class Raw(NamedTuple):
    """One exchange as it came: the body undecoded or decoded, and Retry-After."""

    status: int
    body: Any
    warnings: tuple[str, ...]
    retry_after: str | None


class NotConnected(OSError):
    """No connection could be made: the request never left."""


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
    """retry (no connection, or it dropped), timeout, or fail (TLS and the like)."""
    if isinstance(err, ssl.SSLError):
        return "fail"
    if isinstance(err, TimeoutError):
        return "timeout"
    if isinstance(err, (NotConnected, ConnectionError, HTTPException)):
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
            raise NotConnected(err.errno, err.strerror or str(err)) from None
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
