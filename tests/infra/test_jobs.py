"""Steps run beside the build (a second process) or when needed: their result, or their
exception, comes back as a direct call's would."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from relwork.infra.jobs import ForkedJob, Later, can_fork


def test_later_runs_the_work_when_its_result_is_asked_for() -> None:
    ran: list[str] = []
    job = Later(lambda: ran.append("now") or len(ran))
    assert ran == []  # nothing yet
    job.wait()
    assert ran == [] and job.result() == 1 and ran == ["now"]


def test_later_raises_what_the_work_raises() -> None:
    def work() -> int:
        raise ValueError("broken step")

    with pytest.raises(ValueError, match="broken step"):
        Later(work).result()


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
