"""Replacing a file atomically: the new text is written beside it, then
renamed over it, so a reader sees the old file or the new one, never half.
The file aside is removed on any failure, and on SIGTERM/SIGHUP/SIGINT
while it exists (SIGKILL cannot be caught)."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator
from types import FrameType

from ..errors import InputError

_SIGNALS = tuple(s for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT) if s is not None)


class _Signalled(BaseException):
    def __init__(self, signum: int) -> None:
        self.signum = signum


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise _Signalled(signum)

    try:
        previous = {s: signal.signal(s, handler) for s in _SIGNALS}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def replace_file(path: str, text: str) -> None:
    """Write `text` to `path` atomically, keeping its permission bits."""
    directory = os.path.dirname(os.path.abspath(path))
    with _signals_raise():
        aside = None
        try:
            fd, aside = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".podsec-fix")
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(aside, os.stat(path).st_mode & 0o7777)
            os.replace(aside, path)
            aside = None
        except OSError as err:
            raise InputError(path, f"cannot write: {err.strerror or err}") from None
        except _Signalled as sig:
            if aside is not None:
                with contextlib.suppress(OSError):
                    os.unlink(aside)
                aside = None
            if sig.signum != signal.SIGINT:  # die of the signal, as without the handler
                signal.signal(sig.signum, signal.SIG_DFL)
                os.kill(os.getpid(), sig.signum)
            raise KeyboardInterrupt from None
        finally:
            if aside is not None:
                with contextlib.suppress(OSError):
                    os.unlink(aside)
