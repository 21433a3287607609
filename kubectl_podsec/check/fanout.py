"""Offline `check` of large inputs on every core.

Parsing and checking are the work, and each document (each item of a JSON
List) parses on its own, so worker processes (forked, so they share the
checker already built) parse and check batches of documents while this
process splits the files (YAML at `---` lines; JSON by decoding each value
once to find its end) and writes, in input order. Where the writer can render
a result on its own (JSON, YAML, SARIF: `ReportSink.detached`), the workers
render it too and send back its text and verdict, which cost this process far
less to receive than the result and to render; the table's results come back
whole. At most a few batches are in flight, so memory stays bounded whatever
the input size.
A big JSON List is one error if it is malformed anywhere, as kubectl has it,
so this process reads it whole once before any of it is written. Its items
go to the workers as that first pass finds them (up to EARLY_TEXT of them),
so the workers check while it reads; their results are written once the List
turns out whole, and dropped if it does not.
Small inputs, stdin and single-core machines take the plain serial path: a
pool only pays off past a few megabytes.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ..errors import InputError
from ..manifests import Ahead, Input, JsonPiece, Piece, Source, YamlPiece, input_pieces, piece_documents
from .checker import Checker
from .report import Rendered, Result, Skipped, Verdict

MIN_BYTES = 4 << 20  # below this a pool costs more than it saves
# Documents a task at most, and characters (JSON) or bytes (YAML) of their
# text: each task costs this process about a millisecond (sending, waiting,
# receiving), some 0.3 s of its 1.7 s CPU on 20,000 pods in tasks of 64; the
# text bound keeps what is in flight small whatever the documents' size.
BATCH = 256
BATCH_TEXT = 256 << 10
# Tasks per worker waiting, running or done and not yet written: two keep a
# worker busy (a task is tens of milliseconds of work) and bound what this
# process holds (results wait here to be written in order).
IN_FLIGHT = 2
# Characters of a List's items sent while its first pass reads on. Their results
# wait here until the List ends (about 1.5 times as many characters, for -o json);
# this much keeps two workers busy while the first pass reads about three times
# as much again, and bounds what waits.
EARLY_TEXT = 4 << 20

Task = list[Piece]  # documents, or List items, not yet decoded


class Checked(NamedTuple):
    """A result a worker rendered: what this process writes, and counts."""

    verdict: Verdict
    rendered: Rendered


class Unreadable(NamedTuple):
    """A document that could not be decoded or checked."""

    error: InputError
    source: Source


# What a worker sends back for each document: a result (for writers that need
# it whole), a rendered result, a skipped object, or why the document is bad.
Outcome = Result | Checked | Skipped | Unreadable

# Set before the pool forks; each worker inherits them.
_checker: Checker | None = None
_render: Callable[[Result], Rendered] | None = None


def worthwhile(inputs: list[Input]) -> bool:
    """More than one core, files (not stdin), and enough of them."""
    if (os.cpu_count() or 1) < 2 or any(i.data is not None or i.problem for i in inputs):
        return False
    try:
        if sum(os.path.getsize(i.path) for i in inputs) < MIN_BYTES:
            return False
        import multiprocessing  # only for large inputs: start-up stays lean

        if "fork" not in multiprocessing.get_all_start_methods():
            return False
    except OSError:
        return False  # the serial path reports it
    return True


def _work(task: Task) -> list[Outcome]:
    """A task's outcomes, in passes (decode all, check all, render all): each
    pass keeps its code in the processor's caches (benchmarks/worker_item.py)."""
    assert _checker is not None
    docs = [doc for piece in task for doc in piece_documents(piece)]
    checked = iter(_checker.check_many([(d.obj, d.source) for d in docs if d.error is None and d.obj is not None]))
    out: list[Outcome] = []
    for doc in docs:
        if doc.error is not None or doc.obj is None:
            out.append(Unreadable(doc.error or InputError(doc.source.describe(), "empty"), doc.source))
            continue
        item = next(checked)
        if isinstance(item, InputError):
            out.append(Unreadable(InputError(f"{doc.source.describe()}: {item.where}", item.message), doc.source))
        else:
            out.append(item)
    if _render is None:
        return out
    render = _render
    return [Checked(o.verdict, render(o)) if isinstance(o, Result) else o for o in out]


class _Sent(NamedTuple):
    """Tasks sent already, whose outcomes come next in input order."""

    tasks: list[Any]


class _Early:
    """A List's items taken as its first pass reads them (input_pieces' `early`),
    sent in tasks at once; they stand if the input's next piece is an Ahead."""

    def __init__(self, pool: Any, display: str) -> None:
        self.pool, self.display = pool, display
        self.sent: list[Any] = []
        self.batch: Task = []
        self.taken = self.text = self.batch_text = 0

    def take(self, document: int, line: int, item: int, text: str) -> bool:
        if self.text >= EARLY_TEXT:
            return False
        self.batch.append(JsonPiece(Source(self.display, document, line, item), text))
        self.taken += 1
        self.text += len(text)
        self.batch_text += len(text)
        if len(self.batch) == BATCH or self.batch_text >= BATCH_TEXT:
            self._send()
        return True

    def _send(self) -> None:
        if self.batch:
            self.sent.append(self.pool.apply_async(_work, (self.batch,)))
        self.batch, self.batch_text = [], 0

    def stand(self, ahead: Ahead) -> _Sent:
        """The tasks of the items that stand, to be written next."""
        assert ahead.taken == self.taken, "an Ahead for the items taken"
        self._send()
        sent = _Sent(self.sent)
        self.drop()
        return sent

    def drop(self) -> None:
        """Forget what was taken (its tasks run on, their outcomes unread): the next List starts afresh."""
        self.sent, self.batch = [], []
        self.taken = self.text = self.batch_text = 0


def _tasks(inputs: list[Input], pool: Any) -> Iterator[Task | _Sent]:
    for item in inputs:
        early = _Early(pool, item.display)
        batch: Task = []
        text = 0
        for piece in input_pieces(item, early.take):
            if isinstance(piece, Ahead):
                if batch:  # what came before the List goes first
                    yield batch
                    batch, text = [], 0
                yield early.stand(piece)
                continue
            if early.taken:
                early.drop()  # anything but an Ahead: the List was not whole
            batch.append(piece)
            text += _text_size(piece)
            if len(batch) == BATCH or text >= BATCH_TEXT:
                yield batch
                batch, text = [], 0
        early.drop()
        if batch:
            yield batch


def _text_size(piece: Piece) -> int:
    if isinstance(piece, JsonPiece):
        return len(piece.text)
    if isinstance(piece, YamlPiece):
        return len(piece.chunk.data)
    return 0  # decoded here already (an error, or YAML after JSON that stopped): counted only


def outcomes(checker: Checker, inputs: list[Input],
             render: Callable[[Result], Rendered] | None) -> Iterator[Outcome]:
    """Every outcome, in input order (inputs that `worthwhile` accepted); with
    `render`, each result rendered by it."""
    import multiprocessing

    global _checker, _render
    _checker, _render = checker, render
    workers = min(os.cpu_count() or 2, 8)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque[Any] = deque()
        for task in _tasks(inputs, pool):
            if isinstance(task, _Sent):
                pending.extend(task.tasks)
                continue
            pending.append(pool.apply_async(_work, (task,)))
            while len(pending) >= IN_FLIGHT * workers:  # after a List's early tasks too
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
