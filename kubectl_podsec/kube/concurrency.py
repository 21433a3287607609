"""Waiting on the API server while the caller works, with bounded memory.

Two shapes, one rule for each of what can go wrong:

* `merged(sources)` reads each source (an iterator of pages, say) on its own
  thread and hands the items over through one bounded queue, in the order
  they arrive; `prefetched(source)` is the one-source case: the next page is
  fetched while the caller handles this one.
* `ordered_map(fn, items)` calls `fn` on several items at once and gives the
  answers back in input order.

In both, at most a fixed number of items are held; an exception raised in a
thread is raised to the reader, at the point it would have come; and a reader
that stops early (close(), a `break`, or dropping the iterator) stops the
work: queued items are dropped, calls not yet started are cancelled.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()
_POLL = 0.1  # seconds: how soon a blocked reader thread notices that the reader stopped


class _Feed:
    """The queue between the reading threads and the reader. The threads hold
    only this, so the reader's iterator can be collected (and so stop them)."""

    def __init__(self, depth: int) -> None:
        self.slot: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=depth)
        self.stop = threading.Event()

    def put(self, item: Any, error: BaseException | None = None) -> None:
        while not self.stop.is_set():
            try:
                self.slot.put((item, error), timeout=_POLL)
                return
            except queue.Full:
                continue

    def read(self, source: Iterator[Any]) -> None:
        try:
            for item in source:
                if self.stop.is_set():
                    return
                self.put(item)
        except BaseException as err:  # noqa: BLE001 - handed to the reader and raised there
            self.put(None, err)
            return
        self.put(_DONE)


class Merged(Iterator[T], Generic[T]):
    """The items of every source, each read on its own thread (started now),
    in the order they arrive, at most `depth` waiting."""

    def __init__(self, sources: Iterable[Iterator[T]], depth: int) -> None:
        self._feed = _Feed(depth)
        self._running = 0
        for source in sources:
            self._running += 1
            threading.Thread(target=self._feed.read, args=(source,), daemon=True).start()

    def __next__(self) -> T:
        while self._running and not self._feed.stop.is_set():
            item, error = self._feed.slot.get()
            if error is not None:
                self.close()
                raise error
            if item is _DONE:
                self._running -= 1
                continue
            return item  # type: ignore[no-any-return]
        self.close()
        raise StopIteration

    def close(self) -> None:
        """Stop reading: each thread ends once its source yields again."""
        self._feed.stop.set()

    def __del__(self) -> None:
        self.close()


def merged(sources: Iterable[Iterator[T]], depth: int = 4) -> Merged[T]:
    return Merged(sources, depth)


def prefetched(source: Iterator[T]) -> Merged[T]:
    """The same items, the next one read on a thread while the caller works
    on this one (one waits, one is being read)."""
    return Merged([source], depth=1)


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Generator[tuple[T, R], None, None]:
    """(item, fn(item)) in input order, with up to `workers` calls running at
    once and at most 2 * workers + 1 items held; `items` is read on the
    caller's thread, as answers are taken."""
    pending: deque[tuple[T, Future[R]]] = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for item in items:
                pending.append((item, pool.submit(fn, item)))
                while len(pending) > 2 * workers or (pending and pending[0][1].done()):
                    head, future = pending.popleft()
                    yield head, future.result()
            while pending:
                head, future = pending.popleft()
                yield head, future.result()
        finally:
            for _, future in pending:
                future.cancel()
