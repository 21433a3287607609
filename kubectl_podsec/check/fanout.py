"""Offline `check` of large inputs on every core.

Parsing and checking are the work, and each document (each item of a JSON
List) parses on its own, so worker processes (forked, so they share the
checker already built) parse and check batches of documents while this
process splits the files (YAML at `---` lines; JSON by decoding each value
once to find its end) and writes, in input order. Where the writer can render
a result on its own (`ReportSink.detached`: all of them; the table as its
rows' cells and notes), the workers render it too and send back that and the
verdict, which cost this process far less to receive than the result and to
render. At most a few batches are in flight, so memory stays bounded whatever
the input size. The workers are check/workers.py's (no threads here); tasks
and outcomes travel as plain values where they can (_packed).
A big JSON List is one error if it is malformed anywhere, as kubectl has it,
so this process reads it whole once before any of it is written. Its items
go to the workers as that first pass finds them (up to EARLY_TEXT of them),
so the workers check while it reads; their results are written once the List
turns out whole, and dropped if it does not.
Small inputs, stdin and single-core machines take the plain serial path:
workers only pay off past a megabyte or so.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ..decoding.chunks import Chunk
from ..errors import InputError
from ..manifests import Ahead, Input, JsonPiece, Piece, Source, YamlPiece, input_pieces, piece_documents
from .checker import Checker
from .report import Rendered, Result, Skipped, Verdict

# Up to this many bytes of input, the workers cost more than they save: on 2
# cores, 1,000 pods (0.54 MB of YAML) take as long either way, 2,000 (1.07 MB)
# 0.18 s with them against 0.27 s without (benchmarks/go_library.py's pods).
# Smaller inputs are also the ones check/run.py reads whole (SMALL_BYTES).
MIN_BYTES = 1 << 20
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


class CheckedMany(NamedTuple):
    """Results a worker rendered, in a row, with no marks: each verdict's
    letter (_LETTER) and each text, written and counted together."""

    letters: str
    texts: list[str]

    def tally(self) -> list[tuple[Verdict, int]]:
        """How many of each verdict."""
        return [(verdict, n) for letter, verdict in _VERDICT.items() if (n := self.letters.count(letter))]


# What a worker sends back for each document: a result (for writers that need
# it whole), a rendered result, a skipped object, or why the document is bad;
# or rendered results together (CheckedMany).
Outcome = Result | Checked | CheckedMany | Skipped | Unreadable

# Set before the pool forks; each worker inherits them.
_checker: Checker | None = None
_render: Callable[[Result], Rendered] | None = None


def worthwhile(inputs: list[Input]) -> bool:
    """More than one core, files (not stdin), and enough of them."""
    if (os.cpu_count() or 1) < 2 or any(i.data is not None or i.problem for i in inputs):
        return False
    try:
        if sum(os.path.getsize(i.path) for i in inputs) <= MIN_BYTES:
            return False
        if not hasattr(os, "fork"):
            return False
    except OSError:
        return False  # the serial path reports it
    return True


# A task as it travels, most often plain values, which pickle several times
# faster than the NamedTuples they stand for (2 of the 4 µs a List item cost the
# two processes, 7 of 7.5 a YAML document): a List's consecutive items
# (file, document, line, first item, texts), a file's YAML documents (file,
# (document, line, data, pieces) each), or any task as it is.
_ITEMS, _YAML, _ANY = 0, 1, 2
# What a task made, as it travels back: for rendered results with no marks
# (JSON and YAML output) each verdict's letter and each text, else the outcomes.
_CHECKED = 0
_LETTER = {verdict: verdict.value[0] for verdict in Verdict}
_VERDICT = {letter: verdict for verdict, letter in _LETTER.items()}
assert len(_VERDICT) == len(Verdict), "one letter a verdict"


def _packed(task: Task) -> tuple[Any, ...]:
    items = [p for p in task if isinstance(p, JsonPiece)]
    if items and len(items) == len(task):
        file, document, line, item = items[0].source
        if item is not None and all(p.source == (file, document, line, item + i) for i, p in enumerate(items)):
            return _ITEMS, file, document, line, item, [p.text for p in items]
        return _ANY, task
    chunks = [p for p in task if isinstance(p, YamlPiece)]
    if chunks and len(chunks) == len(task) and all(p.display == chunks[0].display for p in chunks):
        return _YAML, chunks[0].display, [(p.document, *p.chunk) for p in chunks]
    return _ANY, task


def _unpacked(packed: tuple[Any, ...]) -> Task:
    if packed[0] == _ITEMS:
        _, file, document, line, item, texts = packed
        return [JsonPiece(Source(file, document, line, i), text) for i, text in enumerate(texts, item)]
    if packed[0] == _YAML:
        _, display, chunks = packed
        return [YamlPiece(display, document, Chunk(*chunk)) for document, *chunk in chunks]
    task: Task = packed[1]
    return task


def _packed_outcomes(outcomes: list[Outcome]) -> tuple[Any, ...]:
    if all(type(o) is Checked and not o.rendered.marks and o.rendered.row is None for o in outcomes):
        letters = "".join([_LETTER[o.verdict] for o in outcomes])  # type: ignore[union-attr]
        return _CHECKED, letters, [o.rendered.text for o in outcomes]  # type: ignore[union-attr]
    return _ANY, outcomes


def _unpacked_outcomes(packed: tuple[Any, ...]) -> list[Outcome]:
    if packed[0] == _CHECKED:
        return [CheckedMany(packed[1], packed[2])]
    outcomes: list[Outcome] = packed[1]
    return outcomes


def _work_packed(packed: tuple[Any, ...]) -> tuple[Any, ...]:
    """A worker's work: _work, on a task and outcomes as they travel."""
    return _packed_outcomes(_work(_unpacked(packed)))


class _Pool:
    """The workers, given tasks and giving outcomes (packed on the way)."""

    def __init__(self, workers: Any) -> None:
        self.workers = workers

    def submit(self, task: Task) -> Any:
        return self.workers.submit(_packed(task))

    def result(self, job: Any) -> list[Outcome]:
        return _unpacked_outcomes(self.workers.result(job))


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
            self.sent.append(self.pool.submit(self.batch))
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
    from .workers import Job, Workers

    global _checker, _render
    _checker, _render = checker, render
    count = min(os.cpu_count() or 2, 8)
    with Workers(_work_packed, count) as workers:
        pool = _Pool(workers)
        pending: deque[Job] = deque()
        for task in _tasks(inputs, pool):
            if isinstance(task, _Sent):
                pending.extend(task.tasks)
                continue
            pending.append(pool.submit(task))
            while len(pending) >= IN_FLIGHT * count:  # after a List's early tasks too
                yield from pool.result(pending.popleft())
        while pending:
            yield from pool.result(pending.popleft())
