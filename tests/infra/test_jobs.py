"""Job: a step in a thread whose result (or exception) comes back as a call's would."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from relwork.infra.jobs import ForkedJob, Job, can_fork


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


needs_fork = pytest.mark.skipif(not can_fork(), reason="a second process needs fork (Linux) "
                                "and two cores")


@needs_fork
def test_a_forked_job_sends_its_value_back_as_data() -> None:
    parent = os.getpid()
    job = ForkedJob(lambda: [os.getpid(), 7], lambda v: json.dumps(v).encode(),
                    lambda b: json.loads(b))
    child, seven = job.result()
    assert seven == 7 and child != parent  # computed in the other process


@needs_fork
def test_a_forked_job_that_fails_runs_here_with_the_same_outcome(tmp_path: Path) -> None:
    ran = tmp_path / "ran-in"

    def work() -> int:
        ran.write_text(str(os.getpid()))
        if os.getpid() != here:
            os._exit(3)  # the second process dies without sending anything
        return 42

    here = os.getpid()
    job = ForkedJob(work, lambda v: str(v).encode(), lambda b: int(b))
    assert job.result() == 42 and ran.read_text() == str(here)

    def broken() -> int:
        raise ValueError("same error here")

    with pytest.raises(ValueError, match="same error here"):
        ForkedJob(broken, lambda v: b"", lambda b: 0).result()


@needs_fork
def test_data_that_does_not_decode_means_running_here() -> None:
    job = ForkedJob(lambda: os.getpid(), lambda v: b"not a number",
                    lambda b: int(b) if b.isdigit() else None)
    assert job.result() == os.getpid()


@needs_fork
def test_wait_stops_a_forked_job_that_is_not_wanted() -> None:
    start = time.monotonic()
    job = ForkedJob(lambda: time.sleep(30), lambda v: b"", lambda b: None)
    job.wait()
    assert time.monotonic() - start < 10
