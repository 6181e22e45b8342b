"""Subprocesses in their own process group: time limits, and Ctrl-C or SIGTERM that either
let a process finish (a grace period) or stop its whole group."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from relwork.infra import proc

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs process groups")


def signal_soon(signum: int, delay: float = 0.3) -> threading.Timer:
    """Send ``signum`` to this process after ``delay`` seconds (as a terminal would)."""
    timer = threading.Timer(delay, os.kill, (os.getpid(), signum))
    timer.start()
    return timer


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


def test_ctrl_c_lets_a_process_finish_within_its_grace() -> None:
    signal_soon(signal.SIGINT)
    with pytest.raises(proc.Interrupted) as err:
        proc.run(["sh", "-c", "sleep 1; echo landed"], timeout=30, grace=10)
    assert err.value.signum == signal.SIGINT
    assert err.value.finished is not None
    assert err.value.finished.returncode == 0
    assert err.value.finished.stdout == b"landed\n"


@pytest.mark.slow
def test_process_past_its_grace_is_stopped_with_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    signal_soon(signal.SIGINT)
    started = time.monotonic()
    with pytest.raises(proc.Interrupted) as err:
        proc.run(["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"], timeout=120,
                 grace=0.5)
    assert err.value.finished is None
    assert time.monotonic() - started < 10
    assert not alive(int(pid_file.read_text()))  # the child of the shell is gone too


def test_sigterm_becomes_an_interrupt_only_inside_the_block() -> None:
    with proc.terminate_as_interrupt():
        signal_soon(signal.SIGTERM)
        with pytest.raises(proc.Interrupted) as err:
            proc.run(["sh", "-c", "sleep 1; echo done"], timeout=30, grace=10)
    assert err.value.signum == signal.SIGTERM
    assert err.value.finished is not None and err.value.finished.stdout == b"done\n"
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


@pytest.mark.slow
def test_without_grace_ctrl_c_stops_the_group_at_once(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    signal_soon(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as err:
        proc.run(["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"], timeout=120)
    assert not isinstance(err.value, proc.Interrupted)
    assert not alive(int(pid_file.read_text()))


def test_timeout_stops_the_group() -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        proc.run(["sh", "-c", "sleep 60"], timeout=0.5)
