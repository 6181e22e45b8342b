"""Job: a step in a thread whose result (or exception) comes back as a call's would."""

from __future__ import annotations

import threading
import time

import pytest

from relwork.infra.threads import Job


def test_result_is_the_value_and_work_runs_beside_the_caller() -> None:
    started = threading.Event()

    def work() -> list[int]:
        started.set()
        time.sleep(0.05)
        return [1, 2]

    job = Job(work)
    assert started.wait(5)  # running while the caller goes on
    assert job.result() == [1, 2]


def test_an_exception_comes_back_from_result_not_from_wait() -> None:
    def work() -> int:
        raise ValueError("broken step")

    job = Job(work)
    job.wait()  # does not raise: the caller is already handling its own failure
    with pytest.raises(ValueError, match="broken step"):
        job.result()
