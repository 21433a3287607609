"""check/workers.py: forked workers driven from one thread. Results come back
in order whatever their size; a failure in a worker is raised here, a worker
that dies is an error (not a hang), and nothing outlives the pool."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kubectl_podsec.check.workers import WorkerError, Workers


@pytest.fixture(autouse=True)
def _no_hang() -> Iterator[None]:
    """A test that hangs fails instead (the pool must never wait forever)."""
    def hung(*_: object) -> None:
        raise TimeoutError("hung")
    before = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()


def _echo(task: Any) -> Any:
    kind, value = task
    if kind == "raise":
        raise ValueError(f"bad task {value}")
    if kind == "unpicklable":
        class Local(Exception):
            pass
        raise Local("cannot be pickled")
    if kind == "exit":
        os._exit(value)
    if kind == "kill":
        os.kill(os.getpid(), value)
    if kind == "sleep":
        time.sleep(value)
        return (os.getpid(), value)
    if kind == "big":
        return (os.getpid(), value * 3)
    return (os.getpid(), value)


def test_results_in_order_with_tasks_and_results_beyond_the_pipes() -> None:
    """Many tasks sent before any result is read, each several times a pipe's
    size each way: neither side waits on the other for ever."""
    fds = _open_fds()
    with Workers(_echo, 2) as pool:
        jobs = [pool.submit(("big", str(i) * (700_000 // len(str(i))))) for i in range(12)]
        got = [pool.result(job) for job in jobs]
    assert [value for _, value in got] == [str(i) * (700_000 // len(str(i))) * 3 for i in range(12)]
    assert len({pid for pid, _ in got}) == 2  # both worked
    assert _open_fds() == fds
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no worker left


def test_a_failure_in_a_worker_is_raised_here_and_the_worker_goes_on() -> None:
    with Workers(_echo, 2) as pool:
        jobs = [pool.submit(("echo", 1)), pool.submit(("raise", 2)), pool.submit(("echo", 3)),
                pool.submit(("unpicklable", 0)), pool.submit(("echo", 5))]
        assert pool.result(jobs[0])[1] == 1
        with pytest.raises(ValueError, match="bad task 2") as raised:
            pool.result(jobs[1])
        cause = str(raised.value.__cause__)
        assert cause.startswith("in a worker process:\nTraceback") and "in _echo" in cause
        assert pool.result(jobs[2])[1] == 3
        with pytest.raises(WorkerError, match="(?s)a worker process failed.*cannot be pickled"):
            pool.result(jobs[3])
        assert pool.result(jobs[4])[1] == 5


@pytest.mark.parametrize(("task", "how"), [(("exit", 3), "exit status 3"),
                                           (("kill", signal.SIGKILL), "signal 9")])
def test_a_worker_that_dies_is_an_error_not_a_hang(task: tuple[str, int], how: str) -> None:
    fds = _open_fds()
    with pytest.raises(WorkerError, match=f"a worker process ended \\({how}\\) before its work was done"):
        with Workers(_echo, 1) as pool:
            jobs = [pool.submit(("echo", 0)), pool.submit(task), pool.submit(("echo", 2))]
            for job in jobs:
                pool.result(job)
    assert _open_fds() == fds
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_leaving_early_ends_busy_workers_at_once() -> None:
    """An error here (or a reader that stops) ends the workers without waiting for their work."""
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="stop"):
        with Workers(_echo, 2) as pool:
            pool.submit(("sleep", 30))
            pool.submit(("sleep", 30))
            time.sleep(0.2)
            raise RuntimeError("stop")
    assert time.monotonic() - start < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_tasks_go_to_the_worker_with_the_fewest_in_hand() -> None:
    """Three slow tasks sent at once go to three workers (none has finished one yet)."""
    with Workers(_echo, 3) as pool:
        jobs = [pool.submit(("sleep", 0.3)) for _ in range(3)]
        pids = [pool.result(job)[0] for job in jobs]
    assert len(set(pids)) == 3


def test_workers_end_without_pidfd(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where pidfd_open is missing (not Linux), ending the workers still waits for them, and not for ever."""
    monkeypatch.delattr(os, "pidfd_open", raising=False)
    with Workers(_echo, 2) as pool:
        assert pool.result(pool.submit(("echo", 7)))[1] == 7
    with pytest.raises(WorkerError, match="signal 9"):
        with Workers(_echo, 1) as pool:
            pool.result(pool.submit(("kill", signal.SIGKILL)))
    start = time.monotonic()
    with pytest.raises(RuntimeError):
        with Workers(_echo, 1) as pool:
            pool.submit(("sleep", 30))
            raise RuntimeError("stop")
    assert time.monotonic() - start < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
