"""A step run beside the build: the tone check needs only the notes and the bibliography's
words, so when it has much to do it runs in a second process (``ForkedJob``) while the
papers are matched and the section rendered; else it runs when its result is needed
(``Later``)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Generic, NoReturn, TypeVar

T = TypeVar("T")


class Later(Generic[T]):
    """``work()`` run when its result is asked for, in this process: where a second
    process is not worth it. (Not a thread: a CPU-bound thread beside the build makes
    every file read of the build wait for the interpreter lock.)"""

    def __init__(self, work: Callable[[], T]):
        self._work = work

    def wait(self) -> None:
        """Nothing runs yet: nothing to wait for."""

    def result(self) -> T:
        return self._work()


class ForkedJob(Generic[T]):
    """``work()`` run in a second process (fork: Linux) on another core, its value sent
    back as data (``encode`` -> bytes -> ``decode``, never pickled). ``result()`` returns
    it; when the process fails, is not done within ``timeout`` seconds or sends what
    cannot be read, ``here()`` runs in this process instead (by default ``work``, so the
    value, or the exception, is the one a direct call gives)."""

    def __init__(self, work: Callable[[], T], encode: Callable[[T], bytes],
                 decode: Callable[[bytes], T | None], *,
                 here: Callable[[], T] | None = None, timeout: float | None = None):
        self._here = here or work
        self._decode = decode
        self._timeout = timeout
        read, write = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the second process: never returns
            os.close(read)
            _send(work, encode, write)
        os.close(write)
        self._read: int | None = read

    def wait(self) -> None:
        """Stop the process (its value is not wanted: the caller failed first)."""
        if self._read is None:
            return
        os.close(self._read)
        self._read = None
        try:
            os.kill(self._pid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(self._pid, 0)

    def result(self) -> T:
        if self._read is None:
            return self._here()
        data = self._receive()
        if data is None:  # not done in time
            self.wait()
            return self._here()
        os.close(self._read)
        self._read = None
        _, status = os.waitpid(self._pid, 0)
        value = self._decode(data) if data and os.waitstatus_to_exitcode(status) == 0 \
            else None
        return value if value is not None else self._here()

    def _receive(self) -> bytes | None:
        """All the process sends (until it closes the pipe), or None after ``timeout``."""
        import select
        import time

        assert self._read is not None
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        chunks: list[bytes] = []
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._read], [], [], left)[0]:
                    return None
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _send(work: Callable[[], T], encode: Callable[[T], bytes], write: int) -> NoReturn:
    """The second process: Ctrl-C is the parent's to handle; a failure sends nothing.
    It ends with ``os._exit``: nothing of the parent (buffers, exit handlers) runs twice."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with os.fdopen(write, "wb") as pipe:
            pipe.write(encode(work()))
        code = 0
    except BaseException:  # noqa: BLE001, S110 - the parent runs here() itself and sees it
        pass
    os._exit(code)


def can_fork() -> bool:
    """Whether a second process on another core is worth starting here (Linux: fork)."""
    return sys.platform == "linux" and (os.cpu_count() or 1) >= 2
