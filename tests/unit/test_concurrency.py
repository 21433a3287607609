"""Waiting on the server while the caller works: every item arrives, in the
promised order, with a bounded number held; an error arrives where it
happened; a reader that stops early stops the work."""

from __future__ import annotations

import gc
import itertools
import threading
import time
from collections.abc import Iterator

import pytest

from kubectl_podsec.kube.concurrency import merged, ordered_map, prefetched


class Source:
    """Counts how far a reading thread got, and whether it was told to stop."""

    def __init__(self, items: Iterator[int] | None = None, fail_after: int | None = None) -> None:
        self.items = items if items is not None else itertools.count()
        self.fail_after = fail_after
        self.read = 0
        self.finished = threading.Event()

    def __iter__(self) -> Iterator[int]:
        try:
            for item in self.items:
                if self.fail_after is not None and self.read == self.fail_after:
                    raise ValueError(f"broken after {self.read}")
                self.read += 1
                yield item
        finally:
            self.finished.set()


def settle() -> None:
    time.sleep(0.3)  # longer than a blocked thread takes to notice


def test_merged_gives_every_item_of_every_source_each_in_its_order() -> None:
    sources = [iter(Source(iter(range(start, start + 50)))) for start in (0, 100, 200)]
    items = list(merged(sources))
    assert sorted(items) == [*range(50), *range(100, 150), *range(200, 250)]
    for start in (0, 100, 200):
        assert [i for i in items if start <= i < start + 50] == list(range(start, start + 50))


def test_merged_holds_at_most_depth_items_plus_one_per_source() -> None:
    sources = [Source(), Source()]
    reader = merged([iter(s) for s in sources], depth=4)
    settle()
    assert sum(s.read for s in sources) <= 4 + len(sources)
    assert next(reader) is not None
    settle()
    assert sum(s.read for s in sources) <= 5 + len(sources)
    reader.close()


def test_merged_raises_a_sources_error_after_its_items() -> None:
    reader = merged([iter(Source(iter(range(3)), fail_after=2))])
    assert [next(reader), next(reader)] == [0, 1]
    with pytest.raises(ValueError, match="broken after 2"):
        next(reader)


def test_closing_merged_stops_its_threads() -> None:
    sources = [Source(), Source()]
    reader = merged([iter(s) for s in sources], depth=2)
    next(reader)
    reader.close()
    assert all(s.finished.wait(2) for s in sources)
    with pytest.raises(StopIteration):
        next(reader)


def test_prefetched_reads_one_ahead_and_keeps_the_order() -> None:
    source = Source()
    reader = prefetched(iter(source))
    assert [next(reader) for _ in range(5)] == [0, 1, 2, 3, 4]
    settle()
    assert source.read <= 5 + 2  # one waiting, one being read
    reader.close()


def test_a_dropped_prefetched_iterator_stops_its_thread() -> None:
    source = Source()
    reader = prefetched(iter(source))
    next(reader)
    del reader
    gc.collect()
    assert source.finished.wait(2)


def test_a_prefetched_error_is_raised_to_the_reader() -> None:
    with pytest.raises(ValueError, match="broken after 0"):
        list(prefetched(iter(Source(fail_after=0))))


def test_ordered_map_answers_in_input_order() -> None:
    def slow_first(n: int) -> int:
        time.sleep(0.02 * (5 - n))
        return n * n

    assert list(ordered_map(slow_first, range(6), workers=3)) == [(n, n * n) for n in range(6)]


def test_ordered_map_runs_at_most_workers_calls_and_holds_a_bounded_number() -> None:
    running, most, lock = 0, 0, threading.Lock()

    def call(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return n

    source = Source()
    answers = ordered_map(call, iter(source), workers=3)
    assert [next(answers) for _ in range(20)] == [(n, n) for n in range(20)]
    assert most <= 3
    assert source.read <= 20 + 2 * 3 + 1
    answers.close()


def test_ordered_map_raises_an_error_at_its_item_and_cancels_the_rest() -> None:
    started: list[int] = []

    def call(n: int) -> int:
        started.append(n)
        if n == 2:
            raise ValueError("no 2")
        time.sleep(0.05)
        return n

    answers = ordered_map(call, range(100), workers=2)
    assert [next(answers), next(answers)] == [(0, 0), (1, 1)]
    with pytest.raises(ValueError, match="no 2"):
        next(answers)
    assert len(started) <= 2 + 2 * 2 + 1
