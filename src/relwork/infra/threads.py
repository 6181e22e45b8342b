"""A step run in a thread while the build goes on: the tone check, which spends most of a
first build waiting for hunspell, runs beside the rendering of the section."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Job(Generic[T]):
    """``work()`` started in a (daemon) thread; ``result()`` waits for it and returns its
    value or raises its exception, as calling it directly would have."""

    def __init__(self, work: Callable[[], T]):
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True,
                                        name="relwork-job")
        self._thread.start()

    def _run(self, work: Callable[[], T]) -> None:
        try:
            self._value = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in result()
            self._error = exc

    def wait(self) -> None:
        """Wait for the thread, keeping what it gives (a step that failed before
        ``result`` is asked for must not leave it running on shared state)."""
        self._thread.join()

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
