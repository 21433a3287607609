"""Forked worker processes for offline `check` (fanout.py), each with its own
two pipes, driven from this process's one thread.

multiprocessing.Pool would serve, but with three threads in this process (one
sends tasks, one receives results, one watches the workers), which took about
0.3 s of CPU on 20,000 pods beside the main thread's 0.3 s; and it waits
forever on a worker that died. Here the main thread sends each task to the
worker with the fewest in hand and reads results as they come, neither
blocking the other (a worker may be writing a result while this process has a
task for it), and a worker that ends before its tasks are done is an error.

A task, and what the work made of it, travel pickled, each in a frame: eight
bytes of length, then the bytes. A worker runs its tasks in the order sent.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import struct
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

_HEADER = struct.Struct("<Q")
# A pipe this big holds a few tasks (fanout.BATCH_TEXT each), so sending rarely
# has to wait for a worker to read (Linux; elsewhere the default is kept).
_PIPE_SIZE = 1 << 20
_READ = 1 << 20
# A worker's collector runs after this many more allocations than frees (not
# CPython's 700), and looks at older objects more rarely: its work makes and
# drops many objects that form no cycles, and the collector, which took about
# 8% of its CPU, then takes well under 1% (with gc.freeze of what it inherits).
_GC_THRESHOLDS = (10_000, 20, 20)
_FAILED = b"!"  # first byte of a frame: the work raised (a pickled exception, or its text)
_DONE = b"="


class WorkerError(Exception):
    """A worker process ended, or could not be reached, before its tasks were done."""


class WorkerTraceback(Exception):
    """Where, in a worker process, the error raised here happened."""

    def __str__(self) -> str:
        return f"in a worker process:\n{self.args[0]}"


class Job:
    """A task sent to a worker: what the work made of it, once `done`."""

    __slots__ = ("frame",)

    def __init__(self) -> None:
        self.frame: bytes | None = None


class _Worker:
    __slots__ = ("pid", "tasks", "results", "outbox", "inbox", "jobs", "waiting")

    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid, self.tasks, self.results = pid, tasks, results
        self.outbox = bytearray()  # frames not yet written to `tasks`
        self.inbox = bytearray()  # what `results` gave, not yet a whole frame
        self.jobs: deque[Job] = deque()  # sent, not yet done, in order
        self.waiting = False  # for `tasks` to take more of the outbox


class Workers:
    """`count` processes forked now, each running `work` on the tasks it is sent."""

    def __init__(self, work: Callable[[Any], Any], count: int) -> None:
        self._workers: list[_Worker] = []
        self._poll = select.poll()
        self._by_fd: dict[int, _Worker] = {}
        gc.freeze()  # what exists now is the workers' to share, never collected there (nor here until close)
        try:
            for _ in range(count):
                self._start(work)
        except BaseException:
            self.close(abort=True)
            raise

    def _start(self, work: Callable[[Any], Any]) -> None:
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        for fd in (task_w, result_w):
            _enlarge(fd)
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            status = 1
            try:
                os.close(task_w)
                os.close(result_r)
                for other in self._workers:  # so each sees the end of its own tasks only
                    os.close(other.tasks)
                    os.close(other.results)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # this process decides (and ends them)
                gc.set_threshold(*_GC_THRESHOLDS)
                _serve(work, task_r, result_w)
                status = 0
            finally:
                os._exit(status)
        os.close(task_r)
        os.close(result_w)
        os.set_blocking(task_w, False)
        os.set_blocking(result_r, False)
        worker = _Worker(pid, task_w, result_r)
        self._workers.append(worker)
        self._by_fd[task_w] = self._by_fd[result_r] = worker
        self._poll.register(result_r, select.POLLIN)

    def submit(self, task: Any) -> Job:
        """Send `task` to the worker with the fewest in hand."""
        worker = min(self._workers, key=lambda w: len(w.jobs))
        job = Job()
        data = pickle.dumps(task, pickle.HIGHEST_PROTOCOL)
        worker.outbox += _HEADER.pack(len(data))
        worker.outbox += data
        worker.jobs.append(job)
        self._send(worker)
        self._pump(0)  # results that came meanwhile: a worker waiting to write one waits no more
        return job

    def result(self, job: Job) -> Any:
        """What the work made of `job`'s task, once its worker is done with it."""
        while job.frame is None:
            self._pump(None)
        frame, job.frame = memoryview(job.frame), b""
        if frame[:1] == _FAILED:
            raise _failure(frame[1:])
        return pickle.loads(frame[1:])

    def _pump(self, timeout: int | None) -> None:
        """Write and read what the pipes take and give now (`timeout` 0), or
        wait until one of them does (None)."""
        for fd, _ in self._poll.poll(timeout):
            worker = self._by_fd[fd]
            if fd == worker.results:
                self._receive(worker)
            else:
                self._send(worker)

    def _send(self, worker: _Worker) -> None:
        try:
            while worker.outbox:
                with memoryview(worker.outbox) as view:
                    sent = os.write(worker.tasks, view)
                del worker.outbox[:sent]
        except BlockingIOError:
            if not worker.waiting:
                self._poll.register(worker.tasks, select.POLLOUT)
                worker.waiting = True
            return
        except BrokenPipeError as err:  # it is gone
            raise self._ended(worker, err) from None
        if worker.waiting:
            self._poll.unregister(worker.tasks)
            worker.waiting = False

    def _receive(self, worker: _Worker) -> None:
        while True:
            try:
                data = os.read(worker.results, _READ)
            except BlockingIOError:
                break
            if not data:
                raise self._ended(worker, None)
            worker.inbox += data
            if len(data) < _READ:
                break
        inbox = worker.inbox
        while len(inbox) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(inbox)
            end = _HEADER.size + size
            if len(inbox) < end:
                break
            with memoryview(inbox) as view:
                worker.jobs.popleft().frame = bytes(view[_HEADER.size:end])
            del inbox[:end]

    def _ended(self, worker: _Worker, err: OSError | None) -> WorkerError:
        if not worker.pid:
            return WorkerError("a worker process ended before its work was done")
        status = _reaped(worker.pid)
        worker.pid = 0
        how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit status {os.waitstatus_to_exitcode(status)}"
        return WorkerError(f"a worker process ended ({how}) before its work was done" + (f": {err}" if err else ""))

    def close(self, abort: bool = False) -> None:
        """End the workers: once their tasks are done, or (`abort`) at once."""
        for worker in self._workers:
            if (abort or worker.jobs) and worker.pid:  # (tasks whose results are not wanted)
                os.kill(worker.pid, signal.SIGTERM)
            for fd in (worker.tasks, worker.results):
                os.close(fd)  # a worker reads the end of its tasks, or cannot write (EPIPE), and ends
        for worker in self._workers:
            if worker.pid:
                _reaped(worker.pid)
        self._workers.clear()
        gc.unfreeze()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        self.close(abort=kind is not None)


def _reaped(pid: int, patience: float = 5.0) -> int:
    """The wait status of worker `pid`, once it has ended: it ends on its own
    when its pipes close (or it finishes the task in hand), else it is killed."""
    if not _ended_within(pid, patience):
        os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def _ended_within(pid: int, seconds: float) -> bool:
    try:
        handle = os.pidfd_open(pid)  # Linux: readable once the process has ended
    except (AttributeError, OSError):
        deadline = time.monotonic() + seconds
        while not os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True
    try:
        poll = select.poll()
        poll.register(handle, select.POLLIN)
        return bool(poll.poll(seconds * 1000))
    finally:
        os.close(handle)


def _enlarge(fd: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or over the system's limit: the default size works, only with more waits


def _serve(work: Callable[[Any], Any], tasks: int, results: int) -> None:
    """A worker's life: each task read, worked and its frame written, until
    this process closes its end of the tasks (or of the results)."""
    reader = os.fdopen(tasks, "rb")
    while True:
        header = reader.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return  # no more tasks
        (size,) = _HEADER.unpack(header)
        task = pickle.loads(reader.read(size))
        try:
            frame = _DONE + pickle.dumps(work(task), pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # a bug: this process raises it, with where it happened
            frame = _FAILED + _pickled_failure(err)
        data = memoryview(_HEADER.pack(len(frame)) + frame)
        try:
            while data:
                data = data[os.write(results, data):]
        except BrokenPipeError:
            return  # this process stopped reading: it has ended the run


def _pickled_failure(err: Exception) -> bytes:
    where = "".join(traceback.format_exception(err))
    try:
        return pickle.dumps((err, where), pickle.HIGHEST_PROTOCOL)
    except Exception:
        return pickle.dumps((None, where), pickle.HIGHEST_PROTOCOL)


def _failure(data: memoryview) -> BaseException:
    err, where = pickle.loads(data)
    if not isinstance(err, BaseException):
        return WorkerError(f"a worker process failed:\n{where}")
    err.__cause__ = WorkerTraceback(where)  # shown with --debug, below the error
    return err
