"""A second process that decodes and judges list pages, so a cluster-wide
plan uses two cores.

Decoding the API server's JSON costs more than anything else in `rollout plan
-A` (20,000 pods are about 56 MB, half of it managedFields), and threads
cannot share that work (the GIL). Where processes can be forked (Linux), one
worker receives the raw pages the main process fetches, decodes and judges
them, and hands back one tally per namespace. Elsewhere, or if the worker
cannot start, the main process does it all (`InProcess`, the same interface).
"""

from __future__ import annotations

import json
import multiprocessing
import signal
import sys
from collections.abc import Mapping
from typing import Any

from ..pss import Level
from ..kube.resources import Resource
from .tally import Judge, Tally, count


class InProcess:
    """Judges pages here, as they come."""

    def __init__(self, judge: Judge) -> None:
        self.judge = judge
        self.levels: Mapping[str, Level] = {}
        self.tallies: dict[str, Tally] = {}

    def start(self, levels: Mapping[str, Level]) -> None:
        self.levels = levels

    def page(self, resource: Resource, page: bytes | list[dict[str, Any]]) -> None:
        items = _items(resource, page) if isinstance(page, bytes) else page
        count(items, self.tallies, self.levels, self.judge)

    def finish(self) -> tuple[dict[str, Tally], int]:
        return self.tallies, self.judge.evaluated

    def close(self) -> None:
        pass


class Worker:
    """Judges pages in a forked process; made before any thread is started."""

    def __init__(self, judge: Judge) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, judge), daemon=True)
        self._process.start()
        child.close()

    def start(self, levels: Mapping[str, Level]) -> None:
        self._send(("levels", dict(levels)))

    def page(self, resource: Resource, page: bytes | list[dict[str, Any]]) -> None:
        if isinstance(page, bytes):
            self._send(("raw", resource), page)
        else:
            self._send(("items", resource, page))

    def finish(self) -> tuple[dict[str, Tally], int]:
        try:
            self._conn.send(("done",))
        except OSError:
            pass  # it has stopped: what it said last is waiting
        kind, *answer = self._answer()
        if kind == "failed":
            raise RuntimeError(f"the judging process failed: {answer[0]}")
        tallies, evaluated = answer
        return tallies, evaluated

    def _send(self, message: tuple[Any, ...], raw: bytes | None = None) -> None:
        try:
            self._conn.send(message)
            if raw is not None:
                self._conn.send_bytes(raw)
        except OSError:  # a broken pipe here is the worker's, not stdout's
            kind, *answer = self._answer()
            raise RuntimeError(f"the judging process failed: {answer[0] if kind == 'failed' else kind}") from None

    def _answer(self) -> tuple[Any, ...]:
        try:
            answer: tuple[Any, ...] = self._conn.recv()
            return answer
        except (EOFError, OSError):
            raise RuntimeError("the judging process ended unexpectedly") from None

    def close(self) -> None:
        self._conn.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()


def judging(judge: Judge, parallel: bool) -> Worker | InProcess:
    """A worker process where forking is safe and `parallel` is asked for."""
    if parallel and sys.platform.startswith("linux"):
        try:
            return Worker(judge)
        except OSError:
            pass
    return InProcess(judge)


def _items(resource: Resource, raw: bytes) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(raw).get("items") or []
    for item in items:
        item["apiVersion"], item["kind"] = resource.api_version, resource.kind
    return items


def _serve(conn: Any, judge: Judge) -> None:
    """The worker: pages in, tallies out when told it is done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    here = InProcess(judge)
    try:
        while True:
            message = conn.recv()
            if message[0] == "levels":
                here.start(message[1])
            elif message[0] == "raw":
                here.page(message[1], conn.recv_bytes())
            elif message[0] == "items":
                here.page(message[1], message[2])
            else:
                conn.send(("tallies", *here.finish()))
                return
    except EOFError:  # the main process went away
        return
    except Exception as err:  # noqa: BLE001 - reported to the main process, which raises it
        conn.send(("failed", f"{type(err).__name__}: {err}"))
