"""A scripted HTTP server that speaks just enough of the Kubernetes API to
drive kube/ through the real client: answers given per path, requests
recorded with every header line (repeated ones included)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: list[tuple[str, str]]
    body: Any

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


Route = Callable[[Seen], Reply]


class FakeApiServer:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply] | Route] = {}
        self.seen: list[Seen] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                seen = Seen(self.command, url.path, dict(parse_qsl(url.query)), list(self.headers.items()),
                            json.loads(raw) if raw else None)
                fake.seen.append(seen)
                reply = fake.reply(seen)
                time.sleep(reply.delay)
                data = b"" if reply.body is None else json.dumps(reply.body, separators=(",", ":")).encode()  # as Go writes it
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in reply.headers:
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]  # a client that gave up
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def on(self, method: str, path: str, *replies: Reply | Route) -> None:
        """Answers for a path: a callable, or replies given in turn (the last repeats)."""
        self.routes[(method, path)] = replies[0] if callable(replies[0]) else list(replies)  # type: ignore[assignment]

    def reply(self, seen: Seen) -> Reply:
        route = self.routes.get((seen.method, seen.path))
        if route is None:
            return Reply(404, {"kind": "Status", "reason": "NotFound", "message": f"no route {seen.path}"})
        if callable(route):
            return route(seen)
        return route.pop(0) if len(route) > 1 else route[0]

    def requests(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def kubeconfig(self, directory: Path, token: str = "t0ken") -> str:
        path = directory / "kubeconfig"
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "me", "user": {"token": token}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "me", "namespace": "team"}}],
        }))
        return str(path)


@contextmanager
def running() -> Iterator[FakeApiServer]:
    server = FakeApiServer()
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def status(code: int, reason: str, message: str) -> Reply:
    return Reply(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason,
                        "message": message, "code": code})
